"""What a member may check in to right now: today's activities still open to them, a visit
to their paired household, and their own service (分散活动).

A photo or a location sent with nothing under way (the chat's commonest start for an
elderly member) says nothing of what it is for: the member is offered these, and only what
could be checked in to, since a choice that ends in a refusal after the location and the
photo wastes both. Every transport asks the same question, so the rule lives here; the chat
only words it (wechat.chat.photo_first)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from models import Member

from . import activities, clock, geo, households, summary
from .actors import Actor
from .checkin_rules import CheckinRules
from .errors import DomainError
from .record_names import ENTRY_TITLES

VISIT, INDIVIDUAL = "visit", "individual"


@dataclass(frozen=True)
class Choice:
    """A check-in the member may make: its target as services.checkin takes it (an activity
    id, 'visit' or 'individual') and its title (the activity's, the household head's masked
    name, or the own service's)."""

    target: int | str
    title: str


def open_activities(member: Member, now: datetime, rules: CheckinRules) -> list:
    """Today's activities the member enrolled in whose check-in is not refused by the clock,
    and that they are not checked in to already (offering one would end in a refusal only
    after the location and the photo)."""
    today = clock.local_today(now)
    found = activities.list_activities(Actor(member=member), today, today, now)
    checked_in = {c.activity_id for c in summary.open_checkins(member.id)}
    slack = timedelta(hours=rules.hard_limit_hours)
    before = timedelta(minutes=rules.open_before_min)
    after = timedelta(minutes=rules.close_after_min)
    return [
        a
        for a in found
        if a.is_enrolled
        and a.status != "cancelled"
        and a.id not in checked_in
        and a.starts_at - before - slack <= now <= a.ends_at + after + slack
    ]


def nearby_activities(
    member: Member, lat: float, lng: float, now: datetime, rules: CheckinRules
) -> list:
    """The activities open to the member within their radius of the point."""
    return [
        a
        for a in open_activities(member, now, rules)
        if a.lat is not None
        and a.lng is not None
        and geo.distance_m(lat, lng, a.lat, a.lng) <= (a.radius_m or rules.radius_m)
    ]


def is_checked_in(member: Member, kind: str | None = None) -> bool:
    """Whether the member has an entry (of this kind, when given) not checked out yet."""
    return any(kind in (None, c.kind) for c in summary.open_checkins(member.id))


def visit_choice(member: Member) -> Choice | None:
    """A visit to the paired household, unless there is none or a visit is still open."""
    try:
        household = households.my_household(member)
    except DomainError:
        return None
    if is_checked_in(member, VISIT):
        return None
    return Choice(VISIT, household.head_name)


def own_service_choice(member: Member) -> Choice | None:
    """The member's own service, unless one is still checked in."""
    if is_checked_in(member, INDIVIDUAL):
        return None
    return Choice(INDIVIDUAL, ENTRY_TITLES[INDIVIDUAL])


def _extra(member: Member) -> list[Choice]:
    """What is offered after the activities and the visit: the own service, if possible."""
    own = own_service_choice(member)
    return [own] if own is not None else []


def for_photo(member: Member, now: datetime, rules: CheckinRules) -> list[Choice]:
    """What a photo sent first may check the member in to: today's open activities, the
    visit, and last their own service (which a member serving on their own would otherwise
    never be offered beside an activity). Beside a single activity or visit the own service
    is left out: the chat names it in words there, so the common case keeps going straight
    to the location. With nothing else, the own service alone (if not open already)."""
    found = [Choice(a.id, a.title) for a in open_activities(member, now, rules)]
    visit = visit_choice(member)
    if visit is not None:
        found.append(visit)
    if len(found) == 1:
        return found
    return found + _extra(member)


def for_location(
    member: Member, lat: float, lng: float, now: datetime, rules: CheckinRules
) -> list[Choice]:
    """What a location sent first may check the member in to when it is a question at all:
    near an open activity, from a member who may as well mean a visit to their household
    (households usually lie within an activity's radius). Empty when no visit is possible,
    nothing is near, or an entry is still open: the location then offers nothing to pick,
    and never an own service unasked."""
    visit = visit_choice(member)
    if visit is None or summary.open_checkins(member.id):
        return []
    near = [Choice(a.id, a.title) for a in nearby_activities(member, lat, lng, now, rules)]
    if not near:
        return []
    return [*near, visit, *_extra(member)]
