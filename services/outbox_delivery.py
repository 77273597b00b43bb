"""The sender: delivers the outbox's pending rows through WeChat's channels.

Delivery (`drain`): due rows are claimed with a lease (claimed_until), one conditional UPDATE
per row, so two senders running at once never deliver the same row. Each row tries the
channels configured for its kind in order: a channel that cannot reach the person (no grant,
not following, out of the 48-hour window: services.reach, the rule a broadcast preview counts
by; or WeChat refusing) passes it to the next; when none can, the row is `skipped` with the
reasons. WeChat busy, over quota or slow: the row stays pending and
is retried with exponential backoff (quiet hours respected) until max_attempts, then `failed`.

Two kinds of trouble stop a run and put its rows back untouched (no attempt used), so nothing
is lost while it lasts: WeChat unreachable (no connection could be made, so nothing was sent),
and WeChat refusing every call of the account (daily quota used up, wrong AppID or AppSecret,
this server's IP not whitelisted), logged as a warning with the errcode.

Delivery is at least once: a request that reached WeChat but whose answer was lost (no answer
in time, the connection dropped while reading it) may have been delivered, and is retried like
a busy WeChat, an attempt counted, so that one such message can never hold up the rest.

At send time, a non-urgent row due inside the quiet hours (after an outage, or a backlog) goes
back until they end, without using an attempt; a row whose payload "expires" (see
services/outbox.py) before it could go out is `skipped` instead, and so is a member notice that
a later decision made untrue while this sender held it, or as it was queued (services/
notice_checks.py). Right before a row's send the sender reads the change asked of it while it
held it (services.outbox: withdraw, revise; one read by key) and honours it: skipped with the
withdrawal's reason, or sent with the revised payload. Channels are passed in (`Channel`);
this module never imports wechat/.

A row may hold a subscribe grant spent for it when it was queued (a broadcast's): the row
keeps it through retries and deferrals, drops it once it is used or WeChat says it is void,
and gives it back when it ends any other way (services/held_grants.py).
"""

import logging
import time as timer
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from models import Member, Notification, db

from . import held_grants, notice_checks, outbox, reach
from .notification_texts import (
    channels_set_up,
    delivery_failure_text,
    payload_time,
    reason_text,
    refusals_text,
    template_id,
)
from .outbox import deliver_after, unclaimed
from .reach import Recipient

log = logging.getLogger(__name__)


#: A channel's verdict: delivered; cannot reach this person (try the next channel); WeChat
#: cannot take it now (retry later); WeChat cannot be reached at all (stop, keep the rows);
#: WeChat takes no call of this account now (quota, credentials, IP whitelist: stop, keep).
SENT, REFUSED, RETRY = "sent", "refused", "retry"
UNREACHABLE, BLOCKED = "unreachable", "blocked"
STOPS_THE_RUN = frozenset({UNREACHABLE, BLOCKED})
DEFERRED = "deferred"  # put back until the quiet hours end
CLAIM_CHUNK = 50  # rows claimed at a time, so a slow WeChat cannot outlast the lease
LEASE_SHARE = 0.8  # stop using a claim after this share of the lease has passed
MAX_BACKOFF = timedelta(hours=6)
REPORT_WINDOW = 200  # a member's latest template sends searched for a delivery report's msgid


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver one outbox row through one channel."""

    notification_id: int
    kind: str
    payload: dict
    created_at: datetime
    recipient: Recipient
    now: datetime


@dataclass(frozen=True)
class Result:
    """A channel's answer: outcome, a reason code (notification_texts.REASONS), WeChat's
    errcode or error as detail, and the msgid of a template send."""

    outcome: str
    reason: str = ""
    detail: str = ""
    msgid: str | None = None


class Channel(Protocol):
    """A way to reach a member (wechat/channels.py has the three WeChat ones)."""

    name: str

    def send(self, delivery: Delivery) -> Result: ...


@dataclass(frozen=True)
class Policy:
    """The sender's rules, from settings.notifications and settings.rules.quiet_hours."""

    orders: Mapping[str, tuple[str, ...]]
    default_order: tuple[str, ...]
    max_attempts: int = 6
    backoff_base_seconds: int = 60
    lease_seconds: int = 300
    batch_size: int = 500
    quiet_hours: str = "21:00-08:00"
    mp_template: str = ""  # whose grants say a subscribe message may go
    #: The channels with their account and template configured; what the reach rule may
    #: count on when it predicts (a broadcast preview). The sender itself asks the channels.
    set_up: frozenset[str] = frozenset(reach.CHANNELS)

    @classmethod
    def from_settings(cls, settings) -> "Policy":
        notes = settings.notifications
        return cls(
            orders=notes.kind_orders(),
            default_order=notes.order_for(""),
            max_attempts=notes.max_attempts,
            backoff_base_seconds=notes.backoff_base_seconds,
            lease_seconds=notes.lease_seconds,
            batch_size=notes.batch_size,
            quiet_hours=settings.rules.quiet_hours,
            mp_template=template_id(settings, "mp_subscribe"),
            set_up=channels_set_up(settings),
        )

    def order_for(self, kind: str) -> tuple[str, ...]:
        return self.orders.get(kind, self.default_order)

    def backoff(self, attempts: int) -> timedelta:
        """base, 2 x base, 4 x base, ... after the 1st, 2nd, 3rd failed attempt; capped."""
        return min(timedelta(seconds=self.backoff_base_seconds * 2 ** (attempts - 1)), MAX_BACKOFF)


