"""The doubts a check-in can raise, gathered into flags for a leader to review: the place,
the country, the travel since the member's previous check-in, and the photo."""

from dataclasses import dataclass
from datetime import datetime

from models import Member, ServiceRecord
from models.prepared import Prepared, Sent

from . import geo, photo_check
from .checkin_rules import CheckinRules, Point, china_flags, is_impossible_travel, place_flags
from .checkin_targets import Goal
from .photos import StoredPhoto

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


@dataclass(frozen=True)
class Questions:
    """What a check-in's doubts depend on, asked of the database and not read yet (see
    `ask`): the member's previous check-in, whether they are still checked in elsewhere, and
    the earlier photos the new one is compared with."""

    previous: Sent
    still_open: Sent
    photos: photo_check.Earlier


def ask(member: Member, goal: Goal, stored: StoredPhoto, now: datetime) -> Questions:
    """Send every question `assess` needs answered; inside `pipelined()` they travel together
    (one round trip on PostgreSQL instead of one each)."""
    activity_id = goal.activity.id if goal.activity else None
    return Questions(
        _PREVIOUS.send(member=member.id, now=now),
        _STILL_OPEN.send(member=member.id),
        photo_check.ask(stored.sha256, member.id, activity_id),
    )


def assess(
    member: Member,
    goal: Goal,
    point: Point,
    stored: StoredPhoto,
    now: datetime,
    rules: CheckinRules,
    asked: Questions,
) -> tuple[list[str], float | None]:
    """Every doubt about a check-in, in a stable order, each once; and the distance in
    metres from the place of the service (None when the place is not known), from the answers
    to the questions `ask` sent."""
    at_place, distance = place_flags(point, goal.place, rules)
    activity_id = goal.activity.id if goal.activity else None
    found = [
        *at_place,
        *china_flags(point, goal.in_china),
        *travel_flags(asked.previous.first(), point, now, rules),
        # Still checked in elsewhere: two services at once would count the same hours twice.
        *(["overlapping"] if asked.still_open.first() is not None else []),
        *photo_check.photo_flags(stored, member.id, activity_id, now, rules, asked.photos),
    ]
    return list(dict.fromkeys(found)), distance


def travel_flags(
    previous: ServiceRecord | None, point: Point, now: datetime, rules: CheckinRules
) -> list[str]:
    """['impossible_travel'] when the member's previous check-in was too far to reach since."""
    if previous is None:
        return []
    before = geo.to_gcj02(previous.checkin_lat, previous.checkin_lng, previous.checkin_coord_type)
    too_fast = is_impossible_travel(before, previous.checkin_at, point.gcj02(), now, rules)
    return ["impossible_travel"] if too_fast else []
