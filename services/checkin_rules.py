"""The check-in rules as plain values and pure functions: when a check-in is open, whether a
point is where the service happens, and whether the member could have travelled there.

Nothing here reads the database or the clock, so each rule is tested with plain numbers and
the same rules serve the mini-program and the chat.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import checkin_window, geo
from .errors import Conflict, Invalid

COORD_TYPES = ("wgs84", "gcj02")
TRAVEL_JITTER_KM = 1.0  # GPS jumps and a short walk are not travel; below this, no speed test


@dataclass(frozen=True)
class CheckinRules:
    """The configurable numbers of the check-in rules (settings.rules, settings.storage)."""

    radius_m: int = 300
    accuracy_cap_m: int = 200
    open_before_min: int = 30
    close_after_min: int = 30
    hard_limit_hours: float = 2  # beyond the window by more than this: refused, not flagged
    photo_time_tolerance_hours: float = 2
    max_speed_kmh: float = 120
    similar_max_bits: int = 8  # dHash bits two photos may differ in and still be "the same"
    max_duration_hours: float = 12
    min_duration_minutes: int = 5
    min_photo_side_px: int = 320
    max_photo_bytes: int = 10 * 1024 * 1024

    @classmethod
    def from_settings(cls, settings) -> "CheckinRules":
        """The rules from a Settings object."""
        values = {
            name: getattr(getattr(settings, section), key)
            for name, (section, key) in SETTINGS_KEYS.items()
        }
        values["max_photo_bytes"] *= 1024 * 1024
        return cls(**values)


# CheckinRules field -> (settings section, key).
SETTINGS_KEYS = {
    "radius_m": ("rules", "checkin_radius_m"),
    "accuracy_cap_m": ("rules", "accuracy_cap_m"),
    "open_before_min": ("rules", "checkin_open_before_min"),
    "close_after_min": ("rules", "checkin_close_after_min"),
    "hard_limit_hours": ("rules", "checkin_hard_limit_hours"),
    "photo_time_tolerance_hours": ("rules", "photo_time_tolerance_hours"),
    "max_speed_kmh": ("rules", "max_travel_speed_kmh"),
    "similar_max_bits": ("rules", "photo_similar_max_bits"),
    "max_duration_hours": ("rules", "max_service_hours"),
    "min_duration_minutes": ("rules", "min_service_minutes"),
    "min_photo_side_px": ("rules", "photo_min_side_px"),
    "max_photo_bytes": ("storage", "max_photo_mb"),
}


@dataclass(frozen=True)
class Point:
    """A reported position as the phone gave it."""

    lat: float
    lng: float
    coord: str = "wgs84"
    accuracy_m: float | None = None

    def gcj02(self) -> tuple[float, float]:
        return geo.to_gcj02(self.lat, self.lng, self.coord)


@dataclass(frozen=True)
class Place:
    """Where a service happens: a point in GCJ-02 (as stored, and converted) and a radius."""

    lat: float
    lng: float
    radius_m: float
    stored: tuple[float, float] | None = None  # the point as the activity or household has it


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_point(point: Point) -> None:
    """Refuse a position that is not a real place on Earth or names an unknown datum."""
    if not (_is_number(point.lat) and _is_number(point.lng)):
        raise Invalid("位置坐标应为数字。", "bad_location")
    if not geo.is_on_earth(point.lat, point.lng):
        raise Invalid("位置坐标超出范围，请重新定位。", "bad_location")
    if point.coord not in COORD_TYPES:
        raise Invalid("坐标系应为 wgs84 或 gcj02。", "bad_coord_type")
    if point.accuracy_m is not None and not (
        _is_number(point.accuracy_m) and point.accuracy_m >= 0
    ):
        raise Invalid("定位精度应为不小于 0 的数字。", "bad_location")


def window_flags(starts_at: datetime, ends_at: datetime, now: datetime, rules: CheckinRules):
    """[] inside the check-in window, ['outside_time_window'] a little outside it; refused
    (Conflict) when outside by more than the hard limit."""
    window = checkin_window.window_of(starts_at, ends_at, rules)
    opens, closes = window
    slack = timedelta(hours=rules.hard_limit_hours)
    if now < opens - slack:
        raise Conflict(checkin_window.not_open_message(window), "checkin_not_open")
    if now > closes + slack:
        raise Conflict(checkin_window.closed_message(window), "checkin_closed")
    return [] if opens <= now <= closes else ["outside_time_window"]


def place_flags(point: Point, place: Place | None, rules: CheckinRules):
    """(flags, distance in metres or None) of a point against the place of the service."""
    if place is None:
        return [], None
    lat, lng = point.gcj02()
    distance = geo.distance_m(lat, lng, place.lat, place.lng)
    allowance = place.radius_m + min(point.accuracy_m or 0.0, rules.accuracy_cap_m)
    flags = ["out_of_range"] if distance > allowance else []
    if _same_point((point.lat, point.lng), place.stored) or _same_point(
        (lat, lng), (place.lat, place.lng)
    ):
        flags.append("coords_identical")
    return flags, round(distance, 1)


def _same_point(a: tuple[float, float], b: tuple[float, float] | None) -> bool:
    """Equal to 6 decimals (~0.1 m): a phone never reports the map's own point by chance."""
    return b is not None and all(round(x, 6) == round(y, 6) for x, y in zip(a, b, strict=True))


