"""How the register reads to the office: a tracked field's value in words, and an entry named
the way a clerk finds it in the paper register (who, which day, what).

The history keeps values as the database holds them (naive UTC times, ids, codes), which is
what its hashes cover; a finding of the register check shows them as every other screen does:
Shanghai times, the member's name and the activity's title with their numbers, the Chinese
names of statuses and flags. A value that is not what its field should hold (someone wrote it
straight into the database) is shown as it is: a finding must never fail on the data it
reports.
"""

from collections.abc import Callable, Iterable
from datetime import datetime

from models import Activity, Household, Member, RecordHistory, ServiceRecord

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


def _photos(value) -> str:
    """How many photo files, each by the start of its fingerprint: enough to tell one from
    another, where the whole key is 64 hex digits a clerk cannot read."""
    return f"{len(value)} 张（{'、'.join(sha256[:8] for _, sha256 in value)}）"


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
    "photos": _photos,
}


def shown(name: str, value) -> str:
    """A field's stored value as the office reads it: 空 for nothing."""
    if value in (None, "", []):
        return EMPTY
    try:
        return SHOWN.get(name, str)(value)
    except (TypeError, ValueError, AttributeError):  # not what the field holds: as it is
        return str(value)


# --- entries named ----------------------------------------------------------------------------

_NAMING = ("member_id", "kind", "activity_id", "checkin_at")
BATCH = 500  # ids per IN (...): well under any database's limit on parameters


def entry_names(record_ids: Iterable[int]) -> dict[int, str]:
    """record id → 朱玉兰 2026-11-24「重阳节义诊」: the member, the day of check-in (Shanghai)
    and the activity, or the kind of service when there is no activity. Taken from the entry,
    or, when it is gone, from the last state its history holds; an entry gone with its whole
    history has nothing left to name it by and is left out. Four queries per BATCH entries
    (a register never sealed after the upgrade reports every entry)."""
    wanted = sorted({i for i in record_ids if i is not None})
    names = {}
    for start in range(0, len(wanted), BATCH):
        names |= _named_batch(set(wanted[start : start + BATCH]))
    return names


def _named_batch(wanted: set[int]) -> dict[int, str]:
    states = _present(wanted)
    states |= _remembered(wanted - set(states))
    members = _names(Member, Member.name, states, "member_id")
    titles = _names(Activity, Activity.title, states, "activity_id")
    return {i: _entry_name(state, members, titles) for i, state in states.items()}


def _present(ids: set[int]) -> dict[int, dict]:
    if not ids:
        return {}
    columns = [getattr(ServiceRecord, name) for name in _NAMING]
    query = ServiceRecord.select(ServiceRecord.id, *columns).where(ServiceRecord.id.in_(ids))
    return {row[0]: dict(zip(_NAMING, row[1:], strict=True)) for row in query.tuples()}


def _remembered(ids: set[int]) -> dict[int, dict]:
    """The last state each entry's history holds (lines in order: the last one wins)."""
    if not ids:
        return {}
    lines = RecordHistory.select(RecordHistory.record, RecordHistory.state)
    lines = lines.where(RecordHistory.record.in_(ids)).order_by(RecordHistory.seq)
    return {record_id: state for record_id, state in lines.tuples() if isinstance(state, dict)}


def _names(model, column, states: dict[int, dict], key: str) -> dict[int, str]:
    ids = {_key(s, key) for s in states.values()} - {None}
    if not ids:
        return {}
    return dict(model.select(model.id, column).where(model.id.in_(ids)).tuples())


def _key(state: dict, name: str) -> int | None:
    """An id from a state, None when it holds none (or something else, if tampered with)."""
    try:
        return _id(state.get(name))
    except TypeError:
        return None


def _entry_name(state: dict, members: dict[int, str], titles: dict[int, str]) -> str:
    member = _key(state, "member_id")
    who = members.get(member) or (f"党员 #{member}" if member else "党员不明")
    day = _day(state.get("checkin_at"))
    title = titles.get(_key(state, "activity_id"))
    what = f"「{title}」" if title else f" {_kind_name(state.get('kind'))}"
    return f"{who} {day}{what}" if day else f"{who}{what}"


def _kind_name(kind) -> str:
    return KIND_NAMES.get(kind, "登记") if isinstance(kind, str) else "登记"


def _day(value) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return ""
    return to_local(value).strftime("%Y-%m-%d") if isinstance(value, datetime) else ""
