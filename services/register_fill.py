"""A member filling in their own register entry after checking out: which fields are still
theirs to answer, so that every transport asks the same questions.

What the programme knows by itself (an activity's content, a household visit's target) is
written by the check-out (services.register_defaults), so the fields still blank after it
are the member's to answer, and nothing here writes text on the member's behalf: a transport
that asks nothing, or is never used, leaves no entry without what the programme knows. A
rejected entry is closed to fill-in (services.review), so nothing is asked of it. Only the
member's own entries are looked at: another member's is 'not found', as everywhere else
(services.checkin.own_record).
"""

import operator
from dataclasses import dataclass
from datetime import datetime
from functools import reduce

from peewee import fn

from models import ServiceRecord

from .actors import Actor, require_member
from .checkin import own_record
from .register_defaults import is_blank
from .review import fill_in

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
        asked = tuple(name for name in FIELDS if is_blank(record, name))
    return Blanks(record.id, record.kind, asked)


def latest_unfilled(actor: Actor) -> int | None:
    """The acting member's most recent checked-out entry with a field of theirs still blank
    (not a rejected one), for 「补登」 when the questions after the check-out were left."""
    R = ServiceRecord
    blank = reduce(operator.or_, [fn.COALESCE(fn.TRIM(getattr(R, f)), "") == "" for f in FIELDS])
    mine = (R.member == require_member(actor).id) & R.checkout_at.is_null(False)
    query = R.select(R.id).where(mine & (R.status != "rejected") & blank)
    row = query.order_by(R.checkout_at.desc(), R.id.desc()).first()
    return row.id if row else None


def entry(actor: Actor, record_id: int) -> ServiceRecord:
    """The acting member's own entry, read only (to say what its fill-in left)."""
    return own_record(require_member(actor), record_id)


def complete(actor: Actor, record_id: int, now: datetime, answers: dict) -> ServiceRecord:
    """Save the member's answers on their own entry; a field not answered stays as it is,
    for the mini-program."""
    record = own_record(require_member(actor), record_id)
    return fill_in(actor, record.id, now, **answers)
