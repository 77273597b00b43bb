"""Durable deduplication of WeChat's retries: the work is done once, every retry gets its reply.

WeChat re-sends a push it got no answer to within 5 s, up to three times, possibly to another
worker while the first is still busy. The first delivery inserts the InboundMessage row (the
unique dedupe_key decides the winner across processes), runs the handler and stores the reply
text; a retry waits a little for that text and answers with it, or 'success' if it is late.

These rows are written without waiting for the disk: SQLite in WAL never waits, and on
PostgreSQL the table is UNLOGGED (schema step 5), so an INSERT is one statement whose commit
skips the WAL flush. A crash of a worker loses nothing; a crash of the database server
empties the table, which is safe: the work a push does commits durably after its claim, so a
claim lost with it means the work was lost too and is redone; a lost reply makes a retry
answer 'success'; a pure push's reply is simply worked out again.
"""

from __future__ import annotations

import time

from models import InboundMessage
from models.prepared import Prepared
from services import clock

#: How long a retry waits for the first delivery's reply (WeChat gives up after 5 s).
WAIT_SECONDS = 4.0
POLL_SECONDS = 0.05

_CLAIM = Prepared(
    lambda p: InboundMessage.insert(
        dedupe_key=p.key, openid=p.openid, msg_type=p.msg_type, reply=p.reply, received_at=p.at
    ).on_conflict_ignore()
)
_SAVE_REPLY = Prepared(
    lambda p: InboundMessage.update(reply=p.text).where(InboundMessage.dedupe_key == p.key)
)
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
    inserted = _CLAIM.rowcount(
        key=key, openid=openid[:64], msg_type=msg_type[:40], reply=reply, at=clock.now_utc()
    )
    return inserted == 1


def save_reply(key: str, text: str) -> None:
    """Store the reply text a handled push got ('' for 'success'), for its retries."""
    _SAVE_REPLY.rowcount(key=key, text=text)


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
