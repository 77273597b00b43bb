"""A member the roster import marks 离队 gives up their places in activities not started yet:
the seats count against capacity and fill the leader's list, and their notices would go to
someone who has left."""

from datetime import date, datetime, timedelta

from models import Account, Enrollment, Member, Notification
from services import member_notices, outbox, outbox_report, roster_seats
from services.activity_enrolments import enrollees
from services.activity_reminders import remind_activities
from services.actors import Actor
from services.roster_import import format_report, import_roster
from tests.factories import QUIET, make_activity, make_member, make_record, make_team
from tests.services.roster_files import TEAM_SIZE, base_roster, with_status, write_xlsx

TODAY = date(2026, 11, 29)
NOW = datetime(2026, 11, 29, 11, 0)  # 19:00 in Shanghai: the evening reminders are due
LEAVING = "13800000003"  # 张三, of 第一服务队


def run(tmp_path, roster, **kw):
    path = write_xlsx(tmp_path / "名单.xlsx", roster)
    return import_roster(path, team_size=TEAM_SIZE, today=TODAY, now=NOW, **kw)


def member(phone):
    return Member.get(Member.phone == phone)


def leaves(rows=None):
    """The base roster with 张三 marked 离队 today (their household row still names them)."""
    return with_status(base_roster(), rows or {4: ("离队", "")})


def enrol(activity, *members, assigned=False):
    for m in members:
        Enrollment.create(activity=activity, member=m, assigned=assigned, created_at=NOW)


def world(tmp_path):
    """张三 enrolled in an activity tomorrow (reminded tonight, as 张二 is), assigned to a task
    the day after (told, not sent yet), and in one running now and one cancelled."""
    run(tmp_path, base_roster())
    zhang, other = member(LEAVING), member("13800000002")
    team = zhang.team
    tomorrow = make_activity(team, datetime(2026, 11, 30, 2, 0), title="社区清扫", capacity=2)
    task = make_activity(team, datetime(2026, 12, 2, 2, 0), title="入户走访", kind="adhoc")
    running = make_activity(team, NOW - timedelta(hours=1), title="义诊")
    cancelled = make_activity(team, datetime(2026, 12, 3, 2, 0), status="cancelled")
    enrol(tomorrow, zhang, other)
    enrol(task, zhang, assigned=True)
    enrol(running, zhang)
    enrol(cancelled, zhang)
    member_notices.tell_assigned(task, [zhang.id], None, NOW - timedelta(hours=1), QUIET)
    remind_activities(NOW)
    return {"tomorrow": tomorrow, "task": task, "running": running, "cancelled": cancelled}


def seats(phone):
    query = Enrollment.select().where(Enrollment.member == member(phone).id)
    return sorted(e.activity.title for e in query)


def notices(phone):
    query = Notification.select().where(Notification.member == member(phone).id)
    return sorted((n.kind, n.status, n.last_error) for n in query)


LINES = [
    "  [撤销] 活动「社区清扫」（11月30日（周一）10:00-12:00）的报名：张三（13800000003）已离队",
    "  [撤销] 活动「入户走访」（12月2日（周三）10:00-12:00）的指派：张三（13800000003）已离队",
]


def test_a_leaver_gives_up_their_seats_in_activities_not_started(database, tmp_path):
    activities = world(tmp_path)

    result = run(tmp_path, leaves())

    assert result.applied and result.errors == ()
    assert seats(LEAVING) == ["义诊", "环境卫生整治"]  # running now, and cancelled: history
    assert seats("13800000002") == ["社区清扫"]
    withdrawn = "队员已离队，未发送"
    assert notices(LEAVING) == [
        ("activity_reminder", "skipped", withdrawn),
        ("task_assigned", "skipped", withdrawn),
    ]
    assert notices("13800000002") == [("activity_reminder", "pending", "")]
    leader = Actor(member=member("13800000001"))
    assert [e.name for e in enrollees(leader, activities["tomorrow"])] == ["张二"]
    lines = format_report(result).splitlines()
    assert [line for line in lines if line.startswith("  [撤销]")] == LINES
    office = Account.create(username="o", display_name="办公室", password_hash="x", created_at=NOW)
    assert outbox_report.problems(Actor(account=office)) == ([], 0)  # withdrawn, not failed
    assert run(tmp_path, leaves()).changes == ()


def test_a_dry_run_lists_the_seats_a_leaver_gives_up_and_keeps_them(database, tmp_path):
    world(tmp_path)

    result = run(tmp_path, leaves(), dry_run=True)

    lines = format_report(result).splitlines()
    assert [line for line in lines if line.startswith("  [撤销]")] == LINES
    assert len(seats(LEAVING)) == 4
    assert {status for _, status, _ in notices(LEAVING)} == {"pending"}


def test_a_member_who_stays_keeps_their_seats(database, tmp_path):
    world(tmp_path)

    result = run(tmp_path, leaves({4: ("在册", "")}))

    assert result.applied and result.changes == ()
    assert len(seats(LEAVING)) == 4


def test_giving_up_a_seat_reads_none_of_the_member_s_other_notices(database, monkeypatch):
    """The leaver's waiting notices about the activity are found by their keys: their other
    waiting notices (another activity's reminder, a broadcast) are never loaded."""
    team = make_team()
    zhang = make_member(team=team)
    given_up, kept = (make_activity(team, NOW + timedelta(days=d)) for d in (1, 2))
    for activity in (given_up, kept):
        enrol(activity, zhang, assigned=True)
        member_notices.tell_assigned(activity, [zhang.id], None, NOW, QUIET)
    key = f"broadcast:1:{zhang.id}"
    outbox.enqueue([outbox.Message(zhang.id, "broadcast", {"body": "通知"}, key)], NOW, QUIET)
    read = []
    real = Notification.payload.python_value
    monkeypatch.setattr(Notification.payload, "python_value", lambda v: read.append(v) or real(v))
    roster_seats.give_up(given_up.id, zhang.id, NOW)
    monkeypatch.undo()
    assert [real(v).get("activity_id") for v in read] == [given_up.id]
    statuses = {n.payload.get("activity_id"): n.status for n in Notification.select()}
    assert statuses == {given_up.id: "skipped", kept.id: "pending", None: "pending"}


def test_a_leaver_who_checked_in_already_keeps_that_seat(database, tmp_path):
    """Check-in opens before the start: 张三 checked in for a clean-up starting in 20
    minutes, then leaves. The enrolment stays with the entry, the record that they came."""
    world(tmp_path)
    zhang = member(LEAVING)
    soon = make_activity(zhang.team, NOW + timedelta(minutes=20), title="楼道清理")
    enrol(soon, zhang)
    make_record(zhang, soon, checkin_at=NOW - timedelta(minutes=5))

    result = run(tmp_path, leaves())

    assert "楼道清理" in seats(LEAVING)
    lines = format_report(result).splitlines()
    assert [line for line in lines if line.startswith("  [撤销]")] == LINES
