"""A withdrawal or a revision that meets a row a sender holds is not lost: the real sender,
sending to the emulator, honours it right before that row's send. The hook is a real channel
that lets something happen at the batch's first send, while the sender holds the rest of the
batch and the first row is on its way to WeChat (which cannot be taken back)."""

import json
from datetime import timedelta
from functools import partial

import pytest

from models import Enrollment, Member, Notification
from services import (
    activity_reminders,
    change_notices,
    held_grants,
    member_notices,
    outbox,
    outbox_report,
    roster_seats,
)
from services.activities import cancel_activity, enroll, update_activity
from services.activity_reminders import ReminderRules, remind_activities
from services.member_notices import ASSIGNED, CANCELLED
from services.outbox_delivery import drain
from tests.factories import make_activity
from tests.register_world import build_world
from tests.services.test_outbox_delivery import (
    MP_TEMPLATE,
    NOW,
    OA_TEMPLATE,
    held,
    left,
    member,
    queue,
    row,
    sends,
)

QUIET = "21:00-08:00"
NEW_PLACE = "文化路社区东广场"


@pytest.fixture
def settings_overrides(settings_overrides):
    notes = {"mp_template_id": MP_TEMPLATE, "oa_template_id": OA_TEMPLATE, "max_attempts": 3}
    return settings_overrides | {"notifications": notes, "rules": {"quiet_hours": QUIET}}


class Hooked:
    """A real channel whose first send (of any Hooked sharing `hook`) runs the hook first."""

    def __init__(self, channel, hook: list):
        self.channel, self.hook = channel, hook

    def __getattr__(self, name):
        return getattr(self.channel, name)

    def send(self, delivery):
        while self.hook:
            self.hook.pop()()
        return self.channel.send(delivery)


def hooked(channels, action) -> dict:
    hook = [action]
    return {name: Hooked(channel, hook) for name, channel in channels.items()}


@pytest.fixture
def world(app):
    """alice and bob follow the account and chatted an hour ago: WeChat reaches them."""
    world = build_world()
    for person in (world.alice, world.bob):
        fields = {"oa_openid": f"oa-{person.id}", "last_interaction_at": NOW - timedelta(hours=1)}
        Member.update(**fields).where(Member.id == person.id).execute()
    return world


@pytest.fixture
def activity(world):
    """At 18:00 today, Shanghai time: alice and bob assigned."""
    found = make_activity(world.team_a, starts_at=NOW + timedelta(hours=8), title="义诊进社区")
    for person in (world.alice, world.bob):
        Enrollment.create(activity=found, member=person, assigned=True, created_at=NOW)
    return found


def assignments(world, activity) -> list[int]:
    people = [world.alice.id, world.bob.id]
    member_notices.tell_assigned(activity, people, None, NOW, QUIET)
    return [n.id for n in Notification.select().where(Notification.kind == ASSIGNED)]


def reminders(world, activity) -> list[int]:
    rules = ReminderRules(before=timedelta(hours=9), quiet_hours=QUIET)
    assert remind_activities(NOW, rules)["queued"] == 2
    kind = Notification.kind == "activity_reminder"
    return [n.id for n in Notification.select().where(kind).order_by(Notification.id)]


def sent_bodies(emulator) -> list[str]:
    calls = [c for api in ("template_send", "custom_send") for c in emulator.calls_to(api)]
    return [json.dumps(c.body, ensure_ascii=False) for c in calls]


