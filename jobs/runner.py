"""Runs the jobs: one job now (`run_job`), or the scheduler while this process holds the lock.

A `LockedScheduler` beats every few seconds: while it holds the lock it renews it and keeps
an APScheduler BackgroundScheduler running. A renewal that raises (SQLite busy, a Redis blip)
is tried once more after a short pause; when the lock is lost (another runner has it, or the
renewal failed twice) the scheduler starts no new runs, reports standby, and takes the lock
again only after the runs it had started have finished, so one process never has the runs of
two schedulers going at once. A scheduler is built afresh on every takeover, so missed runs
are caught up from the database each time (see jobs.catchup).
"""

import logging
import threading
import time
from datetime import timedelta

from models import db
from services import clock
from services.clock import SHANGHAI

from . import catchup, set_scheduler_state
from .lock import make_lock, safely
from .schedule import JOBS, JOBS_BY_ID

log = logging.getLogger(__name__)


def run_job(app, job_id: str, now=None) -> dict:
    """Run one job by id with `now` (naive UTC; the clock when None)."""
    return run_def(app, JOBS_BY_ID[job_id], now)


def run_def(app, job, now=None) -> dict:
    """Run a job inside an app context, with a connection opened and closed for it."""
    func = job.load()
    now = now or clock.now_utc()
    with app.app_context(), db.connection_context():
        result = func(now)
    log.info("job %s done: %s", job.id, result)
    return result


def run_scheduled(app, job, holder: str) -> None:
    """What the scheduler calls: run the job, then record that it finished."""
    run_def(app, job)
    catchup.mark_run(job.id, clock.now_utc(), holder)


def available(jobs) -> list:
    """The jobs whose function can be imported; the others are logged and left out."""
    found = []
    for job in jobs:
        try:
            job.load()
        except (ImportError, AttributeError) as exc:
            log.warning("job %s left out: %s cannot be loaded (%s)", job.id, job.target, exc)
            continue
        found.append(job)
    return found


def build_scheduler(app, jobs=JOBS, holder: str = ""):
    """A scheduler with every available job: coalesced, one instance at a time, with a
    misfire grace, and first run times that catch up on runs missed while down."""
    from apscheduler.schedulers.background import BackgroundScheduler

    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # our own line per run is enough
    grace = app.config["SETTINGS"].scheduler.misfire_grace_seconds
    scheduler = BackgroundScheduler(
        timezone=SHANGHAI,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
    )
    jobs = available(jobs)
    now = clock.to_local(clock.now_utc())
    starts = catchup.first_run_times(jobs, now, timedelta(seconds=grace))
    for job in jobs:
        first = {"next_run_time": starts[job.id]} if job.id in starts else {}
        scheduler.add_job(
            run_scheduled,
            job.make_trigger(),
            args=[app, job, holder],
            id=job.id,
            name=job.id,
            **first,
        )
    return scheduler


