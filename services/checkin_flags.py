"""The doubts a check-in can raise, gathered into flags for a leader to review: the place,
the country, the travel since the member's previous check-in, and the photo."""

from datetime import datetime

from models import Member, ServiceRecord
from models.prepared import Prepared

from . import geo
from .checkin_rules import CheckinRules, Point, china_flags, is_impossible_travel, place_flags
from .checkin_targets import Goal
from .photo_check import photo_flags
from .photos import StoredPhoto


def assess(
    member: Member,
    goal: Goal,
    point: Point,
    stored: StoredPhoto,
    now: datetime,
    rules: CheckinRules,
) -> tuple[list[str], float | None]:
    """Every doubt about a check-in, in a stable order, each once; and the distance in
    metres from the place of the service (None when the place is not known)."""
    at_place, distance = place_flags(point, goal.place, rules)
    activity_id = goal.activity.id if goal.activity else None
    found = [
        *at_place,
        *china_flags(point, goal.in_china),
        *travel_flags(member, point, now, rules),
        *overlap_flags(member),
        *photo_flags(stored, member.id, activity_id, now, rules),
    ]
    return list(dict.fromkeys(found)), distance


R = ServiceRecord
_STILL_OPEN = Prepared(
    lambda p: (
        R.select(R.id)
        .where((R.member == p.member) & R.checkout_at.is_null() & (R.status != "rejected"))
        .limit(1)
    )
)
_PREVIOUS = Prepared(
    lambda p: (
        R.select(R.checkin_at, R.checkin_lat, R.checkin_lng, R.checkin_coord_type)
        .where(
            (R.member == p.member)
            & R.checkin_lat.is_null(False)
            & R.checkin_lng.is_null(False)
            & (R.checkin_at <= p.now)
        )
        .order_by(R.checkin_at.desc())
        .limit(1)
    )
)


def overlap_flags(member: Member) -> list[str]:
    """['overlapping'] when the member is still checked in elsewhere: two services at once
    would count the same hours twice, so a leader looks at it."""
    return ["overlapping"] if _STILL_OPEN.first(member=member.id) is not None else []


def travel_flags(member: Member, point: Point, now: datetime, rules: CheckinRules) -> list[str]:
    """['impossible_travel'] when the member's previous check-in was too far to reach since."""
    previous = _PREVIOUS.first(member=member.id, now=now)
    if previous is None:
        return []
    before = geo.to_gcj02(previous.checkin_lat, previous.checkin_lng, previous.checkin_coord_type)
    too_fast = is_impossible_travel(before, previous.checkin_at, point.gcj02(), now, rules)
    return ["impossible_travel"] if too_fast else []