def drain(
    channels: Mapping[str, Channel], now: datetime, policy: Policy, limit: int | None = None
) -> dict[str, int]:
    """Deliver due rows, at most `limit` (default: the batch size); returns counts by outcome.

    Safe to run from several processes at once: each row is claimed by one sender only. A run
    stops well before its claims' lease ends, so a slow WeChat never lets a second sender
    take a row this one is still sending."""
    run = _Run(channels, now, policy, timer.monotonic() + policy.lease_seconds * LEASE_SHARE)
    budget = policy.batch_size if limit is None else limit
    while budget > 0 and not run.out_of_time():
        found, claimed = claim(now, policy.lease_seconds, min(CLAIM_CHUNK, budget))
        if not found:
            break
        budget -= found
        run.counts["claimed"] += len(claimed)
        if not _deliver_claimed(run, claimed):
            break
    return dict(run.counts)


@dataclass
class _Run:
    """One drain: its channels, its time, its rules, when it must stop, what it did."""

    channels: Mapping[str, Channel]
    now: datetime
    policy: Policy
    deadline: float  # time.monotonic() value
    counts: Counter = field(default_factory=Counter)

    @property
    def lease_until(self) -> datetime:
        return self.now + timedelta(seconds=self.policy.lease_seconds)

    def out_of_time(self) -> bool:
        return timer.monotonic() > self.deadline


def claim(now: datetime, lease_seconds: int, limit: int) -> tuple[int, list[int]]:
    """Claim up to `limit` due rows for this sender: (rows found due, ids claimed).

    One conditional UPDATE per row, its rowcount saying whether this sender won it: another
    sender's claim in between (on PostgreSQL the UPDATE waits for it and re-checks) makes it 0.
    The rows are locked in id order, as services.outbox rewrites them inside a decision's
    transaction: two transactions taking the same rows in opposite orders could deadlock on
    PostgreSQL. The rows are delivered in their order of delivery all the same.
    """
    due = (
        (Notification.status == "pending")
        & Notification.member.is_null(False)
        & (Notification.next_attempt_at <= now)
        & unclaimed(now)
    )
    query = Notification.select(Notification.id).where(due).order_by(*_ORDER).limit(limit)
    found = sorted(n.id for n in query)
    until, claimed = now + timedelta(seconds=lease_seconds), []
    with db.atomic():
        for row_id in found:
            mine = (Notification.id == row_id) & (Notification.status == "pending")
            if Notification.update(claimed_until=until).where(mine & unclaimed(now)).execute():
                claimed.append(row_id)
    return len(found), claimed


