"""Members are told what others decided about them: an activity they are in cancelled, a task
they are assigned to, an entry rejected. Once per decision, in its transaction, nothing on a
refusal; quiet hours waived only when waiting would tell them too late."""

from datetime import datetime, timedelta

import pytest

from models import Activity, Enrollment, Member, Notification, ServiceRecord
from services import clock, member_notices, notice_checks, outbox_delivery, outbox_report, review
from services.activities import cancel_activity, create_activity, enroll
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.member_notices import ASSIGNED, CANCELLED, REJECTED
from tests.factories import NOW, QUIET, RULES, make_activity, make_member
from tests.register_world import build_world, checked_in

TOMORROW = NOW + timedelta(days=1)  # 10:00 in Shanghai


@pytest.fixture
def world(database):
    return build_world()


def queued(kind=None) -> list[Notification]:
    query = Notification.select().order_by(Notification.member, Notification.id)
    return list(query if kind is None else query.where(Notification.kind == kind))


def recipients(kind) -> list[int]:
    return [n.member_id for n in queued(kind)]


def enrolled(activity, *members, assigned=False):
    for m in members:
        Enrollment.create(activity=activity, member=m, assigned=assigned, created_at=NOW)


def local(hour: int, minute: int = 0, days: int = 0) -> datetime:
    """Naive UTC of a Shanghai wall-clock time on 2026-11-29 (+days)."""
    return clock.to_utc(datetime(2026, 11, 29 + days, hour, minute))


# --- cancelling -------------------------------------------------------------------------------


def test_cancelling_tells_every_enrolled_and_assigned_member_once(world):
    activity = make_activity(world.team_a, starts_at=TOMORROW, title="义诊进社区", place="文化路")
    enrolled(activity, world.alice)
    enrolled(activity, world.bob, assigned=True)
    away = make_member(team=world.team_a, active=False)
    enrolled(activity, away)
    cancel_activity(world.actor("leader_a"), activity.id, " 天气原因 ", NOW, QUIET)
    assert recipients(CANCELLED) == [world.alice.id, world.bob.id]  # not the inactive member
    notice = queued(CANCELLED)[0]
    assert notice.payload["title"] == "活动已取消"
    assert notice.payload["lines"] == {
        "活动": "义诊进社区",
        "原因": "天气原因",
        "时间": "11月30日（周一）10:00-12:00",
    }
    assert notice.payload["expires"] == activity.ends_at.isoformat()
    assert notice.dedupe_key == f"activity_cancelled:{activity.id}:{world.alice.id}"
    assert not notice.urgent and notice.next_attempt_at == NOW
    assert Activity.get_by_id(activity.id).cancel_reason == "天气原因"


def test_a_second_cancel_queues_nothing_and_keeps_the_first_reason(world):
    """A retry (the same reason, or none) is answered with the activity as it stands; another
    reason is refused, quoting the one the members were told."""
    activity = make_activity(world.team_a, starts_at=TOMORROW)
    enrolled(activity, world.alice, world.bob)
    cancel_activity(world.actor("leader_a"), activity.id, "天气原因", NOW, QUIET)
    later = NOW + timedelta(minutes=1)
    for retry in (" 天气原因 ", ""):
        assert cancel_activity(world.actor("office"), activity.id, retry, later, QUIET)
    with pytest.raises(Conflict) as refused:
        cancel_activity(world.actor("office"), activity.id, "别的原因", later, QUIET)
    assert refused.value.code == "activity_cancelled"
    assert refused.value.message == "该活动已经取消（原因：天气原因），不能再以其他原因取消。"
    assert len(queued()) == 2
    assert Activity.get_by_id(activity.id).cancel_reason == "天气原因"