@pytest.mark.parametrize(
    ("queued", "cancellations"),
    [
        (assignments, {"claimed": 2, "sent": 1, "skipped": 1}),
        (reminders, {"claimed": 2, "sent": 2}),
    ],
    ids=["assignment", "reminder"],
)
def test_a_cancellation_while_the_sender_holds_the_batch_stops_what_has_not_gone(
    world, activity, channels, policy, emulator, queued, cancellations
):
    """Cancelled at the batch's first send: that one is on its way to WeChat and arrives;
    bob's, held by the same sender, is withdrawn by it before it sends. Both are told of the
    cancellation, but for bob whose assignment never went: he hears of neither."""
    first, second = queued(world, activity)
    cancel = partial(cancel_activity, world.actor("leader_a"), activity.id, "暴雨预警", NOW, QUIET)
    counts = drain(hooked(channels, cancel), NOW, policy, limit=2)
    assert counts == {"claimed": 2, "sent": 1, "skipped": 1}
    assert (row(first).status, row(second).status) == ("sent", "skipped")
    assert row(second).last_error == "活动已取消，未发送"
    assert sum(sends(emulator).values()) == 1
    assert drain(channels, NOW, policy) == cancellations
    told = Notification.select().where(Notification.kind == CANCELLED)
    if queued is assignments:
        status = {n.member_id: (n.status, n.last_error) for n in told}
        assert status[world.bob.id] == ("skipped", "任务通知已撤回，未发送")
    assert outbox_report.problems(world.actor("office")) == ([], 0)  # not delivery problems


def test_what_a_withdrawal_reports_of_rows_a_sender_holds(world, activity, channels, policy):
    """Asked while the sender holds both: neither is reported withdrawn, both as held; the one
    on its way to WeChat goes, the other is withdrawn by its sender."""
    first, second = assignments(world, activity)
    keys = [row(n).dedupe_key for n in (first, second)]
    answers = []

    def ask():
        answers.append(outbox.withdraw(keys, NOW, "activity_cancelled"))

    drain(hooked(channels, ask), NOW, policy)
    (answer,) = answers
    assert (answer.rows, [n.id for n in answer.held]) == ([], [first, second])
    assert (row(first).status, row(second).status) == ("sent", "skipped")


def test_a_member_whose_held_assignment_is_withdrawn_is_still_told_of_the_cancellation(
    world, activity
):
    """The sender holds bob's assignment when the activity is cancelled: it may be on its way
    to WeChat, so bob is told of the cancellation; alice's, withdrawn for sure, tells her
    nothing."""
    alice_assigned, bob_assigned = assignments(world, activity)
    free_alice = Notification.id == alice_assigned
    Notification.update(claimed_until=NOW + timedelta(minutes=5)).where(~free_alice).execute()
    cancel_activity(world.actor("leader_a"), activity.id, "暴雨预警", NOW, QUIET)
    assert row(alice_assigned).status == "skipped"
    assert row(bob_assigned).held_change == {"withdraw": "activity_cancelled"}
    told = Notification.select().where(Notification.kind == CANCELLED)
    assert [n.member_id for n in told] == [world.bob.id]


def test_a_change_while_the_sender_holds_the_batch_revises_what_has_not_gone(
    world, activity, channels, policy, emulator
):
    """Moved at the batch's first send: alice's assignment goes with the old place, so she is
    told of the change as well; bob's goes with the new one, so his change notice, queued as
    his assignment might have gone as it was, is skipped: it would tell him nothing new."""
    first, second = assignments(world, activity)
    leader = world.actor("leader_a")
    move = partial(update_activity, leader, activity.id, {"place": NEW_PLACE}, NOW, QUIET)
    assert drain(hooked(channels, move), NOW, policy, limit=2) == {"claimed": 2, "sent": 2}
    told_first, told_second = sent_bodies(emulator)
    assert NEW_PLACE not in told_first and NEW_PLACE in told_second
    assert row(second).payload["lines"]["地点"] == NEW_PLACE
    assert drain(channels, NOW, policy) == {"claimed": 2, "sent": 1, "skipped": 1}
    changed = Notification.select().where(Notification.kind == member_notices.CHANGED)
    told = {n.member_id: (n.status, n.last_error) for n in changed}
    assert told == {
        world.alice.id: ("sent", ""),
        world.bob.id: ("skipped", "任务通知已含此变更，未发送"),
    }
    assert outbox_report.problems(world.actor("office")) == ([], 0)  # not a delivery problem


