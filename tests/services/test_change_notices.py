"""Members are told when an activity they are in moves: its time, its place or its point. Once
per change, in its transaction, to those enrolled or assigned; several quick edits leave one
notice, against what the member was last told; an assignment not sent yet is rewritten instead;
a notice made untrue before it went out is withdrawn, or skipped by the sender holding it."""

from datetime import datetime, timedelta

import pytest

from models import Activity, Enrollment, Member, Notification
from services import (
    change_notices,
    clock,
    member_notices,
    notice_checks,
    outbox_delivery,
    outbox_report,
    roster_seats,
)
from services.activities import cancel_activity, create_activity, unenroll, update_activity
from services.activity_reminders import KIND as REMINDER
from services.activity_reminders import ReminderRules, remind_activities
from services.change_notices import CHANGED
from services.errors import Forbidden
from services.member_notices import ASSIGNED, CANCELLED
from tests.factories import NOW, QUIET, make_activity, make_member, make_record
from tests.register_world import build_world
from tests.statements import count_queries

TOMORROW = NOW + timedelta(days=1)  # 10:00 in Shanghai, Monday 30 November


@pytest.fixture
def world(database):
    return build_world()


@pytest.fixture
def activity(world):
    """Tomorrow 10:00-12:00 at 建设路社区服务站: alice enrolled, bob assigned (told already),
    the leader enrolled too."""
    found = make_activity(world.team_a, starts_at=TOMORROW, title="义诊进社区")
    Activity.update(place="建设路社区服务站").where(Activity.id == found.id).execute()
    for who, assigned in ((world.alice, False), (world.bob, True), (world.leader_a, False)):
        Enrollment.create(activity=found, member=who, assigned=assigned, created_at=NOW)
    return Activity.get_by_id(found.id)


def changes(status=None) -> list[Notification]:
    query = Notification.select().where(Notification.kind == CHANGED)
    query = query if status is None else query.where(Notification.status == status)
    return list(query.order_by(Notification.member, Notification.id))


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """Naive UTC of a Shanghai wall-clock time in November/December 2026 (day > 30: December)."""
    month, day = (12, day - 30) if day > 30 else (11, day)
    return clock.to_utc(datetime(2026, month, day, hour, minute))


def change(world, activity, who="leader_a", at=NOW, **fields) -> Activity:
    return update_activity(world.actor(who), activity.id, fields, at, QUIET)


def test_a_form_sent_back_whole_tells_only_what_it_changed(world, activity):
    """A whole form sent back after someone checked in, the same times and point with a new
    place: accepted, and the members hear of the place only."""
    make_record(world.leader_a, activity, checkin_at=TOMORROW)
    form = {name: getattr(activity, name) for name in ("title", "starts_at", "ends_at")}
    form |= {"lat": activity.lat, "lng": activity.lng, "coord": "gcj02", "place": "东门广场"}
    change(world, activity, at=TOMORROW + timedelta(minutes=5), **form)
    assert [n.member_id for n in changes()] == [world.alice.id, world.bob.id]
    lines = changes()[0].payload["lines"]
    assert set(lines) == {"活动", "时间", "地点", "原地点"}
    assert changes()[0].payload["lead"] == "地点"


def test_a_new_time_and_place_tells_each_member_in_it_once(world, activity):
    """The tester's case: the leader moves the activity; alice (enrolled) and bob (assigned)
    are told, the leader who changed it is not, nor an inactive member."""
    away = make_member(team=world.team_a, active=False)
    Enrollment.create(activity=activity, member=away, created_at=NOW)
    start = local(36, 8, 30)  # Sunday 6 December
    change(
        world,
        activity,
        place="文化路社区东广场",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
    )
    assert [n.member_id for n in changes()] == [world.alice.id, world.bob.id]
    notice = changes()[0]
    assert notice.payload["title"] == "活动有变更"
    assert notice.payload["lines"] == {
        "活动": "义诊进社区",
        "时间": "12月6日（周日）08:30-11:30",
        "地点": "文化路社区东广场",
        "原时间": "11月30日（周一）10:00-12:00",
        "原地点": "建设路社区服务站",
    }
    assert notice.payload["lead"] == "地点"
    assert notice.payload["page"] == f"pages/activity/detail?id={activity.id}"
    assert notice.payload["time"] == start.isoformat()
    assert notice.payload["expires"] == (start + timedelta(hours=3)).isoformat()
    assert notice.dedupe_key.startswith(f"activity_changed:{activity.id}:{world.alice.id}:")
    assert not notice.urgent and notice.next_attempt_at == NOW