def test_a_reason_given_after_a_cancel_without_one_is_refused(world):
    activity = make_activity(world.team_a, starts_at=TOMORROW)
    cancel_activity(world.actor("leader_a"), activity.id, "", NOW, QUIET)
    with pytest.raises(Conflict) as refused:
        cancel_activity(world.actor("leader_a"), activity.id, "天气原因", NOW, QUIET)
    assert refused.value.message == "该活动已经取消（当时未填写原因），不能再以其他原因取消。"
    assert Activity.get_by_id(activity.id).cancel_reason == ""


def test_without_a_reason_the_notice_has_no_reason_line(world):
    activity = make_activity(world.team_a, starts_at=TOMORROW)
    enrolled(activity, world.alice)
    cancel_activity(world.actor("office"), activity.id, "", NOW, QUIET)
    assert list(queued(CANCELLED)[0].payload["lines"]) == ["活动", "时间"]


def test_the_leader_who_cancels_is_not_told(world):
    activity = make_activity(world.team_a, starts_at=TOMORROW)
    enroll(world.actor("leader_a"), activity.id, NOW)
    enrolled(activity, world.alice)
    cancel_activity(world.actor("leader_a"), activity.id, "", NOW, QUIET)
    assert recipients(CANCELLED) == [world.alice.id]


@pytest.mark.parametrize(
    ("who", "at", "error"),
    [
        ("leader_b", NOW, Forbidden),  # another team's leader
        ("alice", NOW, Forbidden),  # a member
        ("leader_a", TOMORROW + timedelta(hours=3), Conflict),  # already over
    ],
)
def test_a_refused_cancel_tells_nobody(world, who, at, error):
    activity = make_activity(world.team_a, starts_at=TOMORROW)
    enrolled(activity, world.alice, world.bob)
    with pytest.raises(error):
        cancel_activity(world.actor(who), activity.id, "天气原因", at, QUIET)
    assert queued() == [] and Activity.get_by_id(activity.id).status == "scheduled"


def test_the_cancel_and_its_notices_stand_or_fall_together(world, monkeypatch):
    activity = make_activity(world.team_a, starts_at=TOMORROW)
    enrolled(activity, world.alice)

    def outbox_down(*args):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(member_notices.outbox, "enqueue", outbox_down)
    with pytest.raises(RuntimeError):
        cancel_activity(world.actor("leader_a"), activity.id, "天气原因", NOW, QUIET)
    stored = Activity.get_by_id(activity.id)
    assert (stored.status, stored.cancel_reason) == ("scheduled", "")


@pytest.mark.parametrize(
    ("cancelled_at", "starts_at", "urgent", "sent_from"),
    [
        # 22:00: waiting for 08:00 would tell them half an hour before a 08:30 start.
        (local(22), local(8, 30, days=1), True, local(22)),
        # 22:00 for a 14:00 start tomorrow: it waits for the morning.
        (local(22), local(14, days=1), False, local(8, days=1)),
        # Daytime, an hour before the start: no quiet hours to wait out, but it goes first.
        (local(10), local(11), True, local(10)),
    ],
)
def test_a_cancellation_waits_out_the_quiet_hours_unless_that_is_too_late(
    world, cancelled_at, starts_at, urgent, sent_from
):
    activity = make_activity(world.team_a, starts_at=starts_at, created_at=cancelled_at)
    enrolled(activity, world.alice)
    cancel_activity(world.actor("leader_a"), activity.id, "", cancelled_at, QUIET)
    (notice,) = queued()
    assert (notice.urgent, notice.next_attempt_at) == (urgent, sent_from)


# --- assigning --------------------------------------------------------------------------------


def task(**kw):
    when = {"starts_at": TOMORROW, "ends_at": TOMORROW + timedelta(hours=3)}
    where = {"lat": 34.75, "lng": 113.62, "place": "建设路社区服务站"}
    return {"title": "防汛突击"} | when | where | kw


