"""Where a multi-step conversation with one openid stands, kept in ChatState.

One row per openid holds the conversation (`state`, its `data`, `expires_at`) and, beside it
in `data`, what outlives a conversation (KEPT): the last position the user reported
(LOCATION events and location messages), the last photo sent for a check-in or visit
(wechat.chat.photo_check), the command just suggested (SUGGESTED) and the notices just
listed (LISTED_NOTICES), so no column is needed for them. An idle row has state ''. A
conversation older than TIMEOUT is forgotten: the user starts again instead of answering a
stale question. Its row still says where it stood until another conversation replaces it or
取消 ends it, so for LAPSED_FOR after it timed out (`lapsed`) a late answer is told that the
step timed out and how to start again, instead of being taken for something else (a visit's
location for an activity's check-in).
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import peewee

from models import ChatState
from models.prepared import Prepared

TIMEOUT = timedelta(minutes=10)
LAPSED_FOR = timedelta(hours=2)
LOCATION_MAX_AGE = timedelta(minutes=30)
LAST_LOCATION, LAST_PHOTO = "last_location", "last_photo"
# The one command a 'not understood' suggested (「您是想签到吗？」): a yes to it, the very
# next message, starts it (wechat.text_route); any other message forgets it (wechat.router).
SUGGESTED = "suggested"
SUGGESTION_FOR = timedelta(minutes=5)
# A location sent with nothing under way (「已收到您的位置」), kept a few minutes for a photo
# sent right after it: a member who sends the location first is not asked for it again.
STRAY_LOCATION = "stray_location"
STRAY_LOCATION_FOR = timedelta(minutes=5)
# The notices just listed (「通知」: wechat.chat.notices), by id in the list's order: the very
# next message, a lone number, reads one (「2」, 「第2条」) within TIMEOUT, as 「通知 2」 does.
LISTED_NOTICES = "listed_notices"
# Survive a conversation's end.
KEPT = (LAST_LOCATION, LAST_PHOTO, SUGGESTED, STRAY_LOCATION, LISTED_NOTICES)
# Reads and conditional writes of a row (_write): one more after a write in between, and a
# spare for a second one.
WRITE_ATTEMPTS = 3

log = logging.getLogger(__name__)

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
    return _conversation(row)


def _conversation(row: ChatState) -> Conversation:
    data = {k: v for k, v in row.data.items() if k not in KEPT}
    return Conversation(row.state, data, row.openid)


def lapsed(openid: str, now: datetime) -> Conversation | None:
    """The conversation that timed out within LAPSED_FOR, nothing having replaced or ended it
    since, or None."""
    return lapsed_of_row(_ROW.first(openid=openid), now)


def lapsed_of_row(row: ChatState | None, now: datetime) -> Conversation | None:
    """The timed-out conversation an already loaded row holds (see `lapsed`)."""
    if row is None or not row.state or not now - LAPSED_FOR < row.expires_at <= now:
        return None
    return _conversation(row)


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
    keep(openid, LAST_LOCATION, where, now)


def last_location(openid: str, now: datetime) -> dict | None:
    """The last position reported within LOCATION_MAX_AGE, as {'lat', 'lng', 'precision'}."""
    where = kept(openid, LAST_LOCATION)
    if not where or datetime.fromisoformat(where["at"]) < now - LOCATION_MAX_AGE:
        return None
    return where


def keep_stray_location(openid: str, point: dict, now: datetime) -> None:
    """Keep a location that answered nothing, for a photo sent just after it."""
    keep(openid, STRAY_LOCATION, {"point": point, "at": now.isoformat()}, now)


def take_stray_location(openid: str, now: datetime) -> dict | None:
    """The point of a location kept within STRAY_LOCATION_FOR (then forgotten: it serves one
    photo), or None."""
    found = kept(openid, STRAY_LOCATION)
    if not found:
        return None
    keep(openid, STRAY_LOCATION, None, now)
    fresh = datetime.fromisoformat(found["at"]) >= now - STRAY_LOCATION_FOR
    return found["point"] if fresh else None


def suggest(openid: str, command: str, now: datetime) -> None:
    """Keep the command just suggested, for a yes to it."""
    keep(openid, SUGGESTED, {"command": command, "at": now.isoformat()}, now)


def suggested(row: ChatState | None, now: datetime) -> str | None:
    """The command an already loaded row says was suggested within SUGGESTION_FOR, or None."""
    found = row.data.get(SUGGESTED) if row is not None else None
    if not found or datetime.fromisoformat(found["at"]) < now - SUGGESTION_FOR:
        return None
    return found["command"]


def list_notices(openid: str, ids: list[int], now: datetime) -> None:
    """Keep the notices just listed, for a number sent next."""
    keep(openid, LISTED_NOTICES, {"ids": ids, "at": now.isoformat()}, now)


def listed_notices(row: ChatState | None, now: datetime) -> list[int] | None:
    """The notices an already loaded row says were listed within TIMEOUT, or None."""
    found = row.data.get(LISTED_NOTICES) if row is not None else None
    if not found or datetime.fromisoformat(found["at"]) < now - TIMEOUT:
        return None
    return found["ids"]


def forget(openid: str, keys: tuple[str, ...], now: datetime) -> None:
    """Drop these kept values (KEPT) in one write, leaving any conversation as it is."""

    def update(_kept: dict, row: ChatState | None):
        data = {k: v for k, v in (row.data if row is not None else {}).items() if k not in keys}
        return (row.state, data, row.expires_at) if row is not None else ("", data, now)

    _write(openid, now, update, whole_row=True)


def keep(openid: str, key: str, value: dict | None, now: datetime) -> None:
    """Keep (None: drop) one of the values that outlive a conversation (KEPT), leaving any
    conversation as it is."""

    def update(_kept: dict, row: ChatState | None):
        data = {k: v for k, v in (row.data if row is not None else {}).items() if k != key}
        if value is not None:
            data[key] = value
        if row is None:
            return "", data, now
        return row.state, data, row.expires_at

    _write(openid, now, update, whole_row=True)


def kept(openid: str, key: str) -> dict | None:
    """One of the values kept beside the conversation (KEPT), or None."""
    row = ChatState.get_or_none(ChatState.openid == openid)
    return row.data.get(key) if row is not None else None


def _write(openid: str, now: datetime, values, whole_row: bool = False) -> None:
    """Insert or update the openid's row. An update holds only while the row is as it was
    read (compare-and-set on state, data and expires_at): a write in between is read again
    and kept, not undone. A photo's check forgetting its photo in a background thread
    (wechat.chat.photo_check) while the member answers the visit's questions would otherwise
    write back the step it read and undo the answer. A concurrent insert is updated instead."""
    seen = None
    for _ in range(WRITE_ATTEMPTS):
        row = ChatState.get_or_none(ChatState.openid == openid)
        kept = {k: row.data[k] for k in KEPT if k in row.data} if row is not None else {}
        state, data, expires_at = values(kept, row) if whole_row else values(kept)
        if row is None:
            try:
                ChatState.create(openid=openid, state=state, data=data, expires_at=expires_at)
                return
            except peewee.IntegrityError:
                continue
        # The same values read twice and still no match: the stored text differs only in
        # form from how it is written (spacing in the JSON), so nothing came in between.
        same = seen == (row.state, row.data, row.expires_at)
        if _swap(row, state, data, expires_at, unconditional=same):
            return
        seen = (row.state, row.data, row.expires_at)
    log.warning("chat state of %s not written: changed under every attempt", openid)


def _swap(row: ChatState, state: str, data: dict, expires_at: datetime, unconditional=False):
    """Write the new values when the row still holds what `row` read (or, `unconditional`,
    in any case); False when it did not."""
    unchanged = ChatState.id == row.id
    if not unconditional:
        unchanged &= (
            (ChatState.state == row.state)
            & (ChatState.data == row.data)
            & (ChatState.expires_at == row.expires_at)
        )
    query = ChatState.update(state=state, data=data, expires_at=expires_at).where(unchanged)
    return query.execute() == 1