def test_the_office_s_change_tells_the_leader_too(world, activity):
    change(world, activity, who="office", place="文化路社区东广场")
    assert [n.member_id for n in changes()] == [world.leader_a.id, world.alice.id, world.bob.id]
    assert changes()[0].payload["lines"]["原地点"] == "建设路社区服务站"


@pytest.mark.parametrize(
    "fields",
    [
        {"description": "请携带血压计"},  # a note on the page
        {"title": "义诊进社区（第二场）"},
        {"capacity": 20},
        {"radius_m": 500},
        {"category": "health"},
        {"place": "建设路社区服务站"},  # the same again
    ],
)
def test_what_does_not_move_the_activity_tells_nobody(world, activity, fields):
    change(world, activity, **fields)
    assert changes() == []


def test_a_pin_nudged_a_few_metres_tells_nobody_but_a_moved_point_does(world, activity):
    change(world, activity, lat=activity.lat + 0.0002, lng=activity.lng)  # about 22 m
    assert changes() == []
    change(world, activity, lat=activity.lat + 0.01, lng=activity.lng)  # about 1.1 km
    notice = changes()[0]
    assert notice.payload["lines"]["位置"] == "活动位置已在地图上调整"
    assert notice.payload["lead"] == "位置" and "原地点" not in notice.payload["lines"]


def test_a_new_time_leads_with_the_time(world, activity):
    change(world, activity, starts_at=TOMORROW + timedelta(hours=1))
    notice = changes()[0]
    assert notice.payload["lead"] == "时间"
    assert notice.payload["lines"]["时间"] == "11月30日（周一）11:00-12:00"
    assert notice.payload["lines"]["原时间"] == "11月30日（周一）10:00-12:00"
    assert "原地点" not in notice.payload["lines"]


def test_quick_edits_leave_one_notice_against_what_the_member_was_told(world, activity):
    """10:00 → 10:30 → 11:00 before anything went out: one notice, 原时间 10:00; and back to
    10:00: nothing to tell at all."""
    for minutes in (30, 60):
        change(world, activity, starts_at=TOMORROW + timedelta(minutes=minutes))
    waiting = changes("pending")
    assert [n.member_id for n in waiting] == [world.alice.id, world.bob.id]
    assert {n.payload["lines"]["原时间"] for n in waiting} == {"11月30日（周一）10:00-12:00"}
    assert {n.payload["lines"]["时间"] for n in waiting} == {"11月30日（周一）11:00-12:00"}
    replaced = changes("skipped")
    assert {n.last_error for n in replaced} == {"活动已再次变更，未发送"} and len(replaced) == 2
    change(world, activity, starts_at=TOMORROW)
    assert changes("pending") == []
    # Replaced on purpose, not a message WeChat failed to deliver: not the office's problem.
    assert outbox_report.problems(world.actor("office")) == ([], 0)


def test_a_change_after_the_notice_went_out_is_told_against_that_one(world, activity):
    change(world, activity, starts_at=TOMORROW + timedelta(minutes=30))
    Notification.update(status="sent", sent_at=NOW).execute()
    change(world, activity, place="文化路社区东广场")
    notice = changes("pending")[0]
    assert notice.payload["lines"]["原地点"] == "建设路社区服务站"
    assert "原时间" not in notice.payload["lines"]  # the member knows 10:30 already
    assert len(changes("sent")) == 2