def test_the_office_assigning_a_task_tells_each_assigned_member(world):
    outsider = make_member(team=world.team_b)
    ids = [world.alice.id, world.carol.id, outsider.id]
    activity = create_activity(
        world.actor("office"), task(kind="adhoc", member_ids=ids), NOW, QUIET
    )
    assert recipients(ASSIGNED) == sorted(ids)  # nobody else, not the leaders
    notice = queued(ASSIGNED)[0]
    assert notice.payload["title"] == "新的临时任务"
    assert notice.payload["lines"] == {
        "任务": "防汛突击",
        "地点": "建设路社区服务站",
        "时间": "11月30日（周一）10:00-13:00",
    }
    assert notice.payload["page"] == f"pages/activity/detail?id={activity.id}"
    assert notice.dedupe_key == f"task_assigned:{activity.id}:{world.alice.id}"


def test_a_leader_assigning_team_members_tells_them_but_not_the_leader(world):
    ids = [world.leader_a.id, world.bob.id]
    create_activity(world.actor("leader_a"), task(member_ids=ids), NOW, QUIET)
    assert recipients(ASSIGNED) == [world.bob.id]
    assert queued(ASSIGNED)[0].payload["title"] == "新的活动安排"  # not an ad-hoc task


def test_an_activity_nobody_is_assigned_to_tells_nobody(world):
    enrollable = create_activity(world.actor("leader_a"), task(), NOW, QUIET)
    enroll(world.actor("alice"), enrollable.id, NOW)
    assert queued() == []


@pytest.mark.parametrize(
    ("who", "fields", "error"),
    [
        ("office", task(kind="adhoc", member_ids=[10**6]), Invalid),  # unknown member
        ("leader_a", task(member_ids=["carol"]), Forbidden),  # another team's member
        ("office", task(kind="adhoc", member_ids=["alice", "bob"], capacity=1), Invalid),
        ("alice", task(member_ids=["bob"]), Forbidden),  # a member cannot schedule
    ],
)
def test_a_refused_assignment_tells_nobody(world, who, fields, error):
    names = {"alice": world.alice.id, "bob": world.bob.id, "carol": world.carol.id}
    fields["member_ids"] = [names.get(i, i) for i in fields["member_ids"]]
    with pytest.raises(error):
        create_activity(world.actor(who), fields, NOW, QUIET)
    assert queued() == [] and Activity.select().count() == 0


# --- cancelling what was just assigned -------------------------------------------------------


def assigned_then_cancelled(world, before_cancel=lambda activity: None, at=NOW):
    """Leader A assigns alice and bob to a team activity, then cancels it; `before_cancel`
    does what happened meanwhile (the sender's doing)."""
    ids = [world.alice.id, world.bob.id]
    activity = create_activity(world.actor("leader_a"), task(member_ids=ids), NOW, QUIET)
    before_cancel(activity)
    cancel_activity(world.actor("leader_a"), activity.id, "天气原因", at, QUIET)
    return activity


def assignment(member) -> Notification:
    return Notification.get((Notification.kind == ASSIGNED) & (Notification.member == member))


def test_an_assignment_not_sent_is_withdrawn_and_its_member_not_told_of_the_cancel(world):
    """Nobody learnt of it: nothing is sent, the office sees why; a member who enrolled
    themselves is told of the cancellation."""
    activity = assigned_then_cancelled(world, lambda a: enrolled(a, world.carol))
    for who in (world.alice, world.bob):
        assert (assignment(who).status, assignment(who).last_error) == (
            "skipped",
            "活动已取消，未发送",
        )
    assert recipients(CANCELLED) == [world.carol.id]
    assert Notification.select().where(Notification.status == "pending").count() == 1
    assert Activity.get_by_id(activity.id).status == "cancelled"
    # Withdrawn on purpose, not a message WeChat failed to deliver: not the office's problem.
    assert outbox_report.problems(world.actor("office")) == ([], 0)


