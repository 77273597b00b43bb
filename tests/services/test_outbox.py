"""The outbox writes each message once, however often a job repeats it, and holds
non-urgent messages back through the quiet hours."""

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from models import Notification
from services import clock
from services.outbox import Message, deliver_after, enqueue, requeue, revise, withdraw
from tests.factories import make_member

QUIET = "21:00-08:00"
NOW_UTC = datetime(2026, 12, 1, 2, 0)


def shanghai(text: str) -> datetime:
    return clock.to_utc(datetime.fromisoformat(text))


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026-12-01T10:00", "2026-12-01T10:00"),  # daytime: at once
        ("2026-12-01T20:59", "2026-12-01T20:59"),
        ("2026-12-01T21:00", "2026-12-02T08:00"),  # evening: next morning
        ("2026-12-01T23:30", "2026-12-02T08:00"),
        ("2026-12-02T03:00", "2026-12-02T08:00"),  # after midnight: same morning
        ("2026-12-02T08:00", "2026-12-02T08:00"),
    ],
)
def test_quiet_hours_defer_to_the_morning(written, expected):
    assert deliver_after(shanghai(written), QUIET, urgent=False) == shanghai(expected)


def test_urgent_messages_and_no_quiet_hours_go_at_once():
    night = shanghai("2026-12-01T23:30")
    assert deliver_after(night, QUIET, urgent=True) == night
    assert deliver_after(night, "off", urgent=False) == night


def test_a_window_inside_one_day():
    assert deliver_after(shanghai("2026-12-01T12:30"), "12:00-14:00", False) == shanghai(
        "2026-12-01T14:00"
    )
    assert deliver_after(shanghai("2026-12-01T15:00"), "12:00-14:00", False) == shanghai(
        "2026-12-01T15:00"
    )


def test_a_repeated_message_is_written_once(database):
    member = make_member()
    now = shanghai("2026-12-01T10:00")
    messages = [Message(member.id, "visit_reminder", {"n": 1}, f"visit:{member.id}:2026-12")]
    assert enqueue(messages, now, QUIET) == 1
    assert enqueue(messages * 2, now, QUIET) == 0
    row = Notification.get()
    assert (row.status, row.kind, row.payload, row.next_attempt_at) == (
        "pending",
        "visit_reminder",
        {"n": 1},
        now,
    )


def test_office_messages_have_no_member(database):
    now = shanghai("2026-12-01T22:00")
    enqueue([Message(None, "report_late", {}, "late:1:2026-Q4", urgent=True)], now, QUIET)
    row = Notification.get()
    assert row.member is None and row.next_attempt_at == now


def test_labelled_lines_keep_the_order_they_were_written_in(database):
    lines = {"服务": "义诊", "时间": "12月1日", "地点": "社区"}
    enqueue([Message(None, "spot_check", {"lines": lines}, "order")], NOW_UTC, QUIET)
    assert list(Notification.get().payload["lines"]) == ["服务", "时间", "地点"]


def test_revising_rewrites_a_waiting_row_and_keeps_the_grant_it_holds(database):
    """An out-of-date message no sender holds gets the new payload, keeps its subscribe grant
    and, made urgent, goes at once; a row a sender holds keeps the revision for its sender to
    take (held_change); one sent is left as it is."""
    ann, bob, cy = make_member(), make_member(), make_member()
    night = shanghai("2026-12-01T22:00")
    old = {"title": "新任务", "grant": "tmpl-1"}
    enqueue(
        [Message(m.id, "task_assigned", old, f"t:{m.id}") for m in (ann, bob, cy)], night, QUIET
    )
    until = night + timedelta(minutes=5)
    Notification.update(claimed_until=until).where(Notification.member == bob.id).execute()
    Notification.update(status="sent").where(Notification.member == cy.id).execute()
    keys = [f"t:{m.id}" for m in (ann, bob, cy)]
    done = revise(keys, night, {"title": "新任务（改期）"}, urgent=True)
    assert [r.member_id for r in done.rows] == [ann.id]
    assert [r.member_id for r in done.held] == [bob.id]
    rows = {n.member_id: n for n in Notification.select()}
    assert rows[ann.id].payload == {"title": "新任务（改期）", "grant": "tmpl-1"}
    assert (rows[ann.id].urgent, rows[ann.id].next_attempt_at) == (True, night)
    assert rows[bob.id].payload == rows[cy.id].payload == old
    assert rows[bob.id].held_change == {"revise": {"title": "新任务（改期）"}, "urgent": True}
    assert rows[ann.id].held_change is rows[cy.id].held_change is None


@pytest.mark.parametrize(
    ("rewrite", "expected"),
    [
        (lambda keys, now: withdraw(keys, now, "activity_cancelled"), "skipped"),
        (lambda keys, now: revise(keys, now, {"title": "新任务（改期）"}, urgent=False), "pending"),
    ],
    ids=["withdraw", "revise"],
)
def test_withdrawing_and_revising_touch_the_same_rows(database, rewrite, expected):
    """One rule for both: a pending row no sender holds is rewritten, including one whose
    sender's lease ran out; a row a sender holds is left to its sender, asked to do it (held);
    one no longer pending is left."""
    free, lapsed, held, sent = (make_member() for _ in range(4))
    night = shanghai("2026-12-01T22:00")
    old = {"title": "新任务"}
    members = (free, lapsed, held, sent)
    enqueue([Message(m.id, "task_assigned", old, f"t:{m.id}") for m in members], night, QUIET)
    lease = {lapsed.id: night - timedelta(seconds=1), held.id: night + timedelta(minutes=5)}
    for member_id, until in lease.items():
        Notification.update(claimed_until=until).where(Notification.member == member_id).execute()
    Notification.update(status="sent").where(Notification.member == sent.id).execute()
    written = rewrite([f"t:{m.id}" for m in members], night)
    assert sorted(row.member_id for row in written.rows) == [free.id, lapsed.id]
    assert [row.member_id for row in written.held] == [held.id]
    rows = {n.member_id: n for n in Notification.select()}
    assert [rows[m.id].status for m in members] == [expected, expected, "pending", "sent"]
    assert rows[held.id].payload == rows[sent.id].payload == old
    assert rows[held.id].held_change is not None and rows[sent.id].held_change is None