def test_an_assignment_not_sent_yet_is_rewritten_instead(world):
    """Assigned and moved before the assignment went out: one message, with the new time."""
    fields = {"title": "防汛突击", "starts_at": TOMORROW, "ends_at": TOMORROW + timedelta(hours=3)}
    fields |= {"lat": 34.75, "lng": 113.62, "place": "建设路社区服务站"}
    task = create_activity(
        world.actor("office"), fields | {"member_ids": [world.alice.id]}, NOW, QUIET
    )
    change(world, task, who="office", starts_at=TOMORROW + timedelta(hours=1))
    assert changes() == []
    (assignment,) = Notification.select().where(Notification.kind == ASSIGNED)
    assert assignment.status == "pending"
    assert assignment.dedupe_key == f"task_assigned:{task.id}:{world.alice.id}"
    assert assignment.payload["lines"]["时间"] == "11月30日（周一）11:00-13:00"
    assert assignment.payload["time"] == (TOMORROW + timedelta(hours=1)).isoformat()


def test_an_assignment_moved_closer_goes_at_once(world):
    """Assigned at 22:00 for the day after tomorrow: it waits for 08:00; moved to 07:30
    tomorrow, waiting would tell too late, so the rewritten assignment goes now."""
    at, start = local(29, 22), local(31, 9)
    fields = {"title": "防汛突击", "starts_at": start, "ends_at": start + timedelta(hours=2)}
    fields |= {"lat": 34.75, "lng": 113.62, "member_ids": [world.alice.id]}
    task = create_activity(world.actor("office"), fields, at, QUIET)
    (assignment,) = Notification.select()
    assert (assignment.urgent, assignment.next_attempt_at) == (False, local(30, 8))
    change(world, task, who="office", at=at, starts_at=local(30, 7, 30), ends_at=local(30, 9))
    assignment = Notification.get_by_id(assignment.id)
    assert (assignment.urgent, assignment.next_attempt_at) == (True, at)


@pytest.mark.parametrize(
    ("at", "starts_at", "urgent", "sent_from"),
    [
        # 22:00: waiting for 08:00 would tell them half an hour before an 08:30 start.
        (local(29, 22), local(30, 8, 30), True, local(29, 22)),
        # 22:00 for a start at 14:00 tomorrow: it waits for the morning.
        (local(29, 22), local(30, 14), False, local(30, 8)),
    ],
)
def test_a_change_waits_out_the_quiet_hours_unless_that_is_too_late(
    world, activity, at, starts_at, urgent, sent_from
):
    change(world, activity, at=at, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2))
    notice = changes()[0]
    assert (notice.urgent, notice.next_attempt_at) == (urgent, sent_from)


def test_an_office_correction_of_an_ended_activity_tells_nobody(world, activity):
    later = TOMORROW + timedelta(hours=5)
    change(world, activity, who="office", at=later, place="文化路社区东广场")
    assert changes() == [] and Activity.get_by_id(activity.id).place == "文化路社区东广场"


def test_a_refused_change_tells_nobody(world, activity):
    with pytest.raises(Forbidden):
        change(world, activity, who="leader_b", place="文化路社区东广场")
    assert changes() == []


def test_the_change_and_its_notices_stand_or_fall_together(world, activity, monkeypatch):
    def outbox_down(*args):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(change_notices.outbox, "enqueue", outbox_down)
    with pytest.raises(RuntimeError):
        change(world, activity, place="文化路社区东广场")
    assert Activity.get_by_id(activity.id).place == "建设路社区服务站"


def test_cancelling_withdraws_the_change_notices_not_sent(world, activity):
    change(world, activity, place="文化路社区东广场")
    cancel_activity(world.actor("leader_a"), activity.id, "暴雨预警", NOW, QUIET)
    assert {(n.status, n.last_error) for n in changes()} == {("skipped", "活动已取消，未发送")}
    told = Notification.select().where(Notification.kind == CANCELLED)
    assert sorted(n.member_id for n in told) == [world.alice.id, world.bob.id]


def test_cancelling_withdraws_the_reminders_not_sent(world, activity):
    remind_activities(NOW, ReminderRules(before=timedelta(days=2), quiet_hours=QUIET))
    cancel_activity(world.actor("leader_a"), activity.id, "暴雨预警", NOW, QUIET)
    reminders = Notification.select().where(Notification.kind == REMINDER)
    assert sorted(n.member_id for n in reminders) == sorted(
        [world.alice.id, world.bob.id, world.leader_a.id]
    )
    assert {(n.status, n.last_error) for n in reminders} == {("skipped", "活动已取消，未发送")}


