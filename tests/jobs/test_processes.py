"""Real `python app.py jobs run` processes on one database: two started at once elect one
runner and the other stands by until it stops; a runner killed in the middle of a run is
replaced, and between them every reminder is written once, none missed."""

import os
import queue
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from models import Activity, Enrollment, JobLock, Notification, db
from services import clock
from tests.conftest import REDIS_URL
from tests.factories import make_member, make_team
from tests.jobs.conftest import wait_until

APP = Path(__file__).resolve().parents[2] / "app.py"
LOCKS = ["database"] + (["redis"] if REDIS_URL else [])
RUNNING, STANDBY = "调度器运行中", "待命"


class Runner:
    """A `jobs run` process whose output lines are read as they come."""

    def __init__(self, env: dict, log: Path):
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, str(APP), "jobs", "run"],
            env=env,
            cwd=log.parent,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        self.pid, self.lines = self.process.pid, queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line.strip())

    def next_state(self, seconds: float = 60) -> str:
        """The next state line it prints: RUNNING or STANDBY."""
        while True:
            line = self.lines.get(timeout=seconds)
            for state in (RUNNING, STANDBY):
                if line.startswith(state):
                    return state

    def stop(self, sig=signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        return self.process.wait(timeout=60)

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self.log.close()


def flat_env(mapping: dict, prefix: str = "XIANFENG_") -> dict[str, str]:
    env = {}
    for key, value in mapping.items():
        name = f"{prefix}{key.upper()}"
        if isinstance(value, dict):
            env.update(flat_env(value, name + "_"))
        else:
            env[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


@pytest.fixture
def start_runner(settings_overrides, app, tmp_path):
    """Start `jobs run` processes with this test's settings, a short lock life and no quiet
    hours (so reminders are due whatever the time of day the suite runs)."""
    runners = []
    settings_overrides["scheduler"].update(lock_ttl_seconds=2.0, standby_retry_seconds=0.3)
    settings_overrides["rules"] = {"quiet_hours": "00:00-00:00"}

    def start(lock: str = "auto") -> Runner:
        overrides = settings_overrides | {
            "scheduler": settings_overrides["scheduler"] | {"lock": lock}
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith("XIANFENG_")}
        env |= flat_env(overrides) | {"XIANFENG_CONFIG": os.devnull, "PYTHONUNBUFFERED": "1"}
        runners.append(Runner(env, tmp_path / f"runner-{len(runners)}.log"))
        return runners[-1]

    yield start
    for runner in runners:
        runner.close()


def last_run_pid(job_id: str) -> int | None:
    """The process id of the runner that last finished a job (from its lastrun row)."""
    with db.connection_context():
        row = JobLock.get_or_none(JobLock.name == f"lastrun:{job_id}")
    return int(row.holder.split(":")[1]) if row else None


@pytest.mark.parametrize("lock", LOCKS)
def test_two_runners_at_once_one_runs_the_other_stands_by(start_runner, lock):
    first, second = start_runner(lock), start_runner(lock)
    states = {first.next_state(): first, second.next_state(): second}
    assert set(states) == {RUNNING, STANDBY}
    running, standby = states[RUNNING], states[STANDBY]
    assert wait_until(lambda: last_run_pid("activity_reminders")) == running.pid
    assert running.stop() == 0  # SIGTERM: stops its jobs and releases the lock
    assert standby.next_state() == RUNNING
    for job_id in ("activity_reminders", "close_open_checkins"):  # both run at its start
        assert wait_until(lambda job_id=job_id: last_run_pid(job_id) == standby.pid)


@pytest.fixture
def busy_hour(app):
    """80 activities starting in half an hour, 100 members enrolled in each: 8,000 reminders."""
    team = make_team()
    members = [make_member(team=team) for _ in range(100)]
    now = clock.now_utc()
    starts = now + timedelta(minutes=30)
    rows = [
        {
            "team": team,
            "community": team.community,
            "title": f"活动{n}",
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=2),
            "created_at": now,
        }
        for n in range(80)
    ]
    Activity.insert_many(rows).execute()
    seats = [
        {"activity": activity, "member": member, "created_at": now}
        for activity in Activity.select()
        for member in members
    ]
    Enrollment.insert_many(seats).execute()
    return len(seats)


def reminders(which: str) -> int:
    with db.connection_context():
        query = Notification.select().where(Notification.dedupe_key.contains(f":{which}:"))
        return query.count()


def test_a_runner_killed_mid_run_is_replaced_with_nothing_twice_nothing_missed(
    start_runner, busy_hour
):
    first = start_runner()
    assert first.next_state() == RUNNING
    wait_until(lambda: reminders("soon") > 0, every=0.002)
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL
    written = reminders("soon")
    assert 0 < written < busy_hour, "the kill should land in the middle of the run"
    assert last_run_pid("activity_reminders") is None  # the killed run never finished

    second = start_runner()
    wait_until(lambda: last_run_pid("activity_reminders") == second.pid, seconds=90)
    assert reminders("soon") == busy_hour  # nothing missed ...
    with db.connection_context():
        pairs = Notification.select(Notification.member, Notification.payload).where(
            Notification.kind == "activity_reminder"
        )
        seen = [
            (row.member_id, row.payload["activity_id"])
            for row in pairs
            if row.payload["title"] == "活动即将开始"
        ]
    assert len(seen) == len(set(seen)) == busy_hour  # ... and nothing twice
