"""`jobs` commands: run the scheduler as its own process, list jobs, run one now."""

import click
from flask import current_app
from flask.cli import AppGroup

from .schedule import JOBS

jobs_cli = AppGroup("jobs", help="Scheduled jobs.")


@jobs_cli.command("list")
def list_jobs():
    """List the scheduled jobs and their triggers (Shanghai time)."""
    for job in JOBS:
        trigger = " ".join(f"{k}={v}" for k, v in job.args.items())
        click.echo(f"{job.id:20} {job.trigger} {trigger}")


@jobs_cli.command("run-once")
@click.argument("job_id", type=click.Choice([j.id for j in JOBS]))
def run_once(job_id):
    """Run one job now."""
    from .runner import run_job

    click.echo(run_job(current_app._get_current_object(), job_id))


@jobs_cli.command("run")
def run():
    """Run the scheduler in this process until stopped (the production jobs process)."""
    from .runner import build_scheduler

    scheduler = build_scheduler(current_app._get_current_object(), blocking=True)
    click.echo(f"scheduler running {len(JOBS)} job(s); Ctrl-C to stop")
    scheduler.start()