_ORDER = (Notification.urgent.desc(), Notification.next_attempt_at, Notification.id)


def _deliver_claimed(run: _Run, ids: list[int]) -> bool:
    """Deliver claimed rows in order; False when the run must stop (WeChat unreachable or
    refusing the account, or out of time), the rest released untouched for the next run."""
    rows = list(
        Notification.select(Notification, Member)
        .join(Member)
        .where(Notification.id.in_(ids))
        .order_by(*_ORDER)
    )
    people = reach.recipients([row.member for row in rows], run.policy.mp_template)
    recipient = {r.member_id: r for r in people}
    for index, row in enumerate(rows):
        if run.out_of_time():
            run.counts["released"] += _release(run, rows[index:])
            return False
        outcome = _deliver_safely(run, row, recipient[row.member_id])
        run.counts[outcome] += 1
        if outcome in STOPS_THE_RUN:
            run.counts["released"] += _release(run, rows[index + 1 :])
            return False
    return True


def _deliver_safely(run: _Run, row: Notification, recipient: Recipient) -> str:
    """One row; a bug met on one message (a payload no renderer expected) makes that row
    retry and eventually fail, visible to the office, instead of stalling every run."""
    try:
        return _deliver(run, row, recipient)
    except Exception:
        log.exception("outbox row %s: unexpected error while sending", row.id)
        return _record(run, row, "", Result(RETRY, "internal"))


def _deliver(run: _Run, row: Notification, recipient: Recipient) -> str:
    """Try the kind's channels in order and record what happened; returns the outcome. Each
    channel first asks services.reach whether it can reach the member, as the broadcast
    preview did."""
    withdrawn = _take_held_change(run, row)
    if withdrawn:  # not an attempt, as when withdrawn unheld (services.member_notices counts)
        error = reason_text("", withdrawn)
        return _finish(run, row, "skipped", last_error=error, attempts=row.attempts)
    if not row.member.active:
        return _finish(run, row, "skipped", last_error=reason_text("", "inactive"))
    earliest = deliver_after(run.now, run.policy.quiet_hours, row.urgent)
    if _expires_before(row, earliest):
        return _finish(run, row, "skipped", last_error=reason_text("", "expired"))
    if earliest > run.now:
        _update(run, row, claimed_until=None, next_attempt_at=earliest)
        return DEFERRED
    void = notice_checks.void_reason(row)  # decided otherwise since it was queued
    if void:
        return _finish(run, row, "skipped", last_error=reason_text("", void))
    payload = dict(row.payload or {})
    delivery = Delivery(row.id, row.kind, payload, row.created_at, recipient, run.now)
    refusals = []
    for name in run.policy.order_for(row.kind):
        channel = run.channels.get(name)
        result = channel.send(delivery) if channel else Result(REFUSED, "unavailable")
        payload = held_grants.after_answer(payload, name, result.outcome == SENT, result.reason)
        if result.outcome != REFUSED:
            return _record(run, row, name, result, payload)
        refusals.append((name, result.reason, result.detail))
        _after_refusal(row.member, result)
    return _finish(run, row, "skipped", last_error=refusals_text(refusals), payload=payload)


def _take_held_change(run: _Run, row: Notification) -> str | None:
    """Honour a withdrawal or a revision asked while this sender held the row (services.
    outbox), read right before the send: the withdrawal's reason; or None, the row now
    carrying the revised payload (kept: a retry sends it too)."""
    change = outbox.held_change(row.id) or {}
    if outbox.WITHDRAW in change:
        return change[outbox.WITHDRAW]
    if outbox.REVISE in change:
        row.payload = outbox.revised_payload(row, change[outbox.REVISE])
        row.urgent = row.urgent or change["urgent"]
        _update(run, row, payload=row.payload, urgent=row.urgent)
    return None