def reminders() -> list[Notification]:
    query = Notification.select().where(Notification.kind == REMINDER)
    return list(query.order_by(Notification.member, Notification.id))


REMIND = ReminderRules(before=timedelta(days=2), quiet_hours=QUIET)


def test_a_new_place_is_written_into_the_reminders_not_sent(world, activity):
    remind_activities(NOW, REMIND)
    titles = {n.payload["title"] for n in reminders()}
    change(world, activity, place="文化路社区东广场")
    waiting = reminders()
    assert len(waiting) == 3 and {n.status for n in waiting} == {"pending"}
    assert {n.payload["lines"]["地点"] for n in waiting} == {"文化路社区东广场"}
    assert {n.payload["title"] for n in waiting} == titles
    with count_queries() as read:  # still true: they go; one read each
        assert {notice_checks.void_reason(n) for n in waiting} == {None}
    assert len(read) == len(waiting)


def test_a_new_time_withdraws_the_reminders_not_sent_and_the_job_reminds_anew(world, activity):
    """Their keys name the old start: the next run queues the new time's, when they are due."""
    remind_activities(NOW, REMIND)
    change(world, activity, starts_at=TOMORROW + timedelta(hours=1))
    assert {(n.status, n.last_error) for n in reminders()} == {("skipped", "活动已变更，未发送")}
    remind_activities(NOW, REMIND)
    anew = [n for n in reminders() if n.status == "pending"]
    assert len(anew) == 3
    assert {n.payload["lines"]["时间"] for n in anew} == {"11月30日（周一）11:00-12:00"}


@pytest.mark.parametrize("held", [False, True], ids=["waiting", "held_by_a_sender"])
def test_a_time_moved_and_moved_back_is_reminded_of_again(world, activity, held):
    """10:00 → 11:00 → 10:00 once the reminders were queued: the move withdraws them (by
    their sender, for one a sender holds), the move back tells nobody of a change, so the job
    reminds of 10:00 again, with the activity as it now stands."""
    remind_activities(NOW, REMIND)
    if held:
        outbox_delivery.claim(NOW, 300, 10)  # a sender's, for five minutes
    change(world, activity, starts_at=TOMORROW + timedelta(hours=1))
    later = NOW + timedelta(minutes=10)
    if held:  # the next run, its lease over, withdraws them before it sends
        outbox_delivery.drain({}, later, outbox_delivery.Policy({}, ()))
    assert {(n.status, n.last_error) for n in reminders()} == {("skipped", "活动已变更，未发送")}
    change(world, activity, at=later, starts_at=TOMORROW, place="文化路社区东广场")
    assert remind_activities(later, REMIND)["queued"] == 3
    waiting = [n for n in reminders() if n.status == "pending"]
    assert len(waiting) == 3 and {n.held_change for n in waiting} == {None}
    assert {n.payload["lines"]["时间"] for n in waiting} == {"11月30日（周一）10:00-12:00"}
    assert {n.payload["lines"]["地点"] for n in waiting} == {"文化路社区东广场"}
    assert remind_activities(later, REMIND)["queued"] == 0  # once


def test_a_change_notice_a_sender_holds_is_void_once_the_activity_moves_again(world, activity):
    """The sender holds the first notice when the activity moves again: the change cannot
    withdraw it, so the sender, before it sends, finds it untrue and skips it; the newer one
    says what differs from what the member knew before both."""
    change(world, activity, starts_at=TOMORROW + timedelta(minutes=30))
    outbox_delivery.claim(NOW, 300, 10)  # the sender's, for five minutes
    change(world, activity, at=NOW + timedelta(minutes=1), place="文化路社区东广场")
    held, newer = (n for n in changes() if n.member_id == world.alice.id)
    assert held.status == "pending" and held.claimed_until is not None
    assert notice_checks.void_reason(held) == "activity_changed_again"
    assert notice_checks.void_reason(newer) is None
    assert newer.payload["lines"]["原时间"] == "11月30日（周一）10:00-12:00"
    assert newer.payload["lines"]["原地点"] == "建设路社区服务站"
    cancel_activity(world.actor("office"), activity.id, "", NOW + timedelta(minutes=2), QUIET)
    assert notice_checks.void_reason(Notification.get_by_id(held.id)) == "activity_cancelled"


