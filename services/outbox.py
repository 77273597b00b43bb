"""The outbox: every message to a person is written here first, then a sender delivers it.

The dedupe key names what a message is for (member + visit period, team + quarter + D-3), so
a job that runs twice, or two job processes at once, write one row and the sender sends it
once. Non-urgent messages written in quiet hours wait until the quiet hours end. A message
made useless before it went out (an assignment to an activity since cancelled) is withdrawn:
`skipped` with the reason (withdraw); one made out of date (an assignment to an activity since
moved) is rewritten (revise). A row a sender holds at that moment keeps the request
(held_change), and its sender honours it right before it sends; only a row already on its way
to WeChat then still goes as it was (Rewrite says which rows were held). One withdrawn whose
cause was undone (a reminder of an activity moved away from its time and back) is queued again
(requeue).

Payload convention (every kind; services/notification_texts.py renders it per channel):

    {"title": "走访提醒",                        # short Chinese title; default: the kind's name
     "body": "您已 30 天未走访结对家庭。",        # the text, or instead
     "lines": {"结对家庭": "张**家", "上次走访": "10月20日"},   # labelled values, in order
     "page": "pages/visit/index?id=3",         # optional mini-program page to open
     "time": "2026-12-01T02:00:00",            # optional: the time it is about (ISO, naive=UTC);
                                               # default: when it was queued
     "sender": "张三",                          # optional: who it is from
     "expires": "2026-12-01T01:00:00",         # optional: not sent after this (ISO, naive=UTC);
                                               # the sender marks it skipped, "已过期，未发送"
     "grant": "tmpl-id",                       # optional: a subscribe grant spent for it when
                                               # queued (services/held_grants.py)
     "reach": {"channel": "oa_template"},      # a broadcast's plan: the first channel, or
                                               # {"reason": "not_bound"} (broadcast_reach)
     "lead": "地点",                            # optional: the line a notification_texts.BRIEFS
                                               # kind's summary field shows, not the brief's
     ...}                                      # kind-specific extras, kept as they are

The sender adds "msgid" (WeChat's id of an OA template send, matched by its delivery report).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from models import Notification, db
from models.prepared import PreparedNewRows

from . import clock, held_grants
from .notification_texts import reason_text

BATCH = 500  # rows per INSERT; keeps big reminder runs to a handful of statements


@dataclass(frozen=True)
class Message:
    """One message to enqueue. member_id None addresses the office's inbox."""

    member_id: int | None
    kind: str
    payload: dict
    dedupe_key: str
    urgent: bool = False
    broadcast_id: int | None = None


def parse_quiet_hours(text: str) -> tuple[time, time] | None:
    """'21:00-08:00' -> (21:00, 08:00); 'off' -> None. Validated by the settings."""
    if text == "off":
        return None
    start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    return start, end


def deliver_after(now: datetime, quiet_hours: str, urgent: bool) -> datetime:
    """When a message written at `now` (naive UTC) may first be sent: now, or the end of the
    quiet hours (Shanghai time) it falls in."""
    window = parse_quiet_hours(quiet_hours)
    if urgent or window is None:
        return now
    start, end = window
    local = clock.to_local(now)
    wall = local.time().replace(tzinfo=None)
    inside = (start <= wall or wall < end) if start > end else (start <= wall < end)
    if not inside:
        return now
    day = local.date() if wall < end else local.date() + timedelta(days=1)
    return clock.to_utc(datetime.combine(day, end))


def is_quiet(now: datetime, quiet_hours: str) -> bool:
    """Whether `now` (naive UTC) falls in the quiet hours: a message that is not urgent would
    wait."""
    return deliver_after(now, quiet_hours, urgent=False) != now


_NEW_ROWS = PreparedNewRows(
    Notification,
    [
        "member",
        "broadcast",
        "kind",
        "payload",
        "dedupe_key",
        "urgent",
        "status",
        "next_attempt_at",
        "created_at",
    ],
)


def enqueue(messages: list[Message], now: datetime, quiet_hours: str) -> int:
    """Write messages whose dedupe key is new; returns how many were new. Safe to repeat and
    to run from two processes at once: the unique key decides, not a read beforehand."""
    due = {urgent: deliver_after(now, quiet_hours, urgent) for urgent in (False, True)}
    rows = [_row(m, now, due[m.urgent]) for m in messages]
    with db.atomic():
        return sum(_NEW_ROWS.insert(rows[i : i + BATCH]) for i in range(0, len(rows), BATCH))


def _row(message: Message, now: datetime, due: datetime) -> dict:
    return {
        "member": message.member_id,
        "broadcast": message.broadcast_id,
        "kind": message.kind,
        "payload": message.payload,
        "dedupe_key": message.dedupe_key,
        "urgent": message.urgent,
        "status": "pending",
        "next_attempt_at": due,
        "created_at": now,
    }


def requeue(messages: list[Message], now: datetime, quiet_hours: str, reason: str) -> int:
    """Write again, as new, the rows of these messages withdrawn for `reason` (a
    notification_texts.REASONS code): what made them useless has been undone (an activity
    moved back to the time a reminder's key names). Returns how many. Each is one conditional
    UPDATE, so two runs at once requeue a row once; a row sent, waiting or ended otherwise
    stays as it is."""
    by_key = {m.dedupe_key: m for m in messages}
    withdrawn = (
        Notification.dedupe_key.in_(list(by_key))
        & (Notification.status == "skipped")
        & (Notification.last_error == reason_text("", reason))
    )
    rows = list(Notification.select(Notification.id, Notification.dedupe_key).where(withdrawn))
    return sum(
        _requeue(row.id, by_key[row.dedupe_key], withdrawn, now, quiet_hours) for row in rows
    )


