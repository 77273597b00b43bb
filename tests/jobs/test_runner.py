"""The locked scheduler in one process: it runs jobs only while holding the lock, stands by
otherwise, stops its jobs when the lock is lost, and /healthz says which."""

import threading
from datetime import datetime, timedelta

import pytest
from apscheduler.schedulers.base import STATE_RUNNING

from jobs.lock import make_lock, safely
from jobs.runner import LockedScheduler, run_def, run_job, start_embedded
from jobs.schedule import JOBS, JobDef
from models import Feedback
from services.feedback import Sender
from services.feedback_targets import code_for
from tests.factories import NOW, make_member, make_team
from tests.jobs import probe
from tests.jobs.conftest import LOCK_KINDS, REMOTE_KINDS, kill_holder, make_locker, wait_until
from tests.services.test_feedback import SECRET, rate

PROBE = JobDef("probe", "tests.jobs.probe:record", "interval", {"minutes": 5}, "测试")
HOLD = JobDef("hold", "tests.jobs.probe:hold", "interval", {"minutes": 5}, "测试")


@pytest.fixture
def schedulers(app):
    """LockedSchedulers on this app's lock or a given one (probe job only unless told), all
    shut down afterwards (a job still held is let go first)."""
    made = []
    probe.reset_hold()

    def make(jobs=(PROBE,), lock=None):
        made.append(LockedScheduler(app, lock=lock, jobs=list(jobs)))
        made[-1].renew_pause = 0.01
        return made[-1]

    yield make
    probe.GO.set()
    for scheduler in made:
        scheduler.shutdown(wait=True)


class Flaky:
    """A lock whose next `failures` renewals raise (SQLite busy, a Redis blip) before the
    real lock is asked."""

    def __init__(self, lock):
        self.lock, self.holder, self.failures = lock, lock.holder, 0

    def acquire(self):
        return self.lock.acquire()

    def renew(self):
        if self.failures:
            self.failures -= 1
            raise OSError("a blip")
        return self.lock.renew()

    def release(self):
        return self.lock.release()


@pytest.fixture(params=LOCK_KINDS)
def flaky(request, app, database_url, redis_url):
    """A Flaky lock of each kind the run reaches."""
    lock = make_locker(request.param, database_url, redis_url)
    yield Flaky(lock)
    safely(lock.release, "release")


def health(client) -> str:
    return client.get("/healthz").get_json()["scheduler"]


def test_one_runs_the_other_stands_by_then_takes_over(schedulers):
    probe.reset()
    first, second = schedulers(), schedulers()
    assert first.step() == "running"
    assert probe.RAN.wait(30)  # interval jobs run at start
    assert second.step() == "standby" and second.scheduler is None
    first.shutdown(wait=True)
    assert first.state == "stopped"
    assert second.step() == "running"


def test_a_runner_that_loses_its_lock_stops_its_jobs(schedulers):
    first, second = schedulers(), schedulers()
    assert first.step() == "running"
    kill_holder(first.lock)  # frozen past its lock's life, or cut off from the database
    assert second.step() == "running"
    assert first.step() == "standby"
    assert first.scheduler is None


def test_a_renewal_that_fails_once_is_not_a_loss(schedulers, flaky):
    ours = schedulers(lock=flaky)
    assert ours.step() == "running"
    running = ours.scheduler
    flaky.failures = 1
    assert ours.step() == "running"
    assert ours.scheduler is running  # the same scheduler, never stopped


def test_a_lost_lock_is_not_taken_again_while_a_run_of_the_lost_scheduler_goes_on(
    schedulers, flaky
):
    ours = schedulers(jobs=[HOLD], lock=flaky)
    assert ours.step() == "running"
    assert probe.STARTED.wait(30)  # interval jobs run at start; this one waits for GO
    flaky.failures = 2  # the renewal and its second try fail: the lock counts as lost
    assert ours.step() == "standby" and ours.scheduler is None
    # The lock itself is still ours to take (the row or key is ours, the session alive), but
    # a run of the lost scheduler goes on: no second scheduler may start beside it.
    assert ours.step() == "standby" and ours.scheduler is None
    assert len(probe.STARTS) == 1
    probe.GO.set()
    assert wait_until(lambda: ours.step() == "running")  # once the run has finished
    assert probe.most_at_once() == 1