def test_a_grant_held_by_a_row_withdrawn_while_held_goes_back(channels, policy, emulator):
    bob = member(name="bob")
    (plain,) = queue(bob, tag="first")
    ann, n = held("ann")
    key = row(n).dedupe_key
    withdraw = partial(outbox.withdraw, [key], NOW, "member_left")
    counts = drain(hooked(channels, withdraw), NOW, policy)
    assert counts == {"claimed": 2, "sent": 1, "skipped": 1}
    assert (row(plain).status, row(n).status) == ("sent", "skipped")
    assert row(n).last_error == "队员已离队，未发送"
    assert left(ann) == 1 and "grant" not in row(n).payload
    assert sends(emulator)["subscribe_send"] == 0


def test_a_withdrawal_asked_of_a_row_given_back_unsent_holds_for_the_next_run(
    channels, policy, emulator
):
    """WeChat busy at the row's send: the row goes back to wait, keeping the withdrawal asked
    meanwhile, and the next run withdraws it instead of sending it."""
    ann = member(name="ann")
    (n,) = queue(ann)
    key = row(n).dedupe_key
    emulator.inject("template_send", -1)
    withdraw = partial(outbox.withdraw, [key], NOW, "member_left")
    assert drain(hooked(channels, withdraw), NOW, policy) == {"claimed": 1, "retry": 1}
    later = NOW + timedelta(hours=1)
    assert drain(channels, later, policy) == {"claimed": 1, "skipped": 1}
    assert row(n).last_error == "队员已离队，未发送"
    assert sends(emulator)["template_send"] == 1


def test_a_grant_is_not_taken_by_a_revision(channels, policy, emulator):
    """A revision asked of a row holding a grant keeps the grant with it; it is sent on."""
    ann, n = held("ann")
    key = row(n).dedupe_key
    revise = partial(outbox.revise, [key], NOW, {"title": "通知", "body": "改了"}, urgent=False)
    other = member(name="bob")
    queue(other, tag="first", now=NOW - timedelta(minutes=1))
    drain(hooked(channels, revise), NOW, policy)
    assert (row(n).status, row(n).channel, left(ann)) == ("sent", "mp_subscribe", 0)
    assert row(n).payload["body"] == "改了"
    assert held_grants.held(row(n).payload) == ""  # used


def test_a_move_back_is_told_to_members_whose_assignment_went_out_before_the_moves(
    world, activity, channels, policy, emulator
):
    """The assignments went out at the old place, then the place moved and moved back: each
    move is told, the way back too, though the assignment showed that place: it went out
    before the first move, not as a revision a sender took while holding it."""
    old_place = activity.place
    assignments(world, activity)
    assert drain(channels, NOW, policy) == {"claimed": 2, "sent": 2}
    leader = world.actor("leader_a")
    for place in (NEW_PLACE, old_place):
        update_activity(leader, activity.id, {"place": place}, NOW, QUIET)
        assert drain(channels, NOW, policy) == {"claimed": 2, "sent": 2}
    changed = Notification.select().where(Notification.kind == member_notices.CHANGED)
    told = [n.payload["told"]["place"] for n in changed.order_by(Notification.id)]
    assert told == [NEW_PLACE, NEW_PLACE, old_place, old_place]
    assert {n.status for n in changed} == {"sent"}


def test_a_member_back_after_leaving_is_told_the_activity_they_rejoined_is_cancelled(
    world, activity, channels, policy, emulator
):
    """bob left (a roster import gave up his seat) before his assignment went out, so it was
    withdrawn; he came back and enrolled again. The cancellation is news to him: he knows of
    the activity from enrolling, not from that assignment."""
    alice_assigned, bob_assigned = assignments(world, activity)
    roster_seats.give_up(activity.id, world.bob.id, NOW)
    assert row(bob_assigned).last_error == "队员已离队，未发送"
    enroll(world.actor("bob"), activity.id, NOW)
    assert drain(channels, NOW, policy) == {"claimed": 1, "sent": 1}  # alice's assignment
    cancel_activity(world.actor("leader_a"), activity.id, "暴雨预警", NOW, QUIET)
    assert drain(channels, NOW, policy) == {"claimed": 2, "sent": 2}
    told = Notification.select().where(Notification.kind == CANCELLED)
    assert {n.member_id: n.status for n in told} == {world.alice.id: "sent", world.bob.id: "sent"}


