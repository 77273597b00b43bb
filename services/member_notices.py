"""Telling members what someone else decided about them: an activity they are in was cancelled,
they were assigned to a task, a reviewer rejected their register entry (an activity moved in
time or place: services.change_notices, with the helpers here).

Each notice is queued inside the transaction of the decision it tells of, so a decision rolled
back tells nobody and one that stands is told. The callers queue on the change itself (an
activity going to cancelled, a member newly assigned, an entry going to rejected), not on the
call: a repeated cancel or reject changes nothing and queues nothing, and the dedupe keys
(activity + member; entry + the history line that rejected it) keep a retry from queuing twice.

A notice about an activity goes out at once, quiet hours or not, when waiting for them to end
would tell the member less than LEAD before the start (cancelled at 22:00, a clean-up at 07:30):
the member may be on the way by then. Otherwise it waits like any message, and it expires at
the activity's end, when it is of no use. A rejection keeps: it always waits, never expires.
The quiet hours are the configured ones (settings.rules.quiet_hours), which every caller must
pass, here and in the services that call these: a default would let a caller that forgets
them ignore the configuration without a sign.

Cancelling an activity withdraws its assignment notices that have not gone out (skipped, 「活动
已取消，未发送」): created and cancelled at once, or in the quiet hours, an activity tells its
assigned members nothing. A member an assignment may have reached is told of the cancellation.

Verifying an entry tells nobody: it is what a member expects, the entry's status shows it, and a
message would spend one of the member's scarce subscribe grants, which an activity's reminder
or cancellation needs. A later decision that takes a rejected entry out of rejected (a review
that verifies it, an office correction) withdraws its rejection notice that has not gone out
(skipped, 「审核结论已更改，未发送」), as a cancellation withdraws assignments; and the sender,
which may hold that notice at the moment of the decision, honours the withdrawal before it
sends (services.outbox) and checks that the rejection still stands (rejection_stands,
services/notice_checks.py). Only a notice already on its way to WeChat when the decision is
made still arrives.
"""

import operator
from datetime import datetime, timedelta
from functools import reduce

import peewee as pw

from models import Activity, Enrollment, Member, Notification, RecordHistory, ServiceRecord

from . import activity_reminders, clock, outbox
from .activity_reminders import PAGE as ACTIVITY_PAGE
from .activity_reminders import when_text
from .notification_texts import TEAM_ASSIGNMENT_TITLE, kind_name, reason_text
from .record_names import DECIDER_NAMES, entry_title

CANCELLED, ASSIGNED, REJECTED = "activity_cancelled", "task_assigned", "record_rejected"
CHANGED = "activity_changed"  # services.change_notices
#: A notice's mark: a sender held its member's assignment when the decision came, so it may
#: have gone out as it was (services.change_notices too)
ASSIGNMENT_HELD = "assignment_held"
#: How an assignment withdrawn for the activity's cancellation reads (services.outbox.withdraw)
WITHDRAWN_UNSENT = reason_text("", "activity_cancelled")
#: The kinds of notice about an activity: each one's key starts "<kind>:<activity id>:"
#: (notice_key, services.change_notices, services.activity_reminders).
ABOUT_ACTIVITY = (ASSIGNED, CANCELLED, CHANGED, activity_reminders.KIND)
LEAD = timedelta(hours=2)
RECORD_PAGE = "pages/record/detail?id={id}"
#: An assignment's title by the activity's kind: an office ad-hoc task is the usual one, but a
#: leader may also assign team members to an activity of the team.
ASSIGNED_TITLES = {"adhoc": kind_name(ASSIGNED)}
ASSIGNED_OTHER = TEAM_ASSIGNMENT_TITLE


def tell_cancelled(
    activity: Activity, reason: str, canceller: Member | None, now: datetime, quiet_hours: str
) -> int:
    """Queue 「活动已取消」 to each active member enrolled in or assigned to the activity, but
    the one who cancelled it and those never told of it; returns how many were new.

    An assignment notice not sent yet is withdrawn first: a member would otherwise learn of
    the activity and of its end one after the other, or, once it has expired, of the end
    only. Its member is not told of the cancellation either, as far as no attempt went out
    (one that WeChat did not answer may have arrived); nor is it left out when a sender held
    the assignment, which may have been on its way to WeChat already."""
    withdrawn = _withdraw_assignments(activity, now)
    unaware = {row.member_id for row in withdrawn.rows if not row.attempts}
    held = {row.member_id for row in withdrawn.held}
    told = [m for m in enrolled(activity, canceller) if m not in unaware]
    # A template message shows the activity and the reason in fields of their own
    # (notification_texts.BRIEFS); these lines are the text and the page's order.
    lines = {"活动": activity.title, "原因": reason, "时间": when_text(activity)}
    payload = about(activity, kind_name(CANCELLED), lines)
    return _queue(CANCELLED, activity, told, payload, now, quiet_hours, held)


