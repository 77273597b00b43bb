"""Runs missed while no runner was up: found from each job's last finished run, run once on
start (APScheduler coalesces them), dropped when later than the misfire grace."""

from datetime import datetime, timedelta

import pytest

from jobs import catchup
from jobs.runner import build_scheduler
from jobs.schedule import JobDef
from services import clock
from services.clock import SHANGHAI
from tests.jobs import probe

DAILY = JobDef("daily", "tests.jobs.probe:record", "cron", {"hour": 9, "minute": 30}, "测试")
EVERY_5 = JobDef("often", "tests.jobs.probe:record", "interval", {"minutes": 5}, "测试")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("last_run", "now", "grace_minutes", "expected"),
    [
        ("2026-12-01T09:30:02", "2026-12-02T10:00", 60, "2026-12-02T09:30"),  # missed today's
        ("2026-12-01T09:30:02", "2026-12-02T10:31", 60, None),  # later than the grace
        ("2026-12-02T09:30:01", "2026-12-02T10:00", 60, None),  # today's ran
        ("2026-12-01T09:30:02", "2026-12-02T09:29", 60, None),  # not yet due
        (None, "2026-12-02T09:45", 60, "2026-12-02T09:30"),  # never ran
        # down four days with a long grace: the first missed time (APScheduler coalesces)
        ("2026-11-28T09:30:02", "2026-12-02T10:00", 4 * 24 * 60, "2026-11-29T09:30"),
    ],
)
def test_the_missed_run(last_run, now, grace_minutes, expected):
    last = clock.to_utc(local(last_run)) if last_run else None
    found = catchup.missed_run(
        DAILY.make_trigger(), last, local(now), timedelta(minutes=grace_minutes)
    )
    assert found == (local(expected) if expected else None)


def test_first_run_times_after_a_start(database):
    catchup.mark_run("daily", clock.to_utc(local("2026-12-01T09:30:02")), "runner-1")
    now = local("2026-12-02T10:00")
    starts = catchup.first_run_times([DAILY, EVERY_5], now, timedelta(hours=1))
    assert starts == {"daily": local("2026-12-02T09:30"), "often": now}
    catchup.mark_run("daily", clock.to_utc(local("2026-12-02T10:00:01")), "runner-1")
    assert "daily" not in catchup.first_run_times([DAILY], now, timedelta(hours=1))
    assert catchup.last_runs() == {"daily": clock.to_utc(local("2026-12-02T10:00:01"))}


@pytest.fixture
def long_grace(settings_overrides):
    settings_overrides["scheduler"]["misfire_grace_seconds"] = 6 * 3600


def test_a_job_missed_several_times_while_down_runs_once_on_start(long_grace, app):
    """Hourly at a minute ten minutes ago, last run five hours ago: five runs missed, one run."""
    probe.reset()
    now = clock.to_local(clock.now_utc())
    job = JobDef(
        "probe",
        "tests.jobs.probe:record",
        "cron",
        {"minute": (now - timedelta(minutes=10)).minute},
        "测试",
    )
    catchup.mark_run("probe", clock.now_utc() - timedelta(hours=5), "runner-before")
    scheduler = build_scheduler(app, [job], holder="runner-after")
    scheduler.start()
    try:
        assert probe.RAN.wait(30)
        assert scheduler.get_job("probe").next_run_time > clock.to_local(clock.now_utc())
    finally:
        scheduler.shutdown(wait=True)
    assert len(probe.RUNS) == 1
    last = catchup.last_runs()["probe"]
    assert last >= probe.RUNS[0]
    assert "probe" not in catchup.first_run_times([job], now, timedelta(hours=6))


def test_a_job_missed_longer_ago_than_the_grace_waits_for_its_next_time(app):
    """The default grace is an hour: a run missed five hours ago is not made up."""
    now = clock.to_local(clock.now_utc())
    job = JobDef(
        "probe",
        "tests.jobs.probe:record",
        "cron",
        {"hour": (now - timedelta(hours=5)).hour},
        "测试",
    )
    catchup.mark_run("probe", clock.now_utc() - timedelta(days=1, hours=1), "runner-before")
    scheduler = build_scheduler(app, [job], holder="runner-after")
    scheduler.start(paused=True)
    try:
        assert scheduler.get_job("probe").next_run_time > now
    finally:
        scheduler.shutdown(wait=False)
