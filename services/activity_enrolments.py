"""Who takes part in an activity, for the people who run it: the activity's team leader (to
know who is coming, and whom to register by hand) and the office. A member sees only the
count: who else signed up is not theirs to browse.

The list is the leader's attendance screen, so it names everyone the register holds for the
activity, not only those who enrolled: a leader registers attendance for a member who cannot
use the phone (services.leader_registration) without an enrolment, and that member attended.
They come after the enrolled, marked not enrolled and registered by the leader.

Kept apart from services/activities.py, whose queries serve every reader; this is one more
query, made only for the detail and only for those who may see it.
"""

from dataclasses import dataclass

import peewee as pw

from models import Activity, Enrollment, Member, ServiceRecord

from .actors import Actor
from .records import LEADER_SOURCE

R = ServiceRecord


@dataclass(frozen=True)
class Enrollee:
    """One member taking part: enrolled (put there by a leader or the office, assigned, or
    by themselves) or only registered by the leader; whether they have an entry in the
    register for the activity (checked in, or registered by the leader) whatever its review,
    and whether a leader registered it."""

    member_id: int
    name: str
    assigned: bool
    checked_in: bool
    enrolled: bool = True
    registered_by_leader: bool = False


def may_see_enrollees(actor: Actor, activity: Activity) -> bool:
    """True for the office and the leader of the activity's team."""
    return actor.is_office or actor.leads(activity.team_id)


def enrollees(actor: Actor, activity: Activity) -> list[Enrollee] | None:
    """The enrolled members in the order they enrolled, then the members registered without
    an enrolment; None for anyone who may see only the count. One query (the register's
    activity+member index answers the EXISTS)."""
    if not may_see_enrollees(actor, activity):
        return None
    entry = R.select(R.id).where((R.activity == activity.id) & (R.member == Member.id))
    by_leader = entry.where(R.source == LEADER_SOURCE)
    in_register = R.select(R.member).where(R.activity == activity.id)
    enrolment = (Enrollment.member == Member.id) & (Enrollment.activity == activity.id)
    rows = (
        Member.select(
            Member.id,
            Member.name,
            Enrollment.assigned,
            pw.fn.EXISTS(entry),
            Enrollment.id.is_null(False),
            pw.fn.EXISTS(by_leader),
        )
        .join(Enrollment, pw.JOIN.LEFT_OUTER, on=enrolment)
        .where(Enrollment.id.is_null(False) | Member.id.in_(in_register))
        .order_by(Enrollment.id.is_null(), Enrollment.created_at, Enrollment.id, Member.id)
        .tuples()
    )
    return [_enrollee(*row) for row in rows]


def _enrollee(member_id, name, assigned, seen, enrolled, registered) -> Enrollee:
    return Enrollee(member_id, name, bool(assigned), bool(seen), bool(enrolled), bool(registered))