def test_a_member_made_inactive_meanwhile_is_not_told_again(world, activity):
    change(world, activity, place="文化路社区东广场")
    Member.update(active=False).where(Member.id == world.bob.id).execute()
    change(world, activity, starts_at=TOMORROW + timedelta(hours=1))
    assert [n.member_id for n in changes("pending")] == [world.alice.id]


def test_a_member_who_leaves_the_activity_is_not_told_it_changed(world, activity):
    """alice withdraws her enrolment: her change notice not sent yet is withdrawn, and one a
    sender held meanwhile is void; the others are told as before."""
    change(world, activity, place="文化路社区东广场")
    unenroll(world.actor("alice"), activity.id, NOW)
    mine = {n.member_id: (n.status, n.last_error) for n in changes()}
    assert mine[world.alice.id] == ("skipped", "队员已退出该活动，未发送")
    assert mine[world.bob.id] == ("pending", "")
    assert outbox_report.problems(world.actor("office")) == ([], 0)  # withdrawn, not failed


@pytest.mark.parametrize(
    ("moved", "void"),
    [("place", "told_in_assignment"), ("point", None)],  # an assignment shows no point
)
def test_a_change_notice_is_void_once_the_assignment_went_out_telling_it(
    world, activity, moved, void
):
    """bob's assignment went out after the change, with the activity as it now stands (its
    sender held it and took the revision): his change notice would tell him nothing new."""
    fields = {
        "place": {"place": "文化路社区东广场"},
        "point": {"lat": activity.lat + 0.01, "lng": activity.lng},  # about 1.1 km
    }
    member_notices.tell_assigned(activity, [world.bob.id], None, NOW, QUIET)
    assigned = Notification.kind == ASSIGNED
    Notification.update(claimed_until=NOW + timedelta(minutes=5)).where(assigned).execute()
    change(world, activity, **fields[moved])  # while a sender holds the assignment
    revised = member_notices.assignment_payload(Activity.get_by_id(activity.id))
    took = {"status": "sent", "payload": revised, "held_change": None}  # as its sender does
    Notification.update(**took).where(assigned).execute()
    held = {n.member_id: n for n in changes("pending")}
    assert notice_checks.void_reason(held[world.bob.id]) == void
    assert notice_checks.void_reason(held[world.alice.id]) is None  # enrolled, not assigned


@pytest.mark.parametrize("leaves", ["unenrols", "leaves_the_programme"])
def test_a_change_notice_a_sender_holds_is_void_once_its_member_left(world, activity, leaves):
    change(world, activity, place="文化路社区东广场")
    outbox_delivery.claim(NOW, 300, 10)  # the sender's, for five minutes: nothing withdraws it
    later = NOW + timedelta(minutes=1)
    if leaves == "unenrols":
        unenroll(world.actor("alice"), activity.id, later)
    else:
        roster_seats.give_up(activity.id, world.alice.id, later)
    held = {n.member_id: n for n in changes("pending")}
    assert notice_checks.void_reason(held[world.alice.id]) == "left_activity"
    assert notice_checks.void_reason(held[world.bob.id]) is None


@pytest.fixture
def payloads_read(monkeypatch):
    """The activity ids of the notification payloads read from the database (decoded)."""
    read = []
    real = Notification.payload.python_value

    def reading(value):
        payload = real(value)
        read.append((payload or {}).get("activity_id"))
        return payload

    monkeypatch.setattr(Notification.payload, "python_value", reading)
    return read


