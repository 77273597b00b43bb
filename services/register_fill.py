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
from models.record import RECORD_KINDS as KINDS

from .actors import Actor, require_member
from .checkin import own_record
from .register_defaults import AUTOMATIC, automatic, is_blank
from .review import fill_in

FIELDS = ("target", "content", "outcome")  # in the order a member is asked them
# The most recent entry first: checked out last, or checked in last while open.
_LATEST_FIRST = (
    fn.COALESCE(ServiceRecord.checkout_at, ServiceRecord.checkin_at).desc(),
    ServiceRecord.id.desc(),
)


@dataclass(frozen=True)
class Blanks:
    """The member's own entry as its fill-in sees it."""

    record_id: int
    kind: str
    asked: tuple[str, ...]  # the blank fields the member is to answer, in FIELDS order


def blanks(actor: Actor, record_id: int) -> Blanks:
    """What the acting member still has to answer on their own entry. An entry still open
    (a visit whose notes were left) is not asked what its check-out will write by itself
    (services.register_defaults: a visit's household, an activity's title)."""
    record = own_record(require_member(actor), record_id)
    asked = ()
    if record.status != "rejected":
        later = automatic(record) if record.checkout_at is None else {}
        asked = tuple(name for name in FIELDS if is_blank(record, name) and name not in later)
    return Blanks(record.id, record.kind, asked)


def latest_unfilled(actor: Actor) -> int | None:
    """The acting member's most recent entry with a field of theirs still blank (not a
    rejected one), for 「补登」 when the questions were left: after the check-out, or a visit's
    notes while it is still open (those fields its check-out writes by itself aside, as
    `blanks` leaves them). The most recent is the one checked out last, or checked in last
    while open."""
    R = ServiceRecord
    mine = (R.member == require_member(actor).id) & (R.status != "rejected")
    closed = R.checkout_at.is_null(False) & _any_blank(FIELDS)
    still_open = R.checkout_at.is_null() & reduce(
        operator.or_, [(R.kind == kind) & _any_blank(_members_fields(kind)) for kind in KINDS]
    )
    query = R.select(R.id).where(mine & (closed | still_open))
    row = query.order_by(*_LATEST_FIRST).first()
    return row.id if row else None


def latest_rejected(actor: Actor) -> ServiceRecord | None:
    """The acting member's most recent entry (as latest_unfilled orders them), when it was
    rejected with a field of theirs still blank: 「补登」 finding nothing to fill in says
    that entry does not count and whom to ask, rather than that everything is filled in."""
    R = ServiceRecord
    latest = R.select().where(R.member == require_member(actor).id).order_by(*_LATEST_FIRST)
    record = latest.first()
    if record is None or record.status != "rejected":
        return None
    fields = FIELDS if record.checkout_at is not None else _members_fields(record.kind)
    return record if any(is_blank(record, name) for name in fields) else None


def _members_fields(kind: str) -> tuple[str, ...]:
    """The fields of an open entry of this kind that its check-out does not write itself."""
    return tuple(name for name in FIELDS if (kind, name) not in AUTOMATIC)


def _any_blank(fields: tuple[str, ...]):
    R = ServiceRecord
    return reduce(operator.or_, [fn.COALESCE(fn.TRIM(getattr(R, f)), "") == "" for f in fields])


def entry(actor: Actor, record_id: int) -> ServiceRecord:
    """The acting member's own entry, read only (to say what its fill-in left)."""
    return own_record(require_member(actor), record_id)


def complete(actor: Actor, record_id: int, now: datetime, answers: dict) -> ServiceRecord:
    """Save the member's answers on their own entry; a field not answered stays as it is,
    for the mini-program."""
    record = own_record(require_member(actor), record_id)
    return fill_in(actor, record.id, now, **answers)
