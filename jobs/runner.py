"""Builds the APScheduler scheduler from the job list; each run gets an app context and its own
database connection."""

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from models import db
from services.clock import SHANGHAI

from . import set_scheduler_state
from .schedule import JOBS

log = logging.getLogger(__name__)


def run_job(app, job_id: str):
    """Run one job by id inside an app context, with a connection opened and closed for it."""
    job = next(j for j in JOBS if j.id == job_id)
    with app.app_context(), db.connection_context():
        result = job.func()
    log.info("job %s done: %s", job_id, result)
    return result


def build_scheduler(app, blocking: bool = False):
    """A scheduler with every job: coalesced, one instance at a time, with a misfire grace."""
    cls = BlockingScheduler if blocking else BackgroundScheduler
    grace = app.config["SETTINGS"].scheduler.misfire_grace_seconds
    scheduler = cls(
        timezone=SHANGHAI,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
    )
    for job in JOBS:
        scheduler.add_job(
            run_job, job.trigger, args=[app, job.id], id=job.id, name=job.id, **job.args
        )
    return scheduler


def start_embedded(app):
    """Start the scheduler in a background thread of the web process (embedded mode)."""
    scheduler = build_scheduler(app)
    scheduler.start()
    set_scheduler_state("running")
    return scheduler
