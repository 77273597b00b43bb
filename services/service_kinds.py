"""Which kind of service an entry counts as, for every figure and label that sorts services
by kind: the entry's kind_name, the member's summary, the quarterly report and the annual
assessment (services.summary, services.report_stats, services.annual_figures).

An entry's stored kind says what was checked in to (an activity, a household visit, a
service of one's own); the service it counts as is that, except that an activity published
as 分散活动 (activity kind `individual`) is a 分散活动 like a service of one's own, not a
集中活动 because it was checked in to through an activity. The annual assessment splits
集中活动 further by the activity's kind (临时任务, `adhoc`) on top of this rule.
"""

import peewee as pw

from models import Activity, ServiceRecord

from .record_names import KIND_NAMES

KINDS = ("activity", "visit", "individual")  # the kinds counted, in the order they are shown
# (entry kind, activity kind) → the kind counted, where it is not the entry's own kind.
COUNTED_AS = {("activity", "individual"): "individual"}


def counted_kind(record_kind: str, activity_kind: str | None) -> str:
    """The kind an entry counts as, from its kind and its activity's (None: no activity)."""
    return COUNTED_AS.get((record_kind, activity_kind), record_kind)


def counted_kind_of(record: ServiceRecord) -> str:
    """counted_kind of one loaded entry (its activity read when it has one)."""
    activity_kind = record.activity.kind if record.activity_id else None
    return counted_kind(record.kind, activity_kind)


def kind_name(record: ServiceRecord) -> str:
    """What the entry's service is called: 集中活动, 结对走访 or 分散活动."""
    kind = counted_kind_of(record)
    return KIND_NAMES.get(kind, kind)


def counted_kind_sql() -> pw.Expression:
    """counted_kind as SQL, over the register joined (left outer) to Activity."""
    R = ServiceRecord
    cases = [
        ((R.kind == record_kind) & (Activity.kind == activity_kind), counted)
        for (record_kind, activity_kind), counted in COUNTED_AS.items()
    ]
    return pw.Case(None, cases, R.kind)