def china_flags(point: Point, expects_china: bool) -> list[str]:
    """['outside_china'] when the service is in China and the point is not."""
    return ["outside_china"] if expects_china and not geo.is_in_china(point.lat, point.lng) else []


def is_impossible_travel(
    before: tuple[float, float],
    before_at: datetime,
    after: tuple[float, float],
    now: datetime,
    rules: CheckinRules,
) -> bool:
    """True when going from one GCJ-02 point to the other in the time between needs more than
    the maximum speed."""
    km = geo.distance_m(*before, *after) / 1000
    if km <= TRAVEL_JITTER_KM:
        return False
    hours = (now - before_at).total_seconds() / 3600
    return hours <= 0 or km / hours > rules.max_speed_kmh


def is_exif_time_off(taken_at: datetime | None, now: datetime, rules: CheckinRules) -> bool:
    """True when the photo says it was taken far from the time of the check-in."""
    if taken_at is None:
        return False
    return abs(now - taken_at) > timedelta(hours=rules.photo_time_tolerance_hours)


def is_late_checkout(
    checkin_at: datetime, now: datetime, closes_at: datetime | None, rules: CheckinRules
) -> bool:
    """A check-out long after the service can have ended: probably a forgotten one, whose
    hours a leader should look at before they count."""
    if closes_at is not None:
        return now > closes_at + timedelta(hours=rules.hard_limit_hours)
    return now - checkin_at > timedelta(hours=rules.max_duration_hours)


# The doubts an entry's times alone raise, in the order check-out adds them: check-out weighs
# them (services.checkin), and so does an office correction of the hours (services.review), so
# that a flag always says what the entry's times say now.
TIME_FLAGS = ("late_checkout", "short_service")


def time_flags(
    checkin_at: datetime,
    ended_at: datetime,
    duration_minutes: int,
    activity_ends_at: datetime | None,
    rules: CheckinRules,
) -> list[str]:
    """The TIME_FLAGS that hold for a service from `checkin_at` to `ended_at` (the check-out)
    of `duration_minutes`, at an activity ending at `activity_ends_at` (None: a visit or an own
    service, which have no end)."""
    closes = None
    if activity_ends_at is not None:
        closes = activity_ends_at + timedelta(minutes=rules.close_after_min)
    holds = {
        "late_checkout": is_late_checkout(checkin_at, ended_at, closes, rules),
        # a tap in and out is no service until a leader says so
        "short_service": duration_minutes < rules.min_duration_minutes,
    }
    return [flag for flag in TIME_FLAGS if holds[flag]]