def test_a_member_whose_assignment_went_out_is_told_of_the_cancel(world):
    def sent_to_alice(activity):
        row = assignment(world.alice)
        Notification.update(status="sent", sent_at=NOW).where(Notification.id == row.id).execute()

    assigned_then_cancelled(world, sent_to_alice)
    assert recipients(CANCELLED) == [world.alice.id]
    assert (assignment(world.alice).status, assignment(world.bob).status) == ("sent", "skipped")


def test_an_assignment_a_sender_holds_is_left_to_it_and_its_member_told(world):
    """The sender may be handing it to WeChat right now: it goes, and so does the cancel."""

    def claimed(activity):
        outbox_delivery.claim(NOW, 300, 10)  # the sender's, for five minutes
        free_bob = Notification.member == world.bob  # given back: bob's is not held
        Notification.update(claimed_until=None).where(free_bob).execute()

    assigned_then_cancelled(world, claimed, at=NOW + timedelta(minutes=1))
    assert (assignment(world.alice).status, assignment(world.bob).status) == ("pending", "skipped")
    assert recipients(CANCELLED) == [world.alice.id]


def test_a_sender_whose_lease_is_over_no_longer_holds_the_assignment(world):
    def claimed_long_ago(activity):
        outbox_delivery.claim(NOW, 300, 10)

    assigned_then_cancelled(world, claimed_long_ago, at=NOW + timedelta(minutes=6))
    assert {assignment(m).status for m in (world.alice, world.bob)} == {"skipped"}
    assert recipients(CANCELLED) == []


def test_an_assignment_withdrawn_after_an_unanswered_attempt_still_gets_the_cancel(world):
    """WeChat did not answer the first attempt: it may have arrived, so the cancel goes too,
    and the assignment's retry does not."""

    def timed_out(activity):
        row = assignment(world.alice)
        Notification.update(attempts=1).where(Notification.id == row.id).execute()

    assigned_then_cancelled(world, timed_out)
    assert assignment(world.alice).status == "skipped"
    assert recipients(CANCELLED) == [world.alice.id]


def test_withdrawing_is_undone_with_a_cancel_that_fails(world, monkeypatch):
    def outbox_down(*args):
        raise RuntimeError("outbox unavailable")

    def then_the_outbox_fails(activity):
        enrolled(activity, world.carol)  # so that a cancellation is queued
        monkeypatch.setattr(member_notices.outbox, "enqueue", outbox_down)

    with pytest.raises(RuntimeError):
        assigned_then_cancelled(world, then_the_outbox_fails)
    assert {assignment(m).status for m in (world.alice, world.bob)} == {"pending"}


# --- rejecting --------------------------------------------------------------------------------


def test_a_rejection_tells_the_member_with_the_comment(world):
    activity = make_activity(world.team_a, title="环境卫生整治")
    entry = checked_in(world.alice, activity, status="flagged")
    review.review(world.actor("leader_a"), entry.id, "reject", "照片看不到党徽", NOW, QUIET)
    (notice,) = queued()
    assert (notice.member_id, notice.kind) == (world.alice.id, REJECTED)
    assert notice.payload["title"] == "记录未通过审核"
    assert notice.payload["lines"] == {
        "服务": "环境卫生整治",
        "审核人": "队长",
        "审核意见": "照片看不到党徽",
        "日期": "11月29日",
    }
    assert notice.payload["record_id"] == entry.id and "expires" not in notice.payload
    assert not notice.urgent


def test_an_entry_without_an_activity_is_named_by_its_kind(world):
    entry = checked_in(world.alice, kind="visit", status="flagged")
    review.review(world.actor("leader_a"), entry.id, "reject", "未见走访对象", NOW, QUIET)
    assert queued()[0].payload["lines"]["服务"] == "结对家庭走访"


