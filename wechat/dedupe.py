"""Durable deduplication of WeChat's retries: the work is done once, every retry gets its reply.

WeChat re-sends a push it got no answer to within 5 s, up to three times, possibly to another
worker while the first is still busy. The first delivery inserts the InboundMessage row (the
unique dedupe_key decides the winner across processes), runs the handler and stores the reply
text; a retry waits a little for that text and answers with it, or 'success' if it is late.

These rows are written without waiting for the disk, one statement each: SQLite in WAL never
waits, and on PostgreSQL the statement turns synchronous_commit off for its own transaction
(set_config(..., is_local) in a CTE; BEGIN, SET LOCAL, INSERT, COMMIT took four round trips).
The work a push does commits durably after its claim, which makes the claim durable too (WAL
is flushed in order); a claim lost with a crashed database server means the work was lost
with it and is redone; a lost reply makes a retry answer 'success'; a pure push's reply is
simply worked out again.
"""

from __future__ import annotations

import time
from functools import partial

import peewee

from models import InboundMessage, db
from models.prepared import Prepared
from services import clock

#: How long a retry waits for the first delivery's reply (WeChat gives up after 5 s).
WAIT_SECONDS = 4.0
POLL_SECONDS = 0.05


def _relaxed() -> peewee.CTE:
    """A CTE that turns synchronous_commit off for the transaction it runs in (PostgreSQL)."""
    setting = peewee.fn.set_config("synchronous_commit", "off", True)
    return peewee.Select(columns=[setting]).cte("relaxed")


def _claim(p, relaxed: bool) -> peewee.Insert:
    values = {
        InboundMessage.dedupe_key: p.key,
        InboundMessage.openid: p.openid,
        InboundMessage.msg_type: p.msg_type,
        InboundMessage.reply: p.reply,
        InboundMessage.received_at: p.at,
    }
    if not relaxed:
        return InboundMessage.insert(values).on_conflict_ignore()
    cte = _relaxed()
    source = peewee.Select([cte], list(values.values())).with_cte(cte)
    return InboundMessage.insert_from(source, list(values)).on_conflict_ignore()


def _save_reply(p, relaxed: bool) -> peewee.Update:
    query = InboundMessage.update(reply=p.text).where(InboundMessage.dedupe_key == p.key)
    if not relaxed:
        return query
    cte = _relaxed()
    return query.from_(cte).with_cte(cte)


def _by_relaxing(build) -> dict[bool, Prepared]:
    """The statement, by whether it relaxes its own commit: only on PostgreSQL, and only when it
    is its own transaction (inside a caller's, set_config would relax all the caller's work)."""
    return {relaxed: Prepared(partial(build, relaxed=relaxed)) for relaxed in (False, True)}


_CLAIM = _by_relaxing(_claim)
_SAVE_REPLY = _by_relaxing(_save_reply)
_STORED_REPLY = Prepared(
    lambda p: (
        InboundMessage.select(InboundMessage.reply)
        .where(InboundMessage.dedupe_key == p.key)
        .limit(1)
    )
)


def claim(key: str, openid: str, msg_type: str, reply: str | None = None) -> bool:
    """Record a push as being handled (or, with `reply`, as answered); False when another
    delivery already did.

    One INSERT ... ON CONFLICT DO NOTHING: the unique key picks the winner atomically, in
    a single round trip, without an IntegrityError to recover from."""
    inserted = _CLAIM[_may_relax()].rowcount(
        key=key, openid=openid[:64], msg_type=msg_type[:40], reply=reply, at=clock.now_utc()
    )
    return inserted == 1


def save_reply(key: str, text: str) -> None:
    """Store the reply text a handled push got ('' for 'success'), for its retries."""
    _SAVE_REPLY[_may_relax()].rowcount(key=key, text=text)


def _may_relax() -> bool:
    return isinstance(db.obj, peewee.PostgresqlDatabase) and not db.in_transaction()


def stored_reply(key: str) -> str | None:
    """The reply the first delivery stored, or None while it is still being handled."""
    row = _STORED_REPLY.first(key=key)
    return None if row is None else row.reply


def wait_for_reply(key: str, timeout: float = WAIT_SECONDS) -> str | None:
    """Poll for the first delivery's reply for up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        reply = stored_reply(key)
        if reply is not None or time.monotonic() >= deadline:
            return reply
        time.sleep(POLL_SECONDS)
