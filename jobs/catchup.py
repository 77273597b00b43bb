"""Catching up on runs missed while no runner was up.

APScheduler 3 keeps its jobs in memory, so a restarted scheduler only knows the next fire
times and forgets the ones that passed while it was down. The simplest correct record is
one row per job with the time its last scheduled run *finished* (a JobLock row named
'lastrun:<job>', holder = the runner that ran it): written after success, so a run killed
half-way counts as not done and runs again.

On start (or takeover), a cron job with a fire time after its last finished run and within
the misfire grace gets the first such time as its next run time; APScheduler then does what
it does with any overdue job: coalesces all the missed times into one run, started at once
(and would drop it if it were later than the grace). Interval jobs (every few minutes) simply
run at start. Every job is idempotent, so a run repeated after a crash does no harm.
"""

from datetime import UTC, datetime, timedelta

from models import JobLock, db

PREFIX = "lastrun:"


def last_runs() -> dict[str, datetime]:
    """Job id -> when its last scheduled run finished (naive UTC)."""
    with db.connection_context():
        rows = JobLock.select().where(JobLock.name.startswith(PREFIX))
        return {row.name.removeprefix(PREFIX): row.expires_at for row in rows}


def mark_run(job_id: str, finished_at: datetime, holder: str) -> None:
    """Record a finished scheduled run (one row per job, replaced each time)."""
    with db.connection_context():
        JobLock.insert(
            name=PREFIX + job_id, holder=holder[:100], expires_at=finished_at
        ).on_conflict(
            conflict_target=[JobLock.name],
            update={JobLock.holder: holder[:100], JobLock.expires_at: finished_at},
        ).execute()


def missed_run(trigger, last_run: datetime | None, now: datetime, grace: timedelta):
    """The first fire time of a trigger after `last_run` (naive UTC) and no later than `now`
    (aware), looking back at most `grace`; None when nothing was missed."""
    since = now - grace
    if last_run is not None:
        since = max(since, last_run.replace(tzinfo=UTC) + timedelta(microseconds=1))
    fire = trigger.get_next_fire_time(None, since)
    return fire if fire is not None and fire <= now else None


def first_run_times(jobs, now: datetime, grace: timedelta) -> dict[str, datetime]:
    """When each job should first run after a start: interval jobs now, cron jobs at a
    missed fire time if they have one (otherwise they wait for their next)."""
    done = last_runs()
    starts = {}
    for job in jobs:
        if job.trigger == "interval":
            starts[job.id] = now
            continue
        missed = missed_run(job.make_trigger(), done.get(job.id), now, grace)
        if missed is not None:
            starts[job.id] = missed
    return starts