class LockedScheduler:
    """The scheduler, run only while this process holds the lock."""

    def __init__(self, app, lock=None, jobs=JOBS, on_change=None):
        config = app.config["SETTINGS"].scheduler
        self.app, self.jobs, self.on_change = app, jobs, on_change
        self.lock = lock or make_lock(app.config["SETTINGS"])
        self.ttl = config.lock_ttl_seconds
        self.heartbeat = self.ttl / 3
        self.retry = config.standby_retry_seconds
        self.renew_pause = min(1.0, self.heartbeat / 10)  # before a failed renewal's retry
        self.scheduler, self.state = None, "not started"
        self._held_since = 0.0  # when the last successful take or renewal began (monotonic)
        self._draining = None  # a thread waiting for a lost scheduler's runs to finish
        self._stop, self._thread = threading.Event(), None

    def step(self) -> str:
        """One beat: renew the lock and keep running, or (once the runs of a scheduler that
        lost it have finished) try to take it."""
        if self.scheduler is not None and not self._renew():
            log.error("scheduler lock lost: no new runs; standing by once running ones finish")
            self._drain_scheduler()
        if self.scheduler is None and self._drained():
            began = time.monotonic()
            if safely(self.lock.acquire, "acquisition"):
                self._held_since = began
                self._start_scheduler()
        self._report("running" if self.scheduler is not None else "standby")
        return self.state

    def run(self) -> None:
        """Beat until shut down (the `jobs run` process: call from the main thread)."""
        self.step()
        self.run_loop()

    def start(self) -> "LockedScheduler":
        """Take the lock now if free, then beat in a background thread (embedded mode)."""
        self.step()
        self._thread = threading.Thread(target=self.run_loop, name="scheduler-lock", daemon=True)
        self._thread.start()
        return self

    def run_loop(self) -> None:
        """Beat after each interval until shut down."""
        while not self._stop.wait(self._interval()):
            self.step()

    def shutdown(self, wait: bool = False) -> None:
        """Stop beating, stop the scheduler (waiting for running jobs if asked, those of a
        scheduler that lost the lock too) and release the lock so a standby takes over at its
        next try."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        if self.scheduler is not None:
            self._stop_scheduler(wait)
        if wait and self._draining is not None:
            self._draining.join()
        safely(self.lock.release, "release")  # a no-op unless we hold it
        self._report("stopped")

    def _interval(self) -> float:
        return self.heartbeat if self.scheduler is not None else self.retry

    def _renew(self) -> bool:
        """Renew the lock. A "no" is final; an error gets one more try after a short pause,
        made only while the lock is sure to last at least another heartbeat (so that the
        retry, bounded like any renewal, normally ends before it could expire)."""
        began = time.monotonic()
        try:
            held = bool(self.lock.renew())
        except Exception as exc:
            log.warning("scheduler lock renewal failed: %s", exc)
            self._stop.wait(self.renew_pause)
            if time.monotonic() > self._held_since + self.ttl - self.heartbeat:
                return False  # too near the lock's expiry to try again
            began = time.monotonic()
            held = safely(self.lock.renew, "renewal (second try)")
        if held:
            self._held_since = began
        return held

    def _start_scheduler(self) -> None:
        try:
            scheduler = build_scheduler(self.app, self.jobs, self.lock.holder)
            scheduler.start()
        except Exception:
            log.exception("scheduler could not start; releasing the lock")
            safely(self.lock.release, "release")
            return
        self.scheduler = scheduler

    def _stop_scheduler(self, wait: bool = False) -> None:
        """Stop the scheduler; without waiting, its running jobs finish in a helper thread
        that a later shutdown(wait=True) still waits for."""
        if not wait:
            self._drain_scheduler()
            return
        scheduler, self.scheduler = self.scheduler, None
        scheduler.shutdown(wait=True)

    def _drain_scheduler(self) -> None:
        """Stop the scheduler after a lost lock: no new runs from now on, and a helper thread
        shuts it down once its running jobs have finished (the heartbeat does not wait; the
        lock is not taken again until then, see `_drained`)."""
        scheduler, self.scheduler = self.scheduler, None
        scheduler.pause()  # at once: the helper thread might start a moment later
        self._draining = threading.Thread(
            target=scheduler.shutdown, kwargs={"wait": True}, name="scheduler-drain", daemon=True
        )
        self._draining.start()

    def _drained(self) -> bool:
        """Whether every run of a scheduler that lost the lock has finished."""
        if self._draining is not None and self._draining.is_alive():
            log.info("scheduler lock: waiting for the previous runs to finish before retaking it")
            return False
        self._draining = None
        return True

    def _report(self, state: str) -> None:
        set_scheduler_state(state)
        if state != self.state:
            self.state = state
            if self.on_change is not None:
                self.on_change(state)


def start_embedded(app) -> LockedScheduler:
    """Start the scheduler in a background thread of the web process (embedded mode); it
    runs only while this process holds the lock and stands by otherwise."""
    return LockedScheduler(app).start()