#: The columns enqueue leaves to their defaults (models.Notification), with those defaults:
#: a row queued again gets them back, so it has all its attempts and no channel tried yet.
_UNTRIED = {
    "channel": "",
    "attempts": 0,
    "last_error": "",
    "claimed_until": None,
    "held_change": None,  # the withdrawal a sender honoured
    "sent_at": None,
}


def _requeue(row_id: int, message: Message, withdrawn, now: datetime, quiet_hours: str) -> int:
    """One withdrawn row written again as enqueue would write `message` now; 1 if it was
    still withdrawn."""
    fields = _row(message, now, deliver_after(now, quiet_hours, message.urgent)) | _UNTRIED
    return Notification.update(**fields).where((Notification.id == row_id) & withdrawn).execute()


def unclaimed(now: datetime):
    """Rows no sender holds at `now`: never claimed, or the claim's lease is over (a sender
    stops using its claims well before, services/outbox_delivery.py)."""
    return Notification.claimed_until.is_null() | (Notification.claimed_until < now)


@dataclass(frozen=True)
class Rewrite:
    """What a withdraw or a revise did. `rows`: the rows rewritten, as they were. `held`: the
    rows a sender held, asked to be rewritten by it right before it sends (held_change), as
    they were. A held row already on its way to WeChat when asked still goes as it was: WeChat
    cannot take back what it accepted, so only `rows` are surely withdrawn (or revised)."""

    rows: list[Notification]
    held: list[Notification]


WITHDRAW, REVISE = "withdraw", "revise"  # the kinds of held_change


def withdraw(dedupe_keys: list[str], now: datetime, reason: str) -> Rewrite:
    """Mark the pending rows of these keys `skipped` for `reason` (a notification_texts.REASONS
    code): at once when no sender holds them, else by their sender before it sends (_rewrite).
    A subscribe grant the row held goes back to the member, as when the sender ends a row."""

    def ended(row: Notification) -> dict:
        payload, _ = held_grants.release(row.payload)
        return {"status": "skipped", "last_error": reason_text("", reason), "payload": payload}

    def give_back(row: Notification) -> None:
        held_grants.give_back(row.member_id, held_grants.release(row.payload)[1], now)

    return _rewrite(dedupe_keys, now, {WITHDRAW: reason}, ended, give_back)


def revise(dedupe_keys: list[str], now: datetime, payload: dict, urgent: bool) -> Rewrite:
    """Give the pending rows of these keys a new payload: at once when no sender holds them,
    else by their sender before it sends (_rewrite); a row asked to be withdrawn stays so. A
    subscribe grant a row holds stays with it. `urgent`: the news cannot wait for the quiet
    hours any more (an activity moved closer), so a row that waited goes at once."""

    def revised(row: Notification) -> dict:
        values = {"payload": revised_payload(row, payload), "held_change": None}
        if urgent and not row.urgent:
            values |= {"urgent": True, "next_attempt_at": min(row.next_attempt_at, now)}
        return values

    return _rewrite(dedupe_keys, now, {REVISE: payload, "urgent": urgent}, revised)


def revised_payload(row: Notification, payload: dict) -> dict:
    """`payload` for the row, with the subscribe grant the row holds (it stays with the row)."""
    key = held_grants.KEY
    return payload | ({key: row.payload[key]} if held_grants.held(row.payload) else {})


def _rewrite(
    dedupe_keys: list[str],
    now: datetime,
    change: dict,
    values: Callable[[Notification], dict],
    then: Callable[[Notification], None] | None = None,
) -> Rewrite:
    """Write `values(row)` to each pending row of these keys that no sender holds, then call
    `then(row)`; write `change` as the held_change of each one a sender holds, for it to honour
    before it sends (services/outbox_delivery.py).

    Safe beside the sender: each write is one conditional UPDATE. The rewrite is on the
    condition a sender claims by, so a row is either rewritten here or claimed there, never
    both; the held_change needs only that the row is pending, so a sender that gives the row
    back just before still leaves it to be honoured by the next. A withdrawal asked before is
    never undone by a revision, nor one asked meanwhile (a revision writes only over the
    held_change it read)."""
    pending = Notification.dedupe_key.in_(dedupe_keys) & (Notification.status == "pending")
    rows = list(Notification.select().where(pending).order_by(Notification.id))
    written, held = [], []
    with db.atomic():
        for row in rows:
            if REVISE in change and WITHDRAW in (row.held_change or {}):
                continue
            mine = (Notification.id == row.id) & (Notification.status == "pending")
            if REVISE in change:  # not over a change asked meanwhile (a withdrawal wins)
                mine &= _same_change(row.held_change)
            if Notification.update(**values(row)).where(mine & unclaimed(now)).execute():
                if then is not None:
                    then(row)
                written.append(row)
            elif _ask_holder(row, change, mine):
                held.append(row)
    return Rewrite(written, held)


def _ask_holder(row: Notification, change: dict, mine) -> bool:
    """Leave `change` on a row a sender holds; a withdrawal asked before stands as it was."""
    asked = row.held_change if WITHDRAW in (row.held_change or {}) else change
    return bool(Notification.update(held_change=asked).where(mine).execute())


def _same_change(change: dict | None):
    """The row still has the held_change read with it (JSON text written by one encoder)."""
    if change is None:
        return Notification.held_change.is_null()
    return Notification.held_change == change


def held_change(notification_id: int) -> dict | None:
    """The change asked of a row while a sender held it, read fresh: what its sender honours
    right before it sends (one read by key)."""
    query = Notification.select(Notification.held_change).where(Notification.id == notification_id)
    found = query.first()
    return found.held_change if found else None