def tell_assigned(
    activity: Activity,
    member_ids: list[int],
    assigner: Member | None,
    now: datetime,
    quiet_hours: str,
) -> int:
    """Queue 「新的临时任务」 to members just assigned to the activity (not the assigner);
    a member told of it before is not told again."""
    told = [m for m in member_ids if assigner is None or m != assigner.id]
    return _queue(ASSIGNED, activity, told, assignment_payload(activity), now, quiet_hours)


def assignment_payload(activity: Activity) -> dict:
    """What an assignment tells: the activity as it stands (services.change_notices rewrites
    an assignment not sent yet with it when the activity moves)."""
    title = ASSIGNED_TITLES.get(activity.kind, ASSIGNED_OTHER)
    lines = {"任务": activity.title, "地点": activity.place, "时间": when_text(activity)}
    return about(activity, title, lines)


def tell_rejected(
    record: ServiceRecord, comment: str, by: str, now: datetime, quiet_hours: str
) -> int:
    """Queue 「记录未通过审核」 to the entry's member, for the rejection just written to the
    entry's history (its line names the decision in the dedupe key). `by` ('leader' or
    'office') names who rejected it: whom the member asks if they disagree, as only they can
    change it."""
    if not record.member.active:
        return 0
    local = clock.to_local(record.checkin_at)
    service = entry_title(record.kind, record.activity.title if record.activity_id else None)
    lines = {
        "服务": service,
        "审核人": DECIDER_NAMES[by],
        "审核意见": comment,
        "日期": f"{local.month}月{local.day}日",
    }
    payload = {
        "title": kind_name(REJECTED),
        "lines": _filled(lines),
        "page": RECORD_PAGE.format(id=record.id),
        "time": record.checkin_at.isoformat(),
        "record_id": record.id,
    }
    key = _rejection_key(record.id, _latest_line(record))
    message = outbox.Message(record.member_id, REJECTED, payload, key)
    return outbox.enqueue([message], now, quiet_hours)


def withdraw_rejection(record: ServiceRecord, now: datetime) -> outbox.Rewrite:
    """Withdraw the entry's rejection notices not sent yet, now that a later decision took it
    out of rejected: the member would be told 「未通过」 of an entry that stands. One a sender
    holds is withdrawn by it before it sends (services.outbox), and it checks rejection_stands
    too."""
    lines = record.history.select(RecordHistory.seq)
    keys = [_rejection_key(record.id, line.seq) for line in lines]
    return outbox.withdraw(keys, now, "decision_changed")


def cancellation_news(notice: Notification) -> bool:
    """Whether a cancellation may tell its member anything: not when their assignment to the
    activity was withdrawn for the cancellation before any attempt to send it. tell_cancelled
    leaves out such a member, but tells one whose assignment a sender held at the cancellation
    (it may have been on its way to WeChat), marked ASSIGNMENT_HELD; the sender then withdrew
    it unsent, so they hear of neither. An unmarked one is always news: an assignment withdrawn
    before (the member left, then enrolled again) is not what told them of the activity."""
    if not notice.payload.get(ASSIGNMENT_HELD):
        return True
    key = notice_key(ASSIGNED, notice.payload.get("activity_id"), notice.member_id)
    assigned = Notification.get_or_none(Notification.dedupe_key == key)
    if assigned is None or assigned.status != "skipped" or assigned.attempts:
        return True
    return assigned.last_error != WITHDRAWN_UNSENT


def rejection_stands(notice: Notification) -> bool:
    """Whether the rejection a queued notice tells of still stands: its entry is rejected and no
    line since the one that rejected it has moved the status (a verification and a new
    rejection after it queue a notice of their own)."""
    record_id, seq = (int(part) for part in notice.dedupe_key.split(":")[1:3])
    record = ServiceRecord.get_or_none(ServiceRecord.id == record_id)
    if record is None or record.status != "rejected":
        return False
    later = record.history.select(RecordHistory.changes).where(RecordHistory.seq > seq)
    return not any("status" in line.changes for line in later)


def is_urgent(activity: Activity, now: datetime, quiet_hours: str) -> bool:
    """Whether waiting out the quiet hours would tell the member less than LEAD before the
    start (always, once it is that close)."""
    return is_urgent_before(activity.starts_at, now, quiet_hours)


