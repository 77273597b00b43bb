"""What an entry still lacks to count toward hours, named for the member and the leader.

The rule stays services.records.counts_toward_hours (checked out; content, target and outcome
written; not rejected); this says which of its conditions an entry does not meet yet, so that
nobody is left wondering why a service shows 0 hours. An entry still open is not asked what
its check-out writes by itself (services.register_defaults: an activity's content, a visit's
household), as its fill-in does not ask it (services.register_fill). A rejected entry lacks
nothing it could be given: it does not count, and its hint says so.
"""

from models import ServiceRecord

from .history import COLUMN_LABELS
from .register_defaults import automatic, is_blank

CHECKOUT = "checkout"
FIELDS = ("target", "content", "outcome")  # in the order a member is asked them
MISSING = (CHECKOUT, *FIELDS)
NAMES = {name: COLUMN_LABELS[name] for name in FIELDS}  # as the entry's history says them
REJECTED_HINT = "记录未通过审核，不计入服务时长"


def missing_for_hours(record: ServiceRecord) -> tuple[str, ...]:
    """The conditions the entry still lacks, among MISSING in that order; () when it counts
    or is rejected."""
    if record.status == "rejected":
        return ()
    is_open = record.checkout_at is None
    later = automatic(record) if is_open else {}
    blank = tuple(name for name in FIELDS if is_blank(record, name) and name not in later)
    return ((CHECKOUT,) if is_open else ()) + blank


def hours_hint(record: ServiceRecord, missing: tuple[str, ...]) -> str:
    """What to do for the entry to count, in a sentence to show as it is; "" when it counts."""
    if record.status == "rejected":
        return REJECTED_HINT
    fields = "、".join(NAMES[name] for name in missing if name != CHECKOUT)
    if CHECKOUT not in missing:
        return f"还需填写：{fields}，填写后计入服务时长" if fields else ""
    if fields:
        return f"还需签退并填写：{fields}，完成后计入服务时长"
    return "签退后计入服务时长"
