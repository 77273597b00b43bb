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
audit log with its before and after), and the entries are then measured again against what
it moved (services.entry_measures); the leader is told to ask it. A cancelled activity that
has not ended keeps, for everyone, what the cancellation told its members it was: when,
where (the place and its point, with the radius) and how big (its size and its kind); there
is nothing to reschedule. Its wording (title, category, description) may still be put right.

What counts is what changes, not what is sent: a mini-program sending its whole form back
with a new description changes the description only (services.activity_fields.changes), and
is refused only when a value it sends differs from the one held.
"""

from datetime import datetime

from models import Activity, ServiceRecord

from . import activity_fields as spec
from .actors import Actor
from .errors import Conflict

COLUMNS = frozenset(spec.columns())
#: The columns a check-in's flags were measured against.
MEASURED = frozenset({"lat", "lng", "coord_type", "radius_m", "starts_at"})
#: The columns that say which service took place: all but the description.
HELD = COLUMNS - {"description"}
#: What a cancelled activity keeps: all but its wording.
WORDING = frozenset({"title", "category", "description"})
KEPT_WHEN_CANCELLED = COLUMNS - WORDING
NONE = frozenset()
#: How a refusal names columns, in the order it names them.
NAMES = {
    "title": "标题",
    "category": "类别",
    "description": "说明",
    "starts_at": "时间",
    "ends_at": "时间",
    "place": "地点",
    "lat": "地点",
    "lng": "地点",
    "coord_type": "地点",
    "radius_m": "签到范围",
    "capacity": "人数上限",
    "kind": "活动形式",
}


def listed(columns) -> str:
    """The columns' names, each once, in NAMES order: 时间、地点和人数上限."""
    names = list(dict.fromkeys(NAMES[c] for c in NAMES if c in columns))
    return "和".join(filter(None, ["、".join(names[:-1]), names[-1]]))


CANCELLED = (
    f"活动已取消，{listed(KEPT_WHEN_CANCELLED)}不能再修改；{listed(WORDING)}仍可修改。",
    "activity_closed",
)

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
        KEPT_WHEN_CANCELLED,
        KEPT_WHEN_CANCELLED,
        CANCELLED,
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


def require_changeable(actor: Actor, activity: Activity, changed, now: datetime) -> str:
    """The activity's stage, if the actor may change these columns (those whose values
    change, not all those sent) in it; Conflict saying why (and whom to ask) if not."""
    current = stage(activity, now)
    for_leader, for_office, refusal = LOCKS[current]
    if (for_office if actor.is_office else for_leader) & set(changed):
        raise Conflict(*refusal)
    return current
