"""What a check-in is for: an activity the member may attend, their paired household's
visit, or a service of their own (分散活动); and where that service happens."""

from dataclasses import dataclass, replace

import peewee

from models import Activity, Community, Enrollment, Household, Member, Pairing
from models.prepared import Prepared, Sent

from . import geo
from .checkin_rules import CheckinRules, Place
from .errors import Conflict, Forbidden, Invalid, NotFound
from .rows import is_id, locking

TARGET_KINDS = ("visit", "individual")


@dataclass(frozen=True)
class Goal:
    """A resolved target: the entry's kind and links, where the service happens (if known),
    and whether it is in China (so a point abroad is a doubt)."""

    kind: str
    activity: Activity | None = None
    household: Household | None = None
    place: Place | None = None
    in_china: bool = False


def target_of(kind: str, activity_id: int | None) -> int | str:
    """What a check-in names: an activity id, or 'visit' / 'individual' without one."""
    if kind == "activity":
        if activity_id is None:
            raise Invalid("请选择要签到的活动。", "missing_field")
        if not is_id(activity_id):  # the rule of every id: 0 or 2**40 names no row, ever
            raise Invalid("活动编号无效，请重新选择活动。", "bad_field")
        return activity_id
    if kind not in TARGET_KINDS or activity_id is not None:
        raise Invalid(
            "kind 应为 activity、visit 或 individual（走访和分散活动不带活动）。", "bad_field"
        )
    return kind


def resolve(member: Member, target: int | str, rules: CheckinRules) -> Goal:
    """The goal of a check-in to an activity id, 'visit' or 'individual'; refusals for an
    activity the member may not attend or a visit without a paired household."""
    if target == "visit":
        return _visit(member, rules)
    if target == "individual":
        community = member.team.community if member.team_id else None
        return Goal("individual", in_china=_in_china(_community_place(community)))
    if is_id(target):
        return _activity(member, target, rules)
    if isinstance(target, int) and not isinstance(target, bool):
        raise NotFound("活动不存在。", "activity_not_found")
    raise Invalid("请选择签到的活动，或选择走访、分散活动。", "bad_target")


def matches(record, target: int | str) -> bool:
    """True when an existing entry is a check-in to this target."""
    if target in TARGET_KINDS:
        return record.kind == target
    return record.activity_id is not None and record.activity_id == target


def _activity(member: Member, activity_id: int, rules: CheckinRules) -> Goal:
    activity = _activity_with_enrollment(member, activity_id)
    if activity is None:
        raise NotFound("活动不存在。", "activity_not_found")
    enrollment = activity.enrollment
    assigned = enrollment is not None and enrollment.assigned
    if activity.team_id not in (None, member.team_id) and not assigned:
        raise Forbidden("这不是本队的活动。", "other_team")
    if enrollment is None:
        raise Forbidden("您没有报名该活动，请先报名。", "not_enrolled")
    require_not_cancelled(activity)
    place = activity_place(activity, rules)
    return Goal("activity", activity=activity, place=place, in_china=_in_china(place))


def require_not_cancelled(activity: Activity) -> None:
    if activity.status == "cancelled":
        raise Conflict("活动已取消，无法签到。", "activity_cancelled")


#: What a check-in is measured against, and whether it may be made: the columns an edit or a
#: cancellation may move while a check-in is under way (services.activity_locks).
STANDING = ("starts_at", "ends_at", "status", "lat", "lng", "coord_type", "radius_m")


def _standing_query(p) -> peewee.Select:
    """The activity's STANDING columns, read under a shared lock on PostgreSQL: check-ins to
    one activity run side by side, while an edit or a cancellation (services.activities._lock
    updates the row) waits for them to commit, and they for it. SQLite's transaction holds
    the database's write lock from BEGIN, so its plain read is as good."""
    columns = [getattr(Activity, name) for name in STANDING]
    return locking(Activity.select(*columns).where(Activity.id == p.activity), "FOR SHARE")


_STANDING = Prepared(_standing_query)