def moves(activity) -> dict:
    """The activity's place, or its time, moved there and back: (there, back)."""
    later = activity.starts_at + timedelta(hours=1)
    times = {"starts_at": later, "ends_at": later + timedelta(hours=2)}
    back = {"starts_at": activity.starts_at, "ends_at": activity.ends_at}
    return {"place": ({"place": NEW_PLACE}, {"place": activity.place}), "time": (times, back)}


def told_of_changes(status: str = "sent") -> dict:
    """The change notices of this status by member: what each told."""
    changed = Notification.select().where(
        (Notification.kind == member_notices.CHANGED) & (Notification.status == status)
    )
    return {n.member_id: n.payload for n in changed.order_by(Notification.id)}


class Stepped:
    """A real channel that runs the n-th step (None: nothing) at the n-th row the batch sends,
    before any channel tries it (shared by the Stepped of one batch), while the sender holds
    the rows not sent yet."""

    def __init__(self, channel, steps: list, seen: set):
        self.channel, self.steps, self.seen = channel, steps, seen

    def __getattr__(self, name):
        return getattr(self.channel, name)

    def send(self, delivery):
        if delivery.notification_id not in self.seen:
            self.seen.add(delivery.notification_id)
            step = self.steps.pop(0) if self.steps else None
            if step is not None:
                step()
        return self.channel.send(delivery)


def stepped(channels, *steps) -> dict:
    shared, seen = list(steps), set()
    return {name: Stepped(channel, shared, seen) for name, channel in channels.items()}


@pytest.mark.parametrize("moved", ["place", "time"])
def test_a_move_back_is_told_against_what_a_held_assignment_showed(
    world, activity, channels, policy, emulator, moved
):
    """Moved at the batch's first send: alice's assignment goes as it was, bob's goes revised,
    showing the move. Moved back before their change notices went: bob is told of the way
    back, against what his assignment showed; alice, whose assignment showed this already, is
    told nothing."""
    (there, back), was = moves(activity)[moved], change_notices.state(activity)
    columns = {name: getattr(activity, name) for name in ("starts_at", "ends_at", "place")}
    assignments(world, activity)
    leader = world.actor("leader_a")
    move = partial(update_activity, leader, activity.id, there, NOW, QUIET)
    assert drain(hooked(channels, move), NOW, policy, limit=2) == {"claimed": 2, "sent": 2}
    update_activity(leader, activity.id, back, NOW, QUIET)
    drain(channels, NOW, policy)
    told = told_of_changes()
    assert list(told) == [world.bob.id]
    assert told[world.bob.id]["told"] == was
    assert told[world.bob.id]["known"] == change_notices.state(was | columns | there)
    assert outbox_report.problems(world.actor("office")) == ([], 0)


def test_a_move_back_while_a_revised_assignment_is_on_its_way_is_told(
    world, activity, channels, policy, emulator
):
    """Moved at alice's send, so bob's assignment, held, takes the new place; moved back while
    it is on its way to WeChat, too late to take that: bob is told the place is back, alice
    (whose assignment went as it was) nothing."""
    old_place, leader = activity.place, world.actor("leader_a")
    assigned = assignments(world, activity)
    there = partial(update_activity, leader, activity.id, {"place": NEW_PLACE}, NOW, QUIET)
    back = partial(update_activity, leader, activity.id, {"place": old_place}, NOW, QUIET)
    assert drain(stepped(channels, there, back), NOW, policy, limit=2) == {
        "claimed": 2,
        "sent": 2,
    }
    shown = [row(n).payload["lines"].get("地点", "") for n in assigned]
    assert shown == [old_place, NEW_PLACE]
    drain(channels, NOW, policy)
    told = told_of_changes()
    assert list(told) == [world.bob.id]
    assert told[world.bob.id]["lines"]["原地点"] == NEW_PLACE
    assert told[world.bob.id]["told"]["place"] == old_place


