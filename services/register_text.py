"""How the register reads to the office: a tracked field's value in words, and an entry named
the way a clerk finds it in the paper register (who, which day, what).

The history keeps values as the database holds them (naive UTC times, ids, codes), which is
what its hashes cover; a finding of the register check shows them as every other screen does:
Shanghai times, the member's name and the activity's title with their numbers, the Chinese
names of statuses and flags. A value that is not what its field should hold (someone wrote it
straight into the database) is shown as it is: a finding must never fail on the data it
reports.
"""

from collections.abc import Callable
from datetime import datetime

from models import Activity, Household, Member

from .clock import to_local
from .flags import FLAG_NAMES
from .households import mask_name
from .record_names import COORD_NAMES, KIND_NAMES, SOURCE_NAMES, STATUS_NAMES

EMPTY = "空"


def _time(value) -> str:
    """A stored UTC time in Shanghai time; seconds only when there are some (a change of
    seconds alone must still show)."""
    moment = to_local(datetime.fromisoformat(value))
    return moment.strftime("%Y-%m-%d %H:%M:%S" if moment.second else "%Y-%m-%d %H:%M")


def _id(value) -> int:
    """An id as stored; anything else is not what an id field holds."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(value)
    return value


def _member(value) -> str:
    member = Member.get_or_none(Member.id == _id(value))
    return f"{member.name}(#{value})" if member else f"#{value}"


def _activity(value) -> str:
    activity = Activity.get_or_none(Activity.id == _id(value))
    return f"{activity.title}(#{value})" if activity else f"#{value}"


def _household(value) -> str:
    """Masked as on every screen but the office's own household pages: a finding is read,
    printed and pasted into messages."""
    household = Household.get_or_none(Household.id == _id(value))
    return f"{mask_name(household.head_name)}户(#{value})" if household else f"#{value}"


def _named(names: dict[str, str]) -> Callable:
    return lambda value: names.get(value, str(value))


def _flags(value) -> str:
    return "、".join(FLAG_NAMES.get(flag, str(flag)) for flag in value)


# How each field's stored value reads; fields not listed are shown as they are.
SHOWN: dict[str, Callable] = {
    "member_id": _member,
    "registered_by_id": _member,
    "activity_id": _activity,
    "household_id": _household,
    "checkin_at": _time,
    "checkout_at": _time,
    "kind": _named(KIND_NAMES),
    "status": _named(STATUS_NAMES),
    "source": _named(SOURCE_NAMES),
    "checkin_coord_type": _named(COORD_NAMES),
    "flags": _flags,
}


def shown(name: str, value) -> str:
    """A field's stored value as the office reads it: 空 for nothing."""
    if value in (None, "", []):
        return EMPTY
    try:
        return SHOWN.get(name, str)(value)
    except (TypeError, ValueError, AttributeError):  # not what the field holds: as it is
        return str(value)