def is_urgent_before(starts_at: datetime, now: datetime, quiet_hours: str) -> bool:
    """is_urgent for a start the member may go by (a change judges by the earlier of the
    start the member knew and the new one: services.change_notices)."""
    return outbox.deliver_after(now, quiet_hours, urgent=False) > starts_at - LEAD


def about(activity: Activity, title: str, lines: dict) -> dict:
    """The payload of a notice about an activity: its lines, linking to its page, about its
    start, expiring at its end."""
    return {
        "title": title,
        "lines": _filled(lines),
        "page": ACTIVITY_PAGE.format(id=activity.id),
        "time": activity.starts_at.isoformat(),
        "expires": activity.ends_at.isoformat(),  # no use once it is over
        "activity_id": activity.id,
    }


def _queue(
    kind: str,
    activity: Activity,
    member_ids: list[int],
    payload: dict,
    now: datetime,
    quiet_hours: str,
    held: set[int] = frozenset(),
) -> int:
    """One message per member, keyed by kind, activity and member; those of the members in
    `held` marked ASSIGNMENT_HELD."""
    urgent = is_urgent(activity, now, quiet_hours)
    marked = payload | {ASSIGNMENT_HELD: True}
    messages = [
        outbox.Message(
            m, kind, marked if m in held else payload, notice_key(kind, activity, m), urgent=urgent
        )
        for m in member_ids
    ]
    return outbox.enqueue(messages, now, quiet_hours)


def _withdraw_assignments(activity: Activity, now: datetime) -> outbox.Rewrite:
    """Withdraw the activity's assignment notices not sent yet because it was cancelled
    (services.outbox.withdraw): one a sender holds, by the sender before it sends, unless it
    is on its way to WeChat already."""
    assigned = Enrollment.select(Enrollment.member).where(
        (Enrollment.activity == activity.id) & Enrollment.assigned
    )
    keys = [notice_key(ASSIGNED, activity, row.member_id) for row in assigned]
    return outbox.withdraw(keys, now, "activity_cancelled")


def withdraw_about(activity_id: int, member_id: int, now: datetime, reason: str) -> outbox.Rewrite:
    """Withdraw the member's notices about the activity not sent yet (an assignment, a
    reminder, a change): they no longer hold a place in it, having left it (services.
    activities.unenroll) or the programme (services.roster_seats). One a sender holds is
    withdrawn by the sender before it sends, unless it is on its way to WeChat already."""
    return outbox.withdraw(waiting_about(activity_id, member_id), now, reason)


def waiting_about(activity_id: int, member_id: int) -> list[str]:
    """The dedupe keys of the member's notices about the activity not sent yet, found by the
    member's rows and the keys' prefix: no payload is read, so the rows of other activities
    and members are never loaded."""
    about = [Notification.dedupe_key.startswith(key_prefix(k, activity_id)) for k in ABOUT_ACTIVITY]
    query = Notification.select(Notification.dedupe_key).where(
        (Notification.member == member_id)
        & (Notification.status == "pending")
        & reduce(operator.or_, about)
    )
    return [row.dedupe_key for row in query]


def key_prefix(kind: str, activity_id: int) -> str:
    """What the keys of an activity's notices of a kind start with (notice_key)."""
    return f"{kind}:{activity_id}:"


def notice_key(kind: str, activity: Activity | int, member_id: int) -> str:
    """A notice's key about an activity (or its id): kind, activity and member."""
    activity_id = activity if isinstance(activity, int) else activity.id
    return f"{key_prefix(kind, activity_id)}{member_id}"


def enrolled(activity: Activity, skip: Member | None) -> list[int]:
    """Active members enrolled in or assigned to the activity, by id, but `skip`."""
    query = (
        Enrollment.select(Enrollment.member)
        .join(Member)
        .where((Enrollment.activity == activity.id) & Member.active)
        .order_by(Enrollment.member)
    )
    if skip is not None:
        query = query.where(Enrollment.member != skip.id)
    return [row.member_id for row in query]


def _rejection_key(record_id: int, seq: int) -> str:
    """A rejection notice's key: the entry and the history line that rejected it."""
    return f"{REJECTED}:{record_id}:{seq}"


def _latest_line(record: ServiceRecord) -> int:
    return record.history.select(pw.fn.MAX(RecordHistory.seq)).scalar() or 0


def _filled(lines: dict) -> dict:
    return {label: value for label, value in lines.items() if value}