def ask_standing(goal: Goal) -> Sent | None:
    """Send the read of the goal's activity as it stands now (None for a visit or an own
    service); `restated` takes its answer. Inside the check-in's transaction, first: resolve()
    read the activity before it, and an edit may have landed between."""
    return _STANDING.send(activity=goal.activity.id) if goal.activity is not None else None


def restated(goal: Goal, standing: Sent | None, rules: CheckinRules) -> Goal:
    """The goal measured against its activity as `ask_standing` found it (the same goal when
    nothing moved): an edit committed after resolve() moves the place and the times the
    check-in is measured against."""
    row = standing.first() if standing is not None else None
    activity = goal.activity
    if row is None or all(getattr(row, k) == getattr(activity, k) for k in STANDING):
        return goal
    for name in STANDING:
        setattr(activity, name, getattr(row, name))
    place = activity_place(activity, rules)
    return replace(goal, place=place, in_china=_in_china(place))


def _activity_with_enrollment(member: Member, activity_id: int) -> Activity | None:
    """The activity with the columns a check-in uses or answers with (its JSON), and the
    member's enrollment in it as `.enrollment` (None when not enrolled), in one query."""
    return _ACTIVITY_WITH_ENROLLMENT.first(member=member.id, activity=activity_id)


def _activity_with_enrollment_query(p) -> peewee.Select:
    A, E = Activity, Enrollment
    return (
        A.select(
            A.id,
            A.team,
            A.community,
            A.title,
            A.kind,  # the entry's JSON names the kind it counts as (services.service_kinds)
            A.starts_at,
            A.ends_at,
            A.status,
            A.cancel_reason,
            A.lat,
            A.lng,
            A.coord_type,
            A.radius_m,
            E.id,
            E.assigned,
        )
        .join(
            E,
            peewee.JOIN.LEFT_OUTER,
            on=(E.activity == A.id) & (E.member == p.member),
            attr="enrollment",
        )
        .where(A.id == p.activity)
        .limit(1)
    )


_ACTIVITY_WITH_ENROLLMENT = Prepared(_activity_with_enrollment_query)


def activity_place(activity: Activity, rules: CheckinRules) -> Place | None:
    """The activity's own point, else its community's; the activity's radius, else the
    community's, else the programme's."""
    community = activity.community if activity.community_id else None
    if activity.lat is None or activity.lng is None:
        return _community_place(community, activity.radius_m)
    radius = activity.radius_m or (community.radius_m if community else rules.radius_m)
    return _place(activity.lat, activity.lng, activity.coord_type, radius)


def place_of(record, rules: CheckinRules) -> Place | None:
    """Where an entry's service happens, as its check-in measured it: the activity's place,
    the visited household's point; None for a member's own service or an unknown point."""
    if record.activity_id is not None:
        return activity_place(record.activity, rules)
    home = record.household if record.household_id is not None else None
    if home is None or home.lat is None or home.lng is None:
        return None
    return _place(home.lat, home.lng, home.coord_type, rules.radius_m)


def _visit(member: Member, rules: CheckinRules) -> Goal:
    pairing = Pairing.get_or_none((Pairing.member == member) & Pairing.ended_on.is_null())
    if pairing is None:
        raise Conflict("您还没有结对家庭，请联系队长。", "no_pairing")
    home = pairing.household
    place = None
    if home.lat is not None and home.lng is not None:
        place = _place(home.lat, home.lng, home.coord_type, rules.radius_m)
    china = _in_china(place or _community_place(home.community))
    return Goal("visit", household=home, place=place, in_china=china)


def _community_place(community: Community | None, radius_m: int | None = None) -> Place | None:
    if community is None:
        return None
    return _place(
        community.lat, community.lng, community.coord_type, radius_m or community.radius_m
    )


def _place(lat: float, lng: float, coord_type: str, radius_m: float) -> Place:
    gcj_lat, gcj_lng = geo.to_gcj02(lat, lng, coord_type)
    return Place(gcj_lat, gcj_lng, radius_m, stored=(lat, lng))


def _in_china(place: Place | None) -> bool:
    return place is not None and geo.is_in_china(place.lat, place.lng)