def held_rows(*members, until: datetime) -> None:
    for member in members:
        Notification.update(claimed_until=until).where(Notification.member == member.id).execute()


def test_a_revision_never_undoes_a_withdrawal_asked_of_a_held_row(database):
    """Withdrawn while a sender held it: a revision then, or once the lease ran out, leaves
    it withdrawn; a later withdrawal keeps the first reason."""
    ann = make_member()
    night = shanghai("2026-12-01T22:00")
    enqueue([Message(ann.id, "task_assigned", {"title": "新任务"}, "t")], night, QUIET)
    held_rows(ann, until=night + timedelta(minutes=5))
    assert [r.member_id for r in withdraw(["t"], night, "activity_cancelled").held] == [ann.id]
    asked = revise(["t"], night, {"title": "改期"}, urgent=True)
    assert (asked.rows, asked.held) == ([], [])
    later = night + timedelta(minutes=10)
    assert revise(["t"], later, {"title": "改期"}, urgent=True).rows == []
    withdraw(["t"], night, "member_left")
    row = Notification.get()
    assert (row.payload, row.urgent) == ({"title": "新任务"}, False)
    assert row.held_change == {"withdraw": "activity_cancelled"}


def test_a_revision_of_a_free_row_replaces_one_asked_while_it_was_held(database):
    ann = make_member()
    night = shanghai("2026-12-01T22:00")
    enqueue([Message(ann.id, "task_assigned", {"title": "新任务"}, "t")], night, QUIET)
    held_rows(ann, until=night + timedelta(minutes=5))
    revise(["t"], night, {"title": "改期一"}, urgent=False)
    held_rows(ann, until=None)  # the sender gave it back unsent
    assert len(revise(["t"], night, {"title": "改期二"}, urgent=False).rows) == 1
    row = Notification.get()
    assert (row.payload, row.held_change) == ({"title": "改期二"}, None)


def test_a_withdrawal_replaces_a_revision_asked_of_a_held_row(database):
    ann = make_member()
    night = shanghai("2026-12-01T22:00")
    enqueue([Message(ann.id, "task_assigned", {"title": "新任务"}, "t")], night, QUIET)
    held_rows(ann, until=night + timedelta(minutes=5))
    revise(["t"], night, {"title": "改期"}, urgent=False)
    assert len(withdraw(["t"], night, "activity_cancelled").held) == 1
    assert Notification.get().held_change == {"withdraw": "activity_cancelled"}


def test_only_rows_withdrawn_for_the_reason_are_queued_again(database):
    """Withdrawn for the reason: pending again with the new payload, waiting out the quiet
    hours, once; sent, waiting, or withdrawn for another reason: left as they are."""
    ann = make_member()
    keys = ["moved", "other", "sent", "waiting"]
    messages = [Message(ann.id, "activity_reminder", {"title": "提醒"}, key) for key in keys]
    enqueue(messages, NOW_UTC, QUIET)
    withdraw(["moved"], NOW_UTC, "activity_changed")
    withdraw(["other"], NOW_UTC, "member_left")
    Notification.update(status="sent").where(Notification.dedupe_key == "sent").execute()
    night = shanghai("2026-12-01T22:00")
    again = [Message(ann.id, "activity_reminder", {"title": "再提醒"}, key) for key in keys]
    assert requeue(again, night, QUIET, "activity_changed") == 1
    assert requeue(again, night, QUIET, "activity_changed") == 0
    rows = {r.dedupe_key: r for r in Notification.select()}
    moved = rows.pop("moved")
    assert (moved.status, moved.last_error, moved.payload) == ("pending", "", {"title": "再提醒"})
    assert moved.next_attempt_at == shanghai("2026-12-02T08:00")
    assert {k: (r.status, r.payload["title"]) for k, r in rows.items()} == {
        "other": ("skipped", "提醒"),
        "sent": ("sent", "提醒"),
        "waiting": ("pending", "提醒"),
    }


def test_a_row_queued_again_is_as_a_new_one_with_its_full_attempts(database):
    """Withdrawn after two failed tries on a channel, then queued again: it has every column
    as enqueue would write it now (no attempts used, no channel, queued now), so its sender
    gives it all its tries."""
    ann = make_member()
    enqueue([Message(ann.id, "activity_reminder", {"title": "提醒"}, "moved")], NOW_UTC, QUIET)
    tried = {"attempts": 2, "channel": "oa_template", "last_error": "微信系统繁忙"}
    Notification.update(**tried).execute()
    withdraw(["moved"], NOW_UTC, "activity_changed")
    night = shanghai("2026-12-01T22:00")
    again = Message(ann.id, "activity_reminder", {"title": "再提醒"}, "moved")
    assert requeue([again], night, QUIET, "activity_changed") == 1
    enqueue([replace(again, dedupe_key="fresh")], night, QUIET)
    moved, fresh = (Notification.get(Notification.dedupe_key == k) for k in ("moved", "fresh"))
    ignored = {"id", "dedupe_key"}
    assert {k: v for k, v in moved.__data__.items() if k not in ignored} == {
        k: v for k, v in fresh.__data__.items() if k not in ignored
    }
