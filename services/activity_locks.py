"""Which fields of an activity may still change, by how far its service has gone.

The register is evidence, and its entries name their activity rather than copy it: the
register list, the Excel export, the history, the notices and the quarterly report all read
the activity's title and times as they stand now. A change to an activity therefore rewrites
how every entry made for it reads. So, for a team leader:

- once anyone has checked in (or been registered), what those check-ins were measured
  against stays put: the point and its radius (the distance and out_of_range flags) and the
  start (outside_time_window). The end may still move, say when the service runs over: it can
  only move to a time still ahead (in_the_past), so every check-in made so far stays inside
  the window. Title, place and category are still the leader's to get right while the service
  is under way;
- once it has ended, nothing that says which service took place may change: title, category,
  kind, place and point, radius, times, size. Only the description stays open, a note on the
  activity's page that no entry, export or report reads.

The office may still correct both (it answers for the register, and every change is in the
audit log with its before and after); the leader is told to ask it. A cancelled activity that
has not ended keeps its times, place and size for everyone: there is nothing to reschedule.
"""

from datetime import datetime

from models import Activity, ServiceRecord

from . import activity_fields as spec
from .actors import Actor
from .errors import Conflict

#: The fields a check-in's flags were measured against (request field names).
MEASURED = frozenset({"lat", "lng", "coord", "radius_m", "starts_at"})
#: The fields that say which service took place: all but the description.
HELD = spec.UPDATE_FIELDS - {"description"}
NONE = frozenset()

#: stage -> (fields a leader may not change, fields the office may not change, refusal)
LOCKS = {
    "ended": (
        HELD,
        NONE,
        (
            "活动已结束，标题、时间、地点等内容已是服务记录的依据，不能再修改。"
            "如需更正，请联系办公室。",
            "activity_ended_locked",
        ),
    ),
    "cancelled": (
        spec.FROZEN_WHEN_CLOSED,
        spec.FROZEN_WHEN_CLOSED,
        ("活动已取消，不能再修改时间、地点或人数。", "activity_closed"),
    ),
    "checked_in": (
        MEASURED,
        NONE,
        (
            "已有党员签到，签到地点、签到范围和开始时间不能再修改，以免改变已签到记录的核对结果。"
            "如需更正，请联系办公室。",
            "activity_checked_in_locked",
        ),
    ),
    "open": (NONE, NONE, None),
}


def stage(activity: Activity, now: datetime) -> str:
    """ended, cancelled, checked_in or open: how far the service has gone, by the clock
    first (a cancelled activity whose time has passed is over all the same)."""
    if activity.ends_at <= now:
        return "ended"
    if activity.status == "cancelled":
        return "cancelled"
    entries = ServiceRecord.select().where(ServiceRecord.activity == activity.id)
    return "checked_in" if entries.exists() else "open"


def require_changeable(actor: Actor, activity: Activity, names, now: datetime) -> str:
    """The activity's stage, if the actor may change these fields in it; Conflict saying why
    (and whom to ask) if not."""
    current = stage(activity, now)
    for_leader, for_office, refusal = LOCKS[current]
    if (for_office if actor.is_office else for_leader) & set(names):
        raise Conflict(*refusal)
    return current
