"""Checking and converting the fields of an activity a leader or the office schedules:
lengths, choices, ranges, times and the point (stored in GCJ-02)."""

import unicodedata
from datetime import datetime, timedelta

from models import Community
from models.activity import CATEGORIES, KINDS
from models.roster import COORD_TYPES

from . import field_labels, geo
from .errors import Invalid

MAX_DURATION, MAX_LEAD = timedelta(hours=24), timedelta(days=366)
RANGES = {"capacity": (1, 200, "人数上限"), "radius_m": (20, 5000, "签到范围（米）")}
TEXTS = {"title": (1, 100, "标题"), "place": (0, 200, "地点"), "description": (0, 2000, "说明")}
CHOICES = {"category": (CATEGORIES, "活动类别"), "kind": (KINDS, "活动形式")}
UPDATE_FIELDS = frozenset(
    {*TEXTS, *RANGES, *CHOICES, "starts_at", "ends_at", "lat", "lng", "coord"}
)
CREATE_FIELDS = UPDATE_FIELDS | {"team_id", "community_id", "member_ids"}
POINT = ("lat", "lng", "coord_type")
# The API gives a point to 6 decimals (about 0.1 m): a point sent back within this of the
# stored one, both in GCJ-02, is the same point, not a move.
SAME_POINT_DEGREES = 1e-6


def only(fields: dict, allowed: frozenset) -> None:
    names = sorted(set(fields) - allowed)
    if names:
        raise Invalid(field_labels.unknown(names), "unknown_field")


def defaults(community: Community | None) -> dict:
    values = {"category": "other", "kind": "centralised", "description": "", "place": ""}
    values |= {"lat": None, "lng": None, "coord_type": "gcj02", "capacity": None, "radius_m": None}
    if community is not None:
        lat, lng = geo.to_gcj02(community.lat, community.lng, community.coord_type)
        place = community.address or community.name
        values |= {"lat": lat, "lng": lng, "radius_m": community.radius_m, "place": place}
    return values


def converted(fields: dict) -> dict:
    """Request fields as column values: texts trimmed, the point in GCJ-02."""
    values = {k: fields[k] for k in fields.keys() & ({"starts_at", "ends_at"} | set(RANGES))}
    values |= {k: fields[k] for k in fields.keys() & set(CHOICES)}
    values |= {k: text(k, fields[k], *TEXTS[k]) for k in fields.keys() & set(TEXTS)}
    if fields.keys() & {"lat", "lng", "coord"}:
        lat, lng = point(fields.get("lat"), fields.get("lng"), fields.get("coord") or "gcj02")
        values |= {"lat": lat, "lng": lng, "coord_type": "gcj02"}
    return values


def changes(before: dict, values: dict) -> dict:
    """The columns `values` changes from `before` (both whole column dicts), by value: a form
    sent back whole changes only what differs. `values` come from `converted`, so times are
    compared as parsed and the point in GCJ-02, as one point (within SAME_POINT_DEGREES)."""
    changed = {k: v for k, v in values.items() if k not in POINT and v != before[k]}
    if not _same_point(before, values):
        changed |= {k: values[k] for k in POINT if values[k] != before[k]}
    return changed


def _same_point(a: dict, b: dict) -> bool:
    if None in (a["lat"], a["lng"], b["lat"], b["lng"]):
        return (a["lat"], a["lng"]) == (b["lat"], b["lng"])
    p, q = (geo.to_gcj02(s["lat"], s["lng"], s["coord_type"]) for s in (a, b))
    return all(abs(x - y) <= SAME_POINT_DEGREES for x, y in zip(p, q, strict=True))


def point(lat: float | None, lng: float | None, coord: str) -> tuple[float, float]:
    if lat is None or lng is None:
        raise Invalid("请同时提供纬度 lat 和经度 lng。", "bad_coordinates")
    if coord not in COORD_TYPES:
        raise Invalid("坐标系 coord 须为 gcj02 或 wgs84。", "bad_coord_type")
    if not geo.is_on_earth(lat, lng):
        raise Invalid("坐标不正确：纬度须在 ±90、经度须在 ±180 之内。", "bad_coordinates")
    if not geo.is_in_china(lat, lng):
        raise Invalid("活动地点须在中国境内。", "outside_china")
    return geo.to_gcj02(lat, lng, coord)


def check(values: dict, now: datetime, times_changed: bool, ended: bool = False) -> None:
    """Refuse values an activity cannot have; new times must lie ahead, except in a
    correction of an ended activity (by the office), whose times must stay in the past: moved
    ahead, it would open again for enrolment and check-in beside the entries it has."""
    for name, (choices, label) in CHOICES.items():
        if values[name] not in choices:
            raise Invalid(f"{label}不正确，可选：{'、'.join(choices)}。", f"bad_{name}")
    for name, (low, high, label) in RANGES.items():
        if values[name] is not None and not low <= values[name] <= high:
            raise Invalid(f"{label}须在 {low} 到 {high} 之间。", f"bad_{name}")
    starts, ends = values["starts_at"], values["ends_at"]
    if not starts < ends:
        raise Invalid("结束时间须晚于开始时间。", "bad_times")
    if ends - starts > MAX_DURATION:
        raise Invalid("一次活动不能超过 24 小时。", "too_long")
    if times_changed and ended and ends > now:
        message = "已结束的活动只能更正为已经过去的时间；如需再次开展，请发布新的活动。"
        raise Invalid(message, "would_reopen")
    if times_changed and not ended and ends <= now:
        raise Invalid("活动的结束时间已经过去。", "in_the_past")
    if times_changed and starts > now + MAX_LEAD:
        raise Invalid("只能安排一年以内的活动。", "too_far_ahead")


def text(name: str, value: str, low: int, high: int, label: str) -> str:
    value = value.strip()
    if not low <= len(value) <= high:
        raise Invalid(f"{label}须为 {low} 到 {high} 个字。", f"bad_{name}")
    if any(_unfit(c, name in MULTILINE) for c in value):
        raise Invalid(f"{label}含有无效字符（如换行、控制符）。", f"bad_{name}")
    return value


# Only a description (or a cancellation's reason) may run over several lines; a title or
# place is one line in every list.
MULTILINE = frozenset({"description", "reason"})
LINE_BREAKS = frozenset("\n\r\t")
# Direction overrides and isolates can make a title read backwards in a member's chat.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _unfit(c: str, multiline: bool) -> bool:
    """NUL and lone surrogates cannot be stored (PostgreSQL refuses them, UTF-8 cannot say
    them); other control characters and direction overrides garble the lists a title is in."""
    if "\ud800" <= c <= "\udfff" or c in BIDI_CONTROLS:
        return True
    return unicodedata.category(c) == "Cc" and not (multiline and c in LINE_BREAKS)


def columns() -> tuple[str, ...]:
    return tuple(defaults(None)) + ("title", "starts_at", "ends_at")
