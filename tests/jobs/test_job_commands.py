"""`jobs list` and `jobs run-once JOB --now ...`, as an operator types them."""

import re
from datetime import datetime, timedelta

import pytest

from jobs.schedule import JOBS
from models import Enrollment, Notification, ServiceRecord, SpotCheck
from services import clock
from tests.factories import make_activity, make_member, make_record, make_team


def shanghai(text: str) -> datetime:
    return clock.to_utc(datetime.fromisoformat(text))


def test_list_shows_every_job_with_its_next_run_in_shanghai(runner):
    result = runner.invoke(args=["jobs", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split()[0] for line in lines] == [job.id for job in JOBS]
    visits = next(line for line in lines if line.startswith("visit_reminders"))
    assert re.search(r"每天 09:30\s+下次 \d{4}-\d\d-\d\d 09:30", visits)
    assert "上次 —" in visits


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run-once", "no_such_job"], "没有名为 no_such_job 的任务"),
        (["run-once", "activity_reminders", "--now", "tomorrow"], "--now 的时间格式无效"),
        (["run-once", "activity_reminders", "--now", "2026-13-01T09:00"], "--now 的时间格式无效"),
    ],
)
def test_mistakes_get_one_clear_line(runner, args, message):
    result = runner.invoke(args=["jobs", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_activity_reminders_as_of_a_chosen_time(runner):
    team = make_team()
    member = make_member(team=team)
    activity = make_activity(team, starts_at=shanghai("2026-12-02T09:00"))
    Enrollment.create(activity=activity, member=member, created_at=activity.created_at)
    result = runner.invoke(
        args=["jobs", "run-once", "activity_reminders", "--now", "2026-12-01T19:00+08:00"]
    )
    assert result.exit_code == 0, result.output
    assert "2026-12-01 19:00" in result.output and "写入发送队列 1" in result.output
    # the same moment without an offset (Shanghai) or in UTC: nothing new
    for now in ("2026-12-01T19:00", "2026-12-01T11:00Z"):
        again = runner.invoke(args=["jobs", "run-once", "activity_reminders", "--now", now])
        assert "写入发送队列 0" in again.output
    assert Notification.select().count() == 1


def test_close_open_checkins_as_of_a_chosen_time(runner):
    team = make_team()
    activity = make_activity(team, starts_at=shanghai("2026-12-01T09:00"), hours=2)
    record = make_record(make_member(team=team), activity, checkin_at=activity.starts_at)
    result = runner.invoke(
        args=["jobs", "run-once", "close_open_checkins", "--now", "2026-12-01T16:00+08:00"]
    )
    assert result.exit_code == 0, result.output
    assert "活动结束后自动签退 1" in result.output
    assert ServiceRecord.get_by_id(record.id).checkout_at == activity.ends_at


def test_spot_check_sample_as_of_a_chosen_time(runner):
    member = make_member(team=make_team())
    day = shanghai("2026-12-01T10:00")
    for minutes in range(20):
        checkin = day + timedelta(minutes=minutes)
        make_record(
            member, checkin_at=checkin, checkout_at=checkin + timedelta(hours=1), status="verified"
        )
    result = runner.invoke(
        args=["jobs", "run-once", "spot_check_sample", "--now", "2026-12-02T08:00+08:00"]
    )
    assert result.exit_code == 0, result.output
    assert SpotCheck.select().count() == 1  # 5% of 20
    assert "记录日期 2026-12-01，已核验记录 20，抽取 1" in result.output
    again = runner.invoke(
        args=["jobs", "run-once", "spot_check_sample", "--now", "2026-12-02T09:00"]
    )
    assert SpotCheck.select().count() == 1
    assert "记录日期 2026-12-01，今日已抽取过 1 条，本次未再抽取" in again.output
    assert "None" not in again.output


def test_purge_expired_as_of_a_chosen_time(runner):
    result = runner.invoke(args=["jobs", "run-once", "purge_expired", "--now", "2030-01-01"])
    assert result.exit_code == 0, result.output
    assert "没有需要处理的内容" in result.output


def test_what_the_purge_did_is_said_in_chinese(runner, app):
    """Every count the nightly purge reports has a Chinese label for the operator."""
    from jobs.commands import describe
    from services.housekeeping import purge_expired

    with app.app_context():
        counts = purge_expired(datetime(2030, 1, 1), 30, app.config["SETTINGS"].storage.photo_dir)
    line = describe(dict.fromkeys(counts, 1))
    assert not any(key in line for key in counts), line
