"""The office's view of the outbox: messages that reached nobody (skipped: no channel could
reach the member) or gave up (failed: WeChat kept refusing), with the reason, so someone can
tell the member another way or fix the setup; and the office's own inbox, the messages
addressed to it (no member: late reports, spot-check samples, overdue visits in a team
without a leader, urgent notices sent in the quiet hours), which the sender never delivers.
An inbox message stays `pending` until the office reads it; then it is `sent`, with sent_at
as the time it was read. A message about register entries (payload `record_ids`: the
spot-check sample) names each of them when it is read, not when it is stored: messages
already in the inbox read the same, and an entry's current state is shown."""

from dataclasses import dataclass
from datetime import UTC, datetime

import peewee as pw

from models import Member, Notification, SpotCheck, Team

from .actors import Actor
from .entry_labels import EntryLabel, label_entries
from .errors import Forbidden, Invalid, NotFound
from .notification_texts import kind_name, reason_text
from .rows import check_page, is_id
from .spot_check_results import sampled_in

STATUSES = ("failed", "skipped")
# Messages withdrawn on purpose (an assignment to an activity cancelled before it went out, a
# rejection decided otherwise since: services.member_notices; a change notice a newer one
# replaced: services.change_notices; a notice about a place a member gave up on leaving:
# services.roster_seats, or on leaving the activity: services.activities.unenroll; a change
# notice whose news the member's assignment carried: services.change_notices; a cancellation
# of an assignment withdrawn unsent: services.member_notices) did not fail to reach anyone: not
# the office's problem.
WITHDRAWN = tuple(
    reason_text("", why)
    for why in (
        "activity_cancelled",
        "decision_changed",
        "activity_changed_again",
        "activity_changed",
        "member_left",
        "left_activity",
        "told_in_assignment",
        "assignment_withdrawn",
    )
)
PAGE_DEFAULT, PAGE_MAX = 50, 200


@dataclass(frozen=True)
class Problem:
    """One undelivered message and who it was for."""

    id: int
    kind: str
    kind_name: str
    status: str
    channel: str
    reason: str
    attempts: int
    created_at: datetime
    member_id: int
    member_name: str
    team_name: str | None


def problems(
    actor: Actor, status: str | None = None, limit: int = PAGE_DEFAULT, offset: int = 0
) -> tuple[list[Problem], int]:
    """Failed and skipped messages, newest first (one status, or both); with the total."""
    _require_office(actor, "只有办公室可以查看发送失败的消息。")
    if status is not None and status not in STATUSES:
        raise Invalid("status 应为 failed 或 skipped。", "bad_filter")
    check_page(limit, offset, PAGE_MAX)
    wanted = Notification.status.in_([status] if status else STATUSES)
    wanted &= Notification.last_error.is_null() | Notification.last_error.not_in(WITHDRAWN)
    query = (
        Notification.select(Notification, Member, Team)
        .join(Member)
        .join(Team, pw.JOIN.LEFT_OUTER)
        .where(wanted)
    )
    total = Notification.select().where(wanted & Notification.member.is_null(False)).count()
    page = query.order_by(Notification.created_at.desc(), Notification.id.desc())
    return [_problem(n) for n in page.limit(limit).offset(offset)], total


def _problem(n: Notification) -> Problem:
    m = n.member
    return Problem(
        n.id,
        n.kind,
        kind_name(n.kind, n.urgent),
        n.status,
        n.channel,
        n.last_error,
        n.attempts,
        n.created_at,
        m.id,
        m.name,
        m.team.name if m.team_id else None,
    )


# --- the office's inbox ------------------------------------------------------------------

READ, UNREAD = "sent", "pending"


@dataclass(frozen=True)
class InboxEntry:
    """A register entry a message is about, named for people, and its spot check if the
    entry was sampled (to record the result from the inbox)."""

    label: EntryLabel
    spot_check: SpotCheck | None


