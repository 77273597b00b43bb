"""A member filling in their own register entry after checking out: which fields are still
theirs to answer, and which the programme fills in by itself, so that every transport asks
the same questions and writes the same defaults.

What the programme fills in by itself, and only while the field is blank, is
services.register_defaults'. Everything else left blank is the member's to answer. A rejected
entry is closed to fill-in (services.review), so nothing is asked of it. Only the member's own
entries are looked at: another member's is 'not found', as everywhere else
(services.checkin.own_record).
"""

from dataclasses import dataclass
from datetime import datetime

from models import ServiceRecord, db

from . import register_defaults
from .actors import Actor, require_member
from .checkin import own_record
from .register_defaults import is_blank
from .review import fill_in
from .rows import is_id, lock_row

FIELDS = ("target", "content", "outcome")  # in the order a member is asked them


@dataclass(frozen=True)
class Blanks:
    """The member's own entry as its fill-in sees it."""

    record_id: int
    kind: str
    asked: tuple[str, ...]  # the blank fields the member is to answer, in FIELDS order


def blanks(actor: Actor, record_id: int) -> Blanks:
    """What the acting member still has to answer on their own entry."""
    record = own_record(require_member(actor), record_id)
    asked = ()
    if record.status != "rejected":
        filled = register_defaults.automatic(record)
        asked = tuple(name for name in FIELDS if is_blank(record, name) and name not in filled)
    return Blanks(record.id, record.kind, asked)


def complete(actor: Actor, record_id: int, now: datetime, answers: dict) -> ServiceRecord:
    """Save the member's answers with what the programme fills in by itself; a field neither
    answered nor filled in stays as it is, for the mini-program. The entry is held while its
    blanks are read, so a default never overwrites text written at the same moment."""
    with db.atomic():
        if is_id(record_id):
            lock_row(ServiceRecord, record_id)
        record = own_record(require_member(actor), record_id)
        return fill_in(actor, record.id, now, **{**register_defaults.automatic(record), **answers})
