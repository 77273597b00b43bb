"""What every chat handler needs: the time, the settings, the acting member, replies that fit
WeChat's text limit, and customer-service messages for results that come after the reply."""

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from services import clock, geo, records, review
from services.actors import Actor
from services.checkin_rules import CheckinRules, Point
from services.errors import Invalid
from services.record_names import DECIDER_NAMES

from .. import deferred, texts
from ..inbound import Inbound, Reply

MAX_TEXT_BYTES = 2000  # WeChat cuts passive text at about 2048 UTF-8 bytes
# Positions in the chat come from WeChat's own map picker, which uses GCJ-02 in China.
CHAT_COORD = "gcj02"


def now() -> datetime:
    return clock.now_utc()


def settings():
    return current_app.config["SETTINGS"]


def rules() -> CheckinRules:
    return CheckinRules.from_settings(settings())


def photo_root() -> Path:
    return Path(settings().storage.photo_dir)


def actor(member) -> Actor:
    return Actor(member=member)


def moment(create_time: int) -> datetime:
    """A push's epoch CreateTime as the naive UTC the database stores."""
    return datetime.fromtimestamp(create_time, UTC).replace(tzinfo=None)


def is_place(lat: float | None, lng: float | None) -> bool:
    """Whether a pushed position is a place on Earth: a push may carry an unreadable or
    out-of-range Location_X (the parser gives None for the former), which no step could use."""
    return lat is not None and lng is not None and geo.is_on_earth(lat, lng)


def point_of(message: Inbound) -> dict:
    """The position of a location message as plain values (kept in ChatState)."""
    return {"lat": message.lat, "lng": message.lng, "coord": CHAT_COORD, "accuracy_m": None}


def to_point(values: dict) -> Point:
    return Point(**values)


def fit(text: str, limit: int = MAX_TEXT_BYTES) -> str:
    """The text cut to the byte limit, ending with a pointer to the mini-program if cut."""
    if len(text.encode()) <= limit:
        return text
    tail = "\n" + texts.MORE_IN_MINI_PROGRAM
    room = limit - len(tail.encode())
    return text.encode()[:room].decode(errors="ignore").rstrip() + tail


def listing(header: str, lines: list[str], footer: str = "") -> str:
    """Header, as many whole lines as fit, a pointer when some were left out, and footer."""
    tail = ("\n" + footer) if footer else ""
    more = "\n" + texts.MORE_IN_MINI_PROGRAM
    shown, size = [header], len((header + tail + more).encode())
    for line in lines:
        size += len(line.encode()) + 1
        if size > MAX_TEXT_BYTES:
            return "\n".join(shown) + more + tail
        shown.append(line)
    return "\n".join(shown) + tail


def pieces(text: str, marker: str = "", limit: int = MAX_TEXT_BYTES) -> list[str]:
    """The text in parts of at most `limit` UTF-8 bytes each, cut at a line's end when one is
    in the part's second half, never inside a character. With more than one part, each
    ends with `marker` filled in ({n}/{count}), within the limit too."""
    room = limit - len(marker.format(n=99, count=99).encode())
    parts = []
    while len(text.encode()) > room:
        head = text.encode()[:room].decode(errors="ignore")
        cut = head.rfind("\n")
        cut = cut if cut > len(head) // 2 else len(head)
        parts.append(head[:cut])
        text = text[cut:].lstrip("\n")
    parts.append(text)
    if len(parts) == 1:
        return parts
    return [p + marker.format(n=n, count=len(parts)) for n, p in enumerate(parts, 1)]


def say(text: str) -> Reply:
    return Reply(fit(text))


def local_time(moment_utc: datetime, pattern: str = "%H:%M") -> str:
    return clock.to_local(moment_utc).strftime(pattern)


def time_span(starts_at: datetime, ends_at: datetime) -> str:
    """When an activity runs, in local time: the hours, with the dates when it runs past its
    day (the demo's practice activity, open 30 days from midnight, read 「00:00-00:00」)."""
    if clock.to_local(starts_at).date() == clock.to_local(ends_at).date():
        return texts.SPAN_HOURS.format(start=local_time(starts_at), end=local_time(ends_at))
    start, end = (local_time(at, "%m-%d %H:%M") for at in (starts_at, ends_at))
    return texts.SPAN_DAYS.format(start=start, end=end)


def send(openid: str, text: str) -> None:
    """A customer-service message to the user: the result of work done after replying."""
    deferred.send_text(openid, fit(text))


def answer_problem(
    field: str, answer: str, label: str, stored: Callable[[str], str] = str
) -> str | None:
    """Why an answer can't go into the register's `field` (as `stored` puts it there), told
    in terms of the answer the member typed; None when it fits. Asked when the answer comes,
    so a long one is sent again instead of failing once the conversation is over."""
    limit = review.TEXT_LIMITS[field]
    try:
        review.clean_text(field, stored(answer), limit, label)
    except Invalid as exc:
        if exc.code != "text_too_long":
            return exc.message
        room = limit - len(stored(""))
        return texts.ANSWER_TOO_LONG.format(label=label, room=room, count=len(answer))
    return None


def reviewer(record) -> str:
    """Who reviews the entry, in words, as the API's awaiting_review_by names them (the
    office, for a leader's own entry); '' when it waits for nobody."""
    return DECIDER_NAMES.get(records.awaiting_review_by(record), "")


def record_label(record) -> str:
    """How the chat names a register entry: its activity's title, else its kind's name, so an
    individual service is never shown as a visit. Takes a ServiceRecord or a
    services.summary.OpenCheckin (which carries its activity's title already)."""
    title = getattr(record, "activity_title", None)
    if title is None and record.activity_id is not None:
        title = record.activity.title
    return title or texts.KIND_TITLES[record.kind]


DIGITS = dict(zip("一二三四五六七八九", range(1, 10), strict=True))


def position(text: str) -> int | None:
    """The place in the list a reply names: 3, ３, 三, 十二, 第十五个, 第3项, 第2条 or 第一个吧.
    Nothing else counts, so a sentence with a digit in it (「我要取消报名1」) never enrols by
    mistake, and two numbers (「报名 1 2」) are no number: run together they would name a third.
    """
    plain = unicodedata.normalize("NFKC", text or "").strip()  # ３ is 3
    core = plain.removeprefix("第").lstrip().rstrip("个项号条吧啊呀。.!！ ")
    if core.isascii() and core.isdigit() and len(core) <= 3:  # no list is longer
        return int(core)
    return chinese_number(core)


# A reply meant as a number, even one naming no place in a list (-1, 1.5, 100000, 第两百条).
NUMBERISH = re.compile(
    r"第?\s*[-+]?[\d.,一二两三四五六七八九十百千万零]+\s*[个项号条]?[吧啊呀。!！]?"
)


def is_numberish(text: str) -> bool:
    """Whether a reply is meant as a number (`position` may still find no place in it)."""
    plain = unicodedata.normalize("NFKC", text or "").strip()
    return NUMBERISH.fullmatch(plain) is not None


def chinese_number(text: str) -> int | None:
    """一 to 九十九 as people write them (十二, 二十, 二十五); None for anything else (一百,
    十十, 一二): no list shown in the chat is that long, and a guess could pick wrongly."""
    tens, ten, units = text.partition("十")
    if not ten:
        return DIGITS.get(text)
    if tens and tens not in DIGITS or units and units not in DIGITS:
        return None
    return DIGITS.get(tens, 1) * 10 + DIGITS.get(units, 0)


EXCERPT_CHARS = 20


def excerpt(text: str) -> str:
    """The start of a text, enough to recognise it in a reply."""
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "…"
