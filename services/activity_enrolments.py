"""Who enrolled in an activity, for the people who run it: the activity's team leader (to
know who is coming, and whom to register by hand) and the office. A member sees only the
count: who else signed up is not theirs to browse.

Kept apart from services/activities.py, whose queries serve every reader; this is one more
query, made only for the detail and only for those who may see it.
"""

from dataclasses import dataclass

import peewee as pw

from models import Activity, Enrollment, Member, ServiceRecord

from .actors import Actor


@dataclass(frozen=True)
class Enrollee:
    """One enrolled member: put there by a leader or the office (assigned) or by themselves,
    and whether they have an entry in the register for the activity (checked in, or
    registered by the leader) whatever its review."""

    member_id: int
    name: str
    assigned: bool
    checked_in: bool


def may_see_enrollees(actor: Actor, activity: Activity) -> bool:
    """True for the office and the leader of the activity's team."""
    return actor.is_office or actor.leads(activity.team_id)


def enrollees(actor: Actor, activity: Activity) -> list[Enrollee] | None:
    """The activity's enrolled members in the order they enrolled; None for anyone who may
    see only the count. One query (the register's activity+member index answers the EXISTS)."""
    if not may_see_enrollees(actor, activity):
        return None
    entry = ServiceRecord.select(ServiceRecord.id).where(
        (ServiceRecord.activity == Enrollment.activity)
        & (ServiceRecord.member == Enrollment.member)
    )
    rows = (
        Enrollment.select(Member.id, Member.name, Enrollment.assigned, pw.fn.EXISTS(entry))
        .join(Member)
        .where(Enrollment.activity == activity.id)
        .order_by(Enrollment.created_at, Enrollment.id)
        .tuples()
    )
    return [Enrollee(i, name, bool(assigned), bool(seen)) for i, name, assigned, seen in rows]
