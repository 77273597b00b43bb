"""An entry's history in the words of the entry's own page, for the office's dashboard: the
same status names as the entry (待队长审核, not 待审核), the flags as the entry's kind says them
(a visit's place is the household), people, activities and households by name, distances
with the place they are measured from, and nothing a clerk cannot use: internal ids, request
ids, raw coordinates, photo files and a field that went from nothing to nothing are left out.

The API keeps the history's raw values too (`changes`): they are what its hashes cover.
Texts and locations come here already masked or hidden for the reader (api.records); a
household is named whole for the office only, as everywhere.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from models import Activity, Household, Member, ServiceRecord

from .clock import to_local
from .flags import flag_names
from .history import LABELS
from .households import mask_name
from .record_names import KIND_NAMES, SOURCE_NAMES
from .records import name_status
from .register_defaults import VISIT_TARGET
from .service_kinds import kind_name

EMPTY = "（空）"
NO_FLAGS = "（无）"
# Fields a clerk has no use for: ids of requests, points a map would need to read, and the
# photo files by key and hash (what the register check compares).
HIDDEN = frozenset(
    {"request_id", "checkin_lat", "checkin_lng", "checkin_coord_type", "checkout_lat"}
    | {"checkout_lng", "photos"}
)
DISTANCE_LABELS = {"visit": "距结对家庭"}  # as the entry's page labels its distance
DISTANCE_LABEL = "距服务地点"


@dataclass(frozen=True)
class ChangeWords:
    field: str
    label: str
    before: str
    after: str


def change_words(record: ServiceRecord, changes: dict, whole: bool) -> list[ChangeWords]:
    """A history line's changes as the entry's page words them, in the line's order."""
    words = []
    for name, pair in changes.items():
        if name in HIDDEN or not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        before, after = (_word(name, value, record, whole) for value in pair)
        if before == after:  # nothing to nothing ("" for None, [] for none): no change to read
            continue
        words.append(ChangeWords(name, _label(name, record), before, after))
    return words


def _label(name: str, record: ServiceRecord) -> str:
    if name == "distance_m":
        return DISTANCE_LABELS.get(record.kind, DISTANCE_LABEL)
    return LABELS.get(name, name)


def _word(name: str, value, record: ServiceRecord, whole: bool) -> str:
    if value is None or value == "" or value == []:
        return NO_FLAGS if name == "flags" else EMPTY
    try:
        return _WORDS.get(name, _plain)(value, record, whole)
    except (TypeError, ValueError, AttributeError):  # tampered with: shown as it is
        return str(value)


def _plain(value, record, whole) -> str:
    return str(value)


def _time(value, record, whole) -> str:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = to_local(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


def _member(value, record, whole) -> str:
    member = Member.get_or_none(Member.id == int(value))
    return member.name if member else "（已不在名册）"


def _activity(value, record, whole) -> str:
    activity = Activity.get_or_none(Activity.id == int(value))
    return f"「{activity.title}」" if activity else "（活动已删除）"


def _household(value, record, whole) -> str:
    household = Household.get_or_none(Household.id == int(value))
    if household is None:
        return "（结对家庭已删除）"
    head = household.head_name
    return VISIT_TARGET.format(head=head if whole else mask_name(head))


def _metres(value, record, whole) -> str:
    return f"{round(float(value))} 米"


def _flags(value, record, whole) -> str:
    return "、".join(flag_names(list(value), record.kind))


def _status(value, record, whole) -> str:
    return name_status(value, record.member.role, record.source)


def _kind(value, record: ServiceRecord) -> str:
    """The entry's own kind as the entry names it (an activity published as 分散活动 is one:
    services.service_kinds); any other as stored."""
    if value == record.kind:
        return kind_name(record)
    return KIND_NAMES.get(value, str(value))


_WORDS: dict[str, Callable] = {
    "member_id": _member,
    "registered_by_id": _member,
    "activity_id": _activity,
    "household_id": _household,
    "checkin_at": _time,
    "checkout_at": _time,
    "status": _status,
    "flags": _flags,
    "kind": lambda value, record, whole: _kind(value, record),
    "source": lambda value, record, whole: SOURCE_NAMES.get(value, str(value)),
    "distance_m": _metres,
    "checkin_accuracy_m": _metres,
}