def _expires_before(row: Notification, moment: datetime) -> bool:
    """True when the payload's "expires" is earlier than `moment` (an activity reminder that
    would arrive after the start); a payload without one never expires."""
    payload = row.payload if isinstance(row.payload, dict) else {}
    expires = payload_time(payload.get("expires"))
    return expires is not None and moment > expires


def _after_refusal(member: Member, result: Result) -> None:
    """WeChat saying a member no longer follows the account spares later calls that way."""
    if result.reason == "not_following" and member.oa_reachable:
        Member.update(oa_reachable=False).where(Member.id == member.id).execute()


def _record(
    run: _Run, row: Notification, channel: str, result: Result, payload: dict | None = None
) -> str:
    """Sent; WeChat unreachable or refusing the account (row released as it was, no attempt
    used); or a retry, failed at the last. `payload` is the row's after this attempt (a
    subscribe grant it held may be used or void: services/held_grants.py)."""
    payload = row.payload if payload is None else payload
    if result.outcome == SENT:
        payload = {**payload, "msgid": result.msgid} if result.msgid else payload
        return _finish(run, row, "sent", channel=channel, sent_at=run.now, payload=payload)
    error = reason_text(channel, result.reason, result.detail)
    if result.outcome in STOPS_THE_RUN:
        if result.outcome == BLOCKED:
            log.warning(
                "WeChat refuses every %s call of this account (errcode %s, %s): the outbox "
                "stops and tries again next run",
                channel,
                result.detail,
                result.reason,
            )
        _update(run, row, claimed_until=None, last_error=error, payload=payload)
        return result.outcome
    attempts, policy = row.attempts + 1, run.policy
    if attempts >= policy.max_attempts:
        return _finish(run, row, "failed", channel=channel, last_error=error, payload=payload)
    retry_at = deliver_after(run.now + policy.backoff(attempts), policy.quiet_hours, row.urgent)
    fields = {"attempts": attempts, "next_attempt_at": retry_at, "channel": channel}
    _update(run, row, claimed_until=None, last_error=error, payload=payload, **fields)
    return RETRY


def _finish(run: _Run, row: Notification, status: str, **fields) -> str:
    """The row's last write; a subscribe grant it still holds goes back to the member, in the
    same transaction and only if this sender's claim still held: a sender that claimed the
    row meanwhile may yet send on that grant."""
    payload, template = held_grants.release(fields.pop("payload", row.payload))
    fields = {"last_error": "", "payload": payload, "attempts": row.attempts + 1, **fields}
    with db.atomic():
        ended = _update(run, row, status=status, claimed_until=None, **fields)
        if ended:
            held_grants.give_back(row.member_id, template, run.now)
    return status


def _update(run: _Run, row: Notification, **fields) -> bool:
    """Write the outcome, only while this sender's claim still holds; whether it did."""
    ours = (Notification.id == row.id) & (Notification.claimed_until == run.lease_until)
    if not Notification.update(**fields).where(ours).execute():
        log.warning("outbox row %s was claimed by another sender meanwhile", row.id)
        return False
    return True


def _release(run: _Run, rows: list[Notification]) -> int:
    for row in rows:
        _update(run, row, claimed_until=None)
    return len(rows)


def record_template_report(member_id: int, msgid: str, status: str) -> int:
    """Record a TEMPLATESENDJOBFINISH report on the template send it names; returns how many
    rows matched. Searches the member's latest template sends (an index, not a scan)."""
    recent = (
        Notification.select()
        .where((Notification.member == member_id) & (Notification.channel == "oa_template"))
        .order_by(Notification.created_at.desc())
        .limit(REPORT_WINDOW)
    )
    matched = [row for row in recent if str((row.payload or {}).get("msgid")) == msgid]
    for row in matched:
        fields = {"payload": {**row.payload, "delivery": status}}
        if status != "success":
            fields |= {"status": "failed", "last_error": delivery_failure_text(status)}
        Notification.update(**fields).where(Notification.id == row.id).execute()
    return len(matched)