@dataclass(frozen=True)
class InboxItem:
    """One message to the office, as its payload tells it (services/outbox.py)."""

    id: int
    kind: str
    kind_name: str
    title: str
    body: str | None
    lines: list[tuple[str, str]]  # labelled values, in the order the payload was stored
    time: datetime  # the time it is about (naive UTC); when it was queued if the payload has none
    created_at: datetime
    read: bool
    read_at: datetime | None
    record_ids: list[int]  # the register entries it is about (payload 'record_ids'), to open
    entries: list[InboxEntry]  # those still in the register, named


def office_inbox(
    actor: Actor, unread_only: bool = False, limit: int = PAGE_DEFAULT, offset: int = 0
) -> tuple[list[InboxItem], int]:
    """Messages to the office, newest first (all, or only the unread); with the total."""
    _require_office(actor, "只有办公室可以查看办公室消息。")
    check_page(limit, offset, PAGE_MAX)
    wanted = Notification.member.is_null(True)
    if unread_only:
        wanted &= Notification.status == UNREAD
    query = Notification.select().where(wanted)
    page = query.order_by(Notification.created_at.desc(), Notification.id.desc())
    return _inbox_items(list(page.limit(limit).offset(offset))), query.count()


def mark_read(actor: Actor, notification_id: int, now: datetime) -> InboxItem:
    """Mark a message to the office read; again is a no-op that keeps the first read time."""
    _require_office(actor, "只有办公室可以处理办公室消息。")
    mine = (Notification.id == notification_id) & Notification.member.is_null(True)
    row = Notification.get_or_none(mine) if is_id(notification_id) else None
    if row is None:
        raise NotFound("消息不存在。", "notification_not_found")
    if row.status == UNREAD:
        Notification.update(status=READ, sent_at=now).where(
            mine & (Notification.status == UNREAD)
        ).execute()
        row = Notification.get(mine)
    return _inbox_items([row])[0]


def _inbox_items(rows: list[Notification]) -> list[InboxItem]:
    """The messages as the office reads them, the entries they name looked up together (two
    queries for the page)."""
    ids = {n.id: _record_ids(n.payload) for n in rows}
    wanted = [record_id for some in ids.values() for record_id in some]
    labels, checks = label_entries(wanted), sampled_in(wanted)
    named = {
        n.id: [InboxEntry(labels[i], checks.get(i)) for i in ids[n.id] if i in labels] for n in rows
    }
    return [_inbox_item(n, ids[n.id], named[n.id]) for n in rows]


def _record_ids(payload) -> list[int]:
    """The payload's 'record_ids' that can be ids, in their order, once each."""
    given = payload.get("record_ids") if isinstance(payload, dict) else None
    return list(dict.fromkeys(i for i in given if is_id(i))) if isinstance(given, list) else []


def _inbox_item(n: Notification, record_ids: list[int], entries: list[InboxEntry]) -> InboxItem:
    """A message with its stored lines, and a line naming each entry it is about: the lines
    are what every screen shows, and an id alone names nobody."""
    payload = n.payload if isinstance(n.payload, dict) else {}
    lines = payload.get("lines")
    stored = [(str(k), str(v)) for k, v in lines.items()] if isinstance(lines, dict) else []
    body = payload.get("body")
    return InboxItem(
        n.id,
        n.kind,
        kind_name(n.kind),
        str(payload.get("title") or kind_name(n.kind)),
        str(body) if body not in (None, "") else None,
        stored + [(f"记录 #{e.label.id}", e.label.text) for e in entries],
        _about(payload.get("time"), n.created_at),
        n.created_at,
        n.status == READ,
        n.sent_at if n.status == READ else None,
        record_ids,
        entries,
    )


def _about(value, created_at: datetime) -> datetime:
    """The payload's 'time' (ISO 8601, naive = UTC) as naive UTC, or created_at."""
    if not isinstance(value, str):
        return created_at
    try:
        moment = datetime.fromisoformat(value)
        moment = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    except (ValueError, OverflowError):
        return created_at
    return moment if 1900 < moment.year < 9999 else created_at


def _require_office(actor: Actor, message: str) -> None:
    if not actor.is_office:
        raise Forbidden(message, "office_only")