def test_repeating_or_confirming_a_rejection_tells_nobody_again(world):
    entry = checked_in(world.alice, status="flagged")
    review.review(world.actor("leader_a"), entry.id, "reject", "照片模糊", NOW, QUIET)
    review.review(world.actor("leader_a"), entry.id, "reject", "照片模糊，请重拍", NOW, QUIET)
    review.review(world.actor("office"), entry.id, "reject", "同意队长意见", NOW, QUIET)
    assert len(queued()) == 1


def test_a_new_rejection_after_a_verification_is_told_again(world):
    entry = checked_in(world.alice, status="flagged")
    review.review(world.actor("leader_a"), entry.id, "reject", "照片模糊", NOW, QUIET)
    review.review(world.actor("office"), entry.id, "verify", "", NOW, QUIET)
    review.review(world.actor("office"), entry.id, "reject", "时长不实", NOW, QUIET)
    first, second = queued()
    assert first.dedupe_key != second.dedupe_key
    assert second.payload["lines"]["审核意见"] == "时长不实"


def test_an_office_correction_that_rejects_tells_the_member_with_its_reason(world):
    entry = checked_in(world.alice, status="verified")
    office = world.actor("office")
    reason = "抽查发现照片与活动无关"
    review.correct(
        office, entry.id, NOW, reason=reason, status="rejected", quiet_hours=QUIET, rules=RULES
    )
    review.correct(
        office, entry.id, NOW, reason="补充说明", status="rejected", quiet_hours=QUIET, rules=RULES
    )
    review.correct(
        office, entry.id, NOW, reason="错别字", content="清理楼道", quiet_hours=QUIET, rules=RULES
    )
    (notice,) = queued()
    assert (notice.member_id, notice.kind) == (world.alice.id, REJECTED)
    assert notice.payload["lines"]["审核意见"] == reason
    assert notice.payload["lines"]["审核人"] == "办公室"  # whom to ask: the leader cannot change it


def test_an_office_review_that_rejects_names_the_office(world):
    entry = checked_in(world.alice, status="flagged")
    review.review(world.actor("office"), entry.id, "reject", "本人不在现场", NOW, QUIET)
    (notice,) = queued()
    assert notice.payload["lines"]["审核人"] == "办公室"


def test_verifying_tells_nobody(world):
    entry = checked_in(world.alice, status="flagged")
    review.review(world.actor("leader_a"), entry.id, "verify", "", NOW, QUIET)
    assert queued() == []


@pytest.mark.parametrize(
    ("who", "comment", "error"),
    [
        ("leader_b", "照片模糊", NotFound),  # another team's leader does not see it
        ("bob", "照片模糊", NotFound),  # nor does another member
        ("leader_a", "  ", Invalid),  # no reason given
    ],
)
def test_a_refused_rejection_tells_nobody(world, who, comment, error):
    entry = checked_in(world.alice, status="flagged")
    with pytest.raises(error):
        review.review(world.actor(who), entry.id, "reject", comment, NOW, QUIET)
    assert queued() == [] and ServiceRecord.get_by_id(entry.id).status == "flagged"


def test_an_inactive_member_is_not_told(world):
    entry = checked_in(world.alice, status="flagged")
    Member.update(active=False).where(Member.id == world.alice.id).execute()
    review.review(world.actor("office"), entry.id, "reject", "照片模糊", NOW, QUIET)
    assert queued() == [] and ServiceRecord.get_by_id(entry.id).status == "rejected"


# --- deciding otherwise before a rejection went out -------------------------------------------


def rejection() -> Notification:
    return Notification.get(Notification.kind == REJECTED)


def test_a_verification_withdraws_the_rejection_not_sent_yet(world):
    """The tester's case: rejected, then at once verified; the member is not told 「未通过」."""
    entry = checked_in(world.alice, status="flagged")
    leader = world.actor("leader_a")
    review.review(leader, entry.id, "reject", "位置不符，未见走访照片", NOW, QUIET)
    review.review(leader, entry.id, "verify", "", NOW + timedelta(seconds=5), QUIET)
    assert (rejection().status, rejection().last_error) == ("skipped", "审核结论已更改，未发送")
    assert len(queued()) == 1  # verifying tells nobody
    assert notice_checks.void_reason(rejection()) == "decision_changed"
    # Withdrawn on purpose, not a message WeChat failed to deliver: not the office's problem.
    assert outbox_report.problems(world.actor("office")) == ([], 0)