# --- reminders queued as a decision is made -------------------------------------------------

REMIND = ReminderRules(before=timedelta(hours=9), quiet_hours=QUIET)


def decisions(world, activity) -> dict:
    """What may happen between the reminder job's read of who is due and its queueing."""
    leader = world.actor("leader_a")
    moved = moves(activity)["time"][0]
    return {
        "cancelled": partial(cancel_activity, leader, activity.id, "暴雨预警", NOW, QUIET),
        "moved": partial(update_activity, leader, activity.id, moved, NOW, QUIET),
        "left": partial(roster_seats.give_up, activity.id, world.alice.id, NOW),
    }


def run_first(monkeypatch, action) -> None:
    """The reminder job queues only after `action`, as when a leader's decision commits
    between its read and its queueing (nothing the decision withdraws is there yet)."""
    real = activity_reminders._queue

    def late(*args):
        action()
        return real(*args)

    monkeypatch.setattr(activity_reminders, "_queue", late)


def reminded() -> dict:
    kind = Notification.kind == activity_reminders.KIND
    return {n.member_id: (n.status, n.last_error) for n in Notification.select().where(kind)}


SKIPPED = {
    "cancelled": "活动已取消，未发送",
    "moved": "活动已变更，未发送",
    "left": "队员已退出该活动，未发送",
}


def reminders_sent(emulator) -> set[int]:
    """The members a reminder was sent to; the emulator received only what the rows say was
    sent (a reminder, or what the decisions told: a change, a cancellation)."""
    sent = list(Notification.select().where(Notification.status == "sent"))
    assert sum(sends(emulator).values()) == len(sent)
    return {n.member_id for n in sent if n.kind == activity_reminders.KIND}


@pytest.mark.parametrize("decision", list(SKIPPED))
def test_a_reminder_queued_as_its_activity_changes_is_not_sent(
    world, activity, channels, policy, emulator, monkeypatch, decision
):
    """The job read who is due, then the activity was cancelled or moved, or alice left it,
    before the reminders were queued: nothing was there to withdraw, so the sender finds
    them untrue and skips them (bob, still in the activity that left alice, is reminded)."""
    run_first(monkeypatch, decisions(world, activity)[decision])
    assert remind_activities(NOW, REMIND)["queued"] == 2
    drain(channels, NOW, policy)
    still = {world.bob.id} if decision == "left" else set()
    assert reminders_sent(emulator) == still
    skipped = {m: reason for m, (_, reason) in reminded().items() if m not in still}
    assert set(skipped.values()) == {SKIPPED[decision]}
    assert outbox_report.problems(world.actor("office")) == ([], 0)


def test_a_reminder_requeued_as_its_activity_moves_away_again_is_not_sent(
    world, activity, channels, policy, emulator, monkeypatch
):
    """18:00 → 19:00 → 18:00: the reminders withdrawn by the first move are queued again for
    18:00; moved away again between the job's read and that, they are skipped, not withdrawn,
    so the job sets them back to pending. The sender finds 18:00 is no longer the start."""
    there, back = moves(activity)["time"]
    leader = world.actor("leader_a")
    assert remind_activities(NOW, REMIND)["queued"] == 2
    update_activity(leader, activity.id, there, NOW, QUIET)
    update_activity(leader, activity.id, back, NOW, QUIET)
    run_first(monkeypatch, partial(update_activity, leader, activity.id, there, NOW, QUIET))
    assert remind_activities(NOW, REMIND)["queued"] == 2  # requeued for 18:00
    drain(channels, NOW, policy)
    assert set(reminded().values()) == {("skipped", "活动已变更，未发送")}
    assert reminders_sent(emulator) == set()
