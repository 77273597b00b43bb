"""A member filling in their own register entry after checking out: which fields are still
theirs to answer, and which the programme fills in by itself, so that every transport asks
the same questions and writes the same defaults.

Filled in by the programme, and only while the field is blank:
- an activity's content, 参加「title」: the activity says what was done;
- a household visit's target, 结对家庭 王**户: whom a visit served is the household it was
  checked in to (not the member's pairing of today), named as the member's own screens name
  it, the head's name masked (services.households). The chat's visit flow and a visit
  checked in from the mini-program and checked out in the chat are filled in alike.
Everything else left blank is the member's to answer. A rejected entry is closed to fill-in
(services.review), so nothing is asked of it. Only the member's own entries are looked at:
another member's is 'not found', as everywhere else (services.checkin.own_record).
"""

from dataclasses import dataclass
from datetime import datetime

from models import ServiceRecord, db

from .actors import Actor, require_member
from .checkin import own_record
from .households import mask_name
from .review import fill_in
from .rows import is_id, lock_row

FIELDS = ("target", "content", "outcome")  # in the order a member is asked them
ACTIVITY_CONTENT = "参加「{title}」"
VISIT_TARGET = "结对家庭 {head}户"


@dataclass(frozen=True)
class Blanks:
    """The member's own entry as its fill-in sees it."""

    record_id: int
    kind: str
    asked: tuple[str, ...]  # the blank fields the member is to answer, in FIELDS order


def _activity_content(record: ServiceRecord) -> str | None:
    return ACTIVITY_CONTENT.format(title=record.activity.title) if record.activity_id else None


def _visit_target(record: ServiceRecord) -> str | None:
    if record.household_id is None:  # no household to name: the member says whom
        return None
    return VISIT_TARGET.format(head=mask_name(record.household.head_name))


# What the programme writes by itself, by (kind, field); a rule answering None cannot tell,
# and the field is asked instead.
AUTOMATIC = {
    ("activity", "content"): _activity_content,
    ("visit", "target"): _visit_target,
}


def blanks(actor: Actor, record_id: int) -> Blanks:
    """What the acting member still has to answer on their own entry."""
    record = own_record(require_member(actor), record_id)
    asked = ()
    if record.status != "rejected":
        automatic = _automatic(record)
        asked = tuple(name for name in FIELDS if _blank(record, name) and name not in automatic)
    return Blanks(record.id, record.kind, asked)


def complete(actor: Actor, record_id: int, now: datetime, answers: dict) -> ServiceRecord:
    """Save the member's answers with what the programme fills in by itself; a field neither
    answered nor filled in stays as it is, for the mini-program. The entry is held while its
    blanks are read, so a default never overwrites text written at the same moment."""
    with db.atomic():
        if is_id(record_id):
            lock_row(ServiceRecord, record_id)
        record = own_record(require_member(actor), record_id)
        return fill_in(actor, record.id, now, **{**_automatic(record), **answers})


def _automatic(record: ServiceRecord) -> dict[str, str]:
    """The blank fields the programme can fill in on this entry, with their text."""
    filled = {}
    for (kind, name), rule in AUTOMATIC.items():
        value = rule(record) if kind == record.kind and _blank(record, name) else None
        if value:
            filled[name] = value
    return filled


def _blank(record: ServiceRecord, name: str) -> bool:
    return not (getattr(record, name) or "").strip()