@pytest.mark.parametrize("status", ["verified", "pending", "flagged"])
def test_an_office_correction_that_un_rejects_withdraws_the_rejection(world, status):
    entry = checked_in(world.alice, status="flagged")
    review.review(world.actor("leader_a"), entry.id, "reject", "照片模糊", NOW, QUIET)
    office = world.actor("office")
    review.correct(
        office, entry.id, NOW, reason="核实无误", status=status, quiet_hours=QUIET, rules=RULES
    )
    assert (rejection().status, rejection().last_error) == ("skipped", "审核结论已更改，未发送")


def test_a_rejection_that_went_out_stays_as_it_was(world):
    entry = checked_in(world.alice, status="flagged")
    review.review(world.actor("leader_a"), entry.id, "reject", "照片模糊", NOW, QUIET)
    Notification.update(status="sent", sent_at=NOW).execute()
    review.review(world.actor("office"), entry.id, "verify", "", NOW, QUIET)
    assert rejection().status == "sent" and len(queued()) == 1


def test_confirming_or_rewording_a_rejection_withdraws_nothing(world):
    entry = checked_in(world.alice, status="flagged")
    review.review(world.actor("leader_a"), entry.id, "reject", "照片模糊", NOW, QUIET)
    review.review(world.actor("leader_a"), entry.id, "reject", "照片模糊，请重拍", NOW, QUIET)
    review.review(world.actor("office"), entry.id, "reject", "同意队长意见", NOW, QUIET)
    assert rejection().status == "pending"
    assert notice_checks.void_reason(rejection()) is None


def test_a_rejection_a_sender_holds_stops_standing_once_decided_otherwise(world):
    """A sender holding the notice keeps it (it may be on its way to WeChat), so it asks,
    before it sends, whether the rejection still stands; after a verification it does not,
    nor after a new rejection, which has a notice of its own."""
    entry = checked_in(world.alice, status="flagged")
    leader, office = world.actor("leader_a"), world.actor("office")
    review.review(leader, entry.id, "reject", "照片模糊", NOW, QUIET)
    outbox_delivery.claim(NOW, 300, 10)  # the sender's, for five minutes
    review.review(leader, entry.id, "verify", "", NOW + timedelta(minutes=1), QUIET)
    held = rejection()
    assert held.status == "pending" and held.claimed_until is not None  # left to the sender
    assert notice_checks.void_reason(held) == "decision_changed"
    review.review(office, entry.id, "reject", "时长不实", NOW + timedelta(minutes=2), QUIET)
    first, second = queued(REJECTED)
    assert (first.id, first.status) == (held.id, "pending")
    assert notice_checks.void_reason(first) == "decision_changed"
    assert notice_checks.void_reason(second) is None
    assert second.payload["lines"]["审核意见"] == "时长不实"


def test_a_withdrawal_is_undone_with_a_verification_that_fails(world, monkeypatch):
    entry = checked_in(world.alice, status="flagged")
    review.review(world.actor("leader_a"), entry.id, "reject", "照片模糊", NOW, QUIET)

    withdraw = member_notices.withdraw_rejection

    def withdraw_then_fail(record, now):
        assert withdraw(record, now).rows
        raise RuntimeError("the decision fails after withdrawing")

    monkeypatch.setattr(review.notices, "withdraw_rejection", withdraw_then_fail)
    with pytest.raises(RuntimeError):
        review.review(world.actor("leader_a"), entry.id, "verify", "", NOW, QUIET)
    assert rejection().status == "pending"
    assert ServiceRecord.get_by_id(entry.id).status == "rejected"