def test_a_change_reads_only_its_own_activity_s_waiting_notices(world, activity, payloads_read):
    """Inside the activity's locked transaction a change looks for its earlier notices by
    their keys, not by reading every activity's waiting notices."""
    other = make_activity(world.team_a, starts_at=TOMORROW, title="环境整治")
    Enrollment.create(activity=other, member=world.alice, created_at=NOW)
    change(world, other, place="文化路社区东广场")
    payloads_read.clear()
    change(world, activity, place="文化路社区东广场")
    change(world, activity, place="文化路社区西广场")
    cancel_activity(world.actor("leader_a"), activity.id, "暴雨预警", NOW, QUIET)
    assert payloads_read and set(payloads_read) == {activity.id}
    assert [n.status for n in changes() if n.payload["activity_id"] == other.id] == ["pending"]


def early(world) -> Activity:
    """07:30-09:30 on Monday 30 November, alice enrolled."""
    found = make_activity(world.team_a, starts_at=local(30, 7, 30), title="清扫")
    Enrollment.create(activity=found, member=world.alice, created_at=NOW)
    return found


def test_an_early_activity_put_off_late_at_night_is_told_at_once(world):
    """07:30 moved at 22:00 to 10:00: the new start could wait for 08:00, but the members
    would set out for 07:30 before then."""
    activity = early(world)
    at = local(29, 22)
    change(world, activity, at=at, starts_at=local(30, 10), ends_at=local(30, 12))
    (notice,) = changes()
    assert (notice.urgent, notice.next_attempt_at) == (True, at)
    assert notice.payload["lines"]["原时间"] == "11月30日（周一）07:30-09:30"


def test_a_notice_replaced_at_night_stays_urgent_for_the_start_the_member_knew(world):
    """07:30 → 11:00 → 12:00 before anything went out: the second change alone (11:00 →
    12:00) could wait, but alice still knows 07:30."""
    activity = early(world)
    change(world, activity, at=local(29, 22), starts_at=local(30, 11), ends_at=local(30, 13))
    at = local(29, 22, 5)
    change(world, activity, at=at, starts_at=local(30, 12), ends_at=local(30, 14))
    (notice,) = changes("pending")
    assert notice.payload["lines"]["原时间"] == "11月30日（周一）07:30-09:30"
    assert (notice.urgent, notice.next_attempt_at) == (True, at)


def test_an_assignment_to_an_early_task_put_off_at_night_goes_at_once(world):
    """Assigned at 20:00 to a task at 07:30 tomorrow, the message not sent yet; at 22:00 the
    task moves to 10:00: the rewritten assignment goes now, not at 08:00."""
    at, start = local(29, 20), local(30, 7, 30)
    fields = {"title": "防汛突击", "starts_at": start, "ends_at": start + timedelta(hours=2)}
    fields |= {"lat": 34.75, "lng": 113.62, "member_ids": [world.alice.id]}
    task = create_activity(world.actor("office"), fields, at, QUIET)
    (assignment,) = Notification.select()
    assert not assignment.urgent
    change(
        world, task, who="office", at=local(29, 22), starts_at=local(30, 10), ends_at=local(30, 12)
    )
    assert Notification.get_by_id(assignment.id).urgent


def test_the_changer_is_still_told_what_others_changed_before(world, activity):
    """The office moves the place (the enrolled leader's notice waits), then the leader moves
    the time: the leader is told the new place, not their own new time."""
    change(world, activity, who="office", place="文化路社区东广场")
    change(world, activity, starts_at=TOMORROW + timedelta(hours=1))
    waiting = {n.member_id: n.payload for n in changes("pending")}
    assert sorted(waiting) == sorted([world.leader_a.id, world.alice.id, world.bob.id])
    leader = waiting[world.leader_a.id]
    assert leader["lines"]["原地点"] == "建设路社区服务站" and leader["lead"] == "地点"
    assert "原时间" not in leader["lines"]
    assert leader["lines"]["时间"] == "11月30日（周一）11:00-12:00"
    assert "原时间" in waiting[world.alice.id]["lines"]  # alice is told both


def test_a_changer_who_undoes_what_they_were_to_be_told_is_told_nothing(world, activity):
    change(world, activity, who="office", place="文化路社区东广场")
    change(world, activity, place="建设路社区服务站")  # the leader puts it back
    assert changes("pending") == []
