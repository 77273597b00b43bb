"""Where a multi-step conversation with one openid stands, kept in ChatState.

One row per openid holds the conversation (`state`, its `data`, `expires_at`) and, beside it
in `data['last_location']`, the last position the user reported (LOCATION events and
location messages), so no column is needed for it. An idle row has state ''. A conversation
older than TIMEOUT is forgotten: the user starts again instead of answering a stale question.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import peewee

from models import ChatState
from models.prepared import Prepared

TIMEOUT = timedelta(minutes=10)
LOCATION_MAX_AGE = timedelta(minutes=30)
KEPT = "last_location"  # survives the end of a conversation

_ROW = Prepared(lambda p: ChatState.select().where(ChatState.openid == p.openid).limit(1))


@dataclass(frozen=True)
class Conversation:
    """A live conversation; `openid` is whose it is, so a handler given only the conversation
    (wechat.chat.asides) can still move it on."""

    state: str
    data: dict = field(default_factory=dict)
    openid: str = ""


def current(openid: str, now: datetime) -> Conversation | None:
    """The live conversation, or None (none, ended or timed out)."""
    return of_row(_ROW.first(openid=openid), now)


def of_row(row: ChatState | None, now: datetime) -> Conversation | None:
    """The live conversation an already loaded row holds (see wechat.router's member query)."""
    if row is None or not row.state or row.expires_at <= now:
        return None
    data = {k: v for k, v in row.data.items() if k != KEPT}
    return Conversation(row.state, data, row.openid)


def start(openid: str, state: str, data: dict, now: datetime) -> None:
    """Enter (or move to) a step of a conversation; it lives TIMEOUT from now."""
    _write(openid, now, lambda kept: (state, {**data, **kept}, now + TIMEOUT))


def leave(openid: str, now: datetime) -> bool:
    """End any conversation; True when one was live."""
    live = current(openid, now) is not None
    ChatState.update(state="").where(ChatState.openid == openid).execute()
    return live


def remember_location(openid: str, lat: float, lng: float, precision, now: datetime) -> None:
    """Keep the last reported position, leaving any conversation as it is."""
    where = {"lat": lat, "lng": lng, "precision": precision, "at": now.isoformat()}

    def update(kept: dict, row: ChatState | None):
        if row is None:
            return "", {KEPT: where}, now
        return row.state, {**row.data, KEPT: where}, row.expires_at

    _write(openid, now, update, whole_row=True)


def last_location(openid: str, now: datetime) -> dict | None:
    """The last position reported within LOCATION_MAX_AGE, as {'lat', 'lng', 'precision'}."""
    row = ChatState.get_or_none(ChatState.openid == openid)
    where = row.data.get(KEPT) if row is not None else None
    if not where or datetime.fromisoformat(where["at"]) < now - LOCATION_MAX_AGE:
        return None
    return where


def _write(openid: str, now: datetime, values, whole_row: bool = False) -> None:
    """Insert or update the openid's row; a concurrent insert by a retry is updated instead."""
    for _ in range(2):
        row = ChatState.get_or_none(ChatState.openid == openid)
        kept = {KEPT: row.data[KEPT]} if row is not None and KEPT in row.data else {}
        state, data, expires_at = values(kept, row) if whole_row else values(kept)
        if row is not None:
            row.state, row.data, row.expires_at = state, data, expires_at
            row.save()
            return
        try:
            ChatState.create(openid=openid, state=state, data=data, expires_at=expires_at)
            return
        except peewee.IntegrityError:
            continue
