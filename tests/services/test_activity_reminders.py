"""Activity reminders: enrolled members hear of an activity the evening before and shortly
before it starts, once each, never for a cancelled activity or after leaving it."""

from datetime import datetime, time, timedelta

import pytest

from models import Activity, Enrollment, Member, Notification
from services import clock
from services.activity_reminders import ReminderRules, remind_activities
from tests.factories import make_activity, make_member, make_team

RULES = ReminderRules(evening_at=time(19, 0), before=timedelta(minutes=60))


def shanghai(text: str) -> datetime:
    return clock.to_utc(datetime.fromisoformat(text))


def enrol(activity, *members):
    for member in members:
        Enrollment.create(activity=activity, member=member, created_at=activity.created_at)


@pytest.fixture
def world(database):
    """A team with two enrolled members and one who is not, and an activity tomorrow 09:00."""
    team = make_team()
    ann, bob, cid = (make_member(team=team) for _ in range(3))
    activity = make_activity(team, starts_at=shanghai("2026-12-02T09:00"), place="社区广场")
    enrol(activity, ann, bob)
    return {"activity": activity, "enrolled": {ann.id, bob.id}, "outsider": cid}


def reminders(which: str) -> dict[int, Notification]:
    rows = Notification.select().where(
        (Notification.kind == "activity_reminder") & Notification.dedupe_key.contains(f":{which}:")
    )
    return {row.member_id: row for row in rows}


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-12-01T18:59", 0),  # before the evening time
        ("2026-12-01T19:00", 2),
        ("2026-12-01T20:30", 2),  # a run missed at 19:00 is made up later
        ("2026-12-02T00:10", 0),  # after midnight the activity is today's, not tomorrow's
        ("2026-11-30T19:00", 0),  # two days before
    ],
)
def test_evening_before(world, now, expected):
    result = remind_activities(shanghai(now), RULES)
    assert result["evening"] == expected == len(reminders("eve"))
    assert set(reminders("eve")) <= world["enrolled"]


def test_evening_reminder_says_what_when_and_where(world):
    remind_activities(shanghai("2026-12-01T19:00"), RULES)
    row = next(iter(reminders("eve").values()))
    assert row.payload["title"] == "明日活动提醒"
    assert row.payload["lines"] == {
        "活动": "环境卫生整治",
        "时间": "12月2日（周三）09:00-11:00",
        "地点": "社区广场",
    }
    assert row.payload["activity_id"] == world["activity"].id
    assert row.next_attempt_at == shanghai("2026-12-01T19:00")  # not quiet hours: at once
    assert row.payload["expires"] == world["activity"].starts_at.isoformat()


def test_both_reminders_expire_when_the_activity_starts(world):
    remind_activities(shanghai("2026-12-01T19:00"), RULES)
    remind_activities(shanghai("2026-12-02T08:30"), RULES)
    starts = world["activity"].starts_at.isoformat()
    assert [row.payload["expires"] for row in Notification.select()] == [starts] * 4


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-12-02T07:59", 0),  # more than an hour before
        ("2026-12-02T08:00", 2),  # exactly an hour before
        ("2026-12-02T08:55", 2),
        ("2026-12-02T09:00", 0),  # started: too late
    ],
)
def test_hour_before(world, now, expected):
    result = remind_activities(shanghai(now), RULES)
    assert result["soon"] == expected == len(reminders("soon"))
    assert all(row.payload["title"] == "活动即将开始" for row in reminders("soon").values())


def test_each_reminder_once_however_often_the_job_runs(world):
    times = ["2026-12-01T19:00", "2026-12-01T19:05", "2026-12-02T08:00", "2026-12-02T08:05"]
    queued = [remind_activities(shanghai(t), RULES)["queued"] for t in times]
    assert queued == [2, 0, 2, 0]
    assert Notification.select().count() == 4
    keys = {(n.member_id, n.dedupe_key.split(":")[3]) for n in Notification.select()}
    assert keys == {(m, which) for m in world["enrolled"] for which in ("eve", "soon")}


def test_nothing_for_a_cancelled_activity(world):
    Activity.update(status="cancelled").where(Activity.id == world["activity"].id).execute()
    remind_activities(shanghai("2026-12-01T19:00"), RULES)
    remind_activities(shanghai("2026-12-02T08:30"), RULES)
    assert Notification.select().count() == 0


def test_nothing_for_members_who_left_or_were_deactivated(world):
    ann, bob = sorted(world["enrolled"])
    Enrollment.delete().where(Enrollment.member == ann).execute()
    remind_activities(shanghai("2026-12-01T19:00"), RULES)
    Member.update(active=False).where(Member.id == bob).execute()
    remind_activities(shanghai("2026-12-02T08:30"), RULES)
    assert set(reminders("eve")) == {bob}
    assert reminders("soon") == {}
    assert world["outsider"].notifications.count() == 0


def test_a_moved_activity_is_announced_again(world):
    remind_activities(shanghai("2026-12-01T19:00"), RULES)
    later = shanghai("2026-12-02T15:00")
    Activity.update(starts_at=later, ends_at=later + timedelta(hours=2)).execute()
    assert remind_activities(shanghai("2026-12-01T19:30"), RULES)["queued"] == 2
    assert Notification.select().count() == 4


def test_an_evening_time_inside_the_quiet_hours_waits_for_the_morning(world):
    late = ReminderRules(evening_at=time(21, 30), before=RULES.before, quiet_hours="21:00-08:00")
    remind_activities(shanghai("2026-12-01T21:30"), late)
    rows = list(reminders("eve").values())
    assert len(rows) == 2
    assert {row.next_attempt_at for row in rows} == {shanghai("2026-12-02T08:00")}


def test_a_reminder_the_quiet_hours_would_hold_past_the_start_is_not_queued(database):
    team = make_team()
    member = make_member(team=team)
    early = make_activity(team, starts_at=shanghai("2026-12-02T07:30"))
    after_quiet = make_activity(team, starts_at=shanghai("2026-12-02T08:30"))
    enrol(early, member)
    enrol(after_quiet, member)
    remind_activities(shanghai("2026-12-02T06:45"), RULES)  # early: would wait until 08:00
    remind_activities(shanghai("2026-12-02T07:40"), RULES)  # after_quiet: 08:00 is in time
    rows = list(Notification.select())
    assert [row.payload["activity_id"] for row in rows] == [after_quiet.id]
    assert rows[0].next_attempt_at == shanghai("2026-12-02T08:00")


def test_an_evening_reminder_the_quiet_hours_would_hold_past_the_start_is_not_queued(database):
    team = make_team()
    member = make_member(team=team)
    dawn = make_activity(team, starts_at=shanghai("2026-12-02T07:00"))
    morning = make_activity(team, starts_at=shanghai("2026-12-02T09:00"))
    enrol(dawn, member)
    enrol(morning, member)
    late = ReminderRules(evening_at=time(21, 30), before=RULES.before, quiet_hours="21:00-08:00")
    assert remind_activities(shanghai("2026-12-01T21:30"), late)["evening"] == 1
    rows = list(Notification.select())
    assert [row.payload["activity_id"] for row in rows] == [morning.id]
    assert rows[0].next_attempt_at == shanghai("2026-12-02T08:00")


def test_a_big_run_is_written_in_batches(database):
    team = make_team()
    members = [make_member(team=team) for _ in range(1200)]
    activity = make_activity(team, starts_at=shanghai("2026-12-02T09:00"))
    enrol(activity, *members)
    assert remind_activities(shanghai("2026-12-02T08:30"), RULES)["queued"] == 1200
    assert Notification.select().count() == 1200