def test_shutting_down_waits_for_the_runs_of_a_lost_scheduler(schedulers, flaky):
    ours = schedulers(jobs=[HOLD], lock=flaky)
    assert ours.step() == "running" and probe.STARTED.wait(30)
    flaky.failures = 2
    assert ours.step() == "standby"
    stopping = threading.Thread(target=ours.shutdown, kwargs={"wait": True}, daemon=True)
    stopping.start()
    stopping.join(0.2)
    assert stopping.is_alive()  # still waiting for the held run
    probe.GO.set()
    stopping.join(30)
    assert not stopping.is_alive() and ours.state == "stopped"


@pytest.mark.parametrize("kind", REMOTE_KINDS)
def test_a_runner_whose_lock_server_falls_silent_stops_its_jobs_in_time(
    app, schedulers, kind, database_url, redis_url, relay
):
    lock = make_locker(kind, database_url, redis_url, ttl=3.0, relay=relay)
    ours = schedulers(lock=lock)
    ours.ttl, ours.heartbeat = 3.0, 1.0  # the lock's life, as the settings would give it
    assert ours.step() == "running"
    running = ours.scheduler
    relay.freeze()
    beat = threading.Thread(target=ours.step, daemon=True)
    beat.start()
    # No new runs before the lock could expire (key) or the server drop the session (the
    # beat may then go on trying to take the lock again: no jobs run meanwhile).
    wait_until(lambda: running.state != STATE_RUNNING, seconds=ours.ttl)
    assert ours.scheduler is None
    relay.close()  # the beat's retake fails at once
    beat.join(30)
    assert ours.state == "standby"


def test_healthz_tells_the_truth(app, client, schedulers):
    other = make_lock(app.config["SETTINGS"])  # another process's runner, holding the lock
    assert other.acquire()
    ours = schedulers()
    assert ours.step() == "standby" and health(client) == "standby"
    other.release()
    assert ours.step() == "running" and health(client) == "running"
    ours.shutdown()
    assert health(client) == "stopped"


def test_embedded_mode_starts_at_once_when_the_lock_is_free(app, client):
    scheduler = start_embedded(app)
    try:
        assert health(client) == "running"
        assert {job.id for job in scheduler.scheduler.get_jobs()} <= {job.id for job in JOBS}
    finally:
        scheduler.shutdown(wait=True)  # let the jobs started at once finish
    assert health(client) == "stopped"


def test_run_job_gives_the_job_its_now(app):
    probe.reset()
    moment = datetime(2026, 12, 31, 1, 0)
    result = run_def(app, PROBE, moment)
    assert result == {"runs": 1} and probe.RUNS == [moment]
    assert run_job(app, "purge_expired", moment) == {
        "api_tokens": 0,
        "bind_tries": 0,
        "chat_states": 0,
        "feedback_keys": 0,
        "feedback_forms": 0,
        "inbound_messages": 0,
        "subscription_reports": 0,
        "photo_files": 0,
    }


def test_the_housekeeping_job_forgets_feedback_keys_after_the_configured_days(
    settings_overrides, request
):
    """The job reads feedback.key_keep_days: a rating's keys and its form's answer go after
    that many days."""
    settings_overrides["feedback"] = {"key_keep_days": 3}
    app = request.getfixturevalue("app")
    member = make_member(name="王建国", team=make_team(name="第一服务队"))
    row = rate(code_for("member", member.id, NOW), 4, who=Sender(SECRET, "a", "1.2.4.8")).feedback
    assert row.client_key and row.ip_key == ""  # approved: only held ratings keep an address
    kept = run_job(app, "purge_expired", NOW + timedelta(days=3))
    assert (kept["feedback_keys"], kept["feedback_forms"]) == (0, 0)
    gone = run_job(app, "purge_expired", NOW + timedelta(days=4))
    assert (gone["feedback_keys"], gone["feedback_forms"]) == (1, 1)
    row = Feedback.get_by_id(row.id)
    assert (row.client_key, row.ip_key, row.rated_on, row.form_id) == ("", "", None, None)
