"""The locked scheduler in one process: it runs jobs only while holding the lock, stands by
otherwise, stops its jobs when the lock is lost, and /healthz says which."""

from datetime import datetime

import pytest

from jobs.lock import make_lock
from jobs.runner import LockedScheduler, run_def, run_job, start_embedded
from jobs.schedule import JOBS, JobDef
from tests.jobs import probe
from tests.jobs.conftest import kill_holder

PROBE = JobDef("probe", "tests.jobs.probe:record", "interval", {"minutes": 5}, "测试")


@pytest.fixture
def schedulers(app):
    """LockedSchedulers on this app's lock (probe job only), all shut down afterwards."""
    made = []

    def make(jobs=(PROBE,)):
        made.append(LockedScheduler(app, jobs=list(jobs)))
        return made[-1]

    yield make
    for scheduler in made:
        scheduler.shutdown(wait=True)


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
        "chat_states": 0,
        "inbound_messages": 0,
    }
