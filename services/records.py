"""Reading the register: who may see which entries, the paged list, one entry with its history,
and the rules other modules reuse (when an entry counts toward hours, what is photo-verified).

Visibility is one rule for every reader: the office sees every entry; a leader sees their own
and their team's members' entries; a member sees only their own. An entry the actor may not
see is NotFound (404) for everyone, so that asking by id never reveals that it exists; an
entry the actor may see but not change is Forbidden (403).
"""

import operator
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import reduce

import peewee as pw

from models import Activity, Household, Member, Photo, RecordHistory, ServiceRecord
from models.record import AWAITING_REVIEW, RECORD_KINDS, RECORD_STATUSES

from . import clock, date_window
from .actors import Actor, require_member
from .errors import Forbidden, Invalid, NotFound
from .record_names import AWAITING_NAMES, STATUS_NAMES
from .rows import check_page, is_id, load_locked
from .service_kinds import counted_kind_sql
from .teams import team_by_id

R = ServiceRecord
PAGE_DEFAULT, PAGE_MAX = 20, 100
LEADER_SOURCE = "leader"
PHOTO_SOURCES = ("mp", "chat")  # sources whose entries carry a check-in photo


def counts_toward_hours(record: ServiceRecord) -> bool:
    """Checked out, filled in (content, target, outcome) and not rejected.

    The SQL form of the same rule is services.summary.counts_toward_hours()."""
    filled = all((value or "").strip() for value in (record.content, record.target, record.outcome))
    return record.checkout_at is not None and filled and record.status != "rejected"


def is_registered_by_leader(record: ServiceRecord) -> bool:
    return record.source == LEADER_SOURCE


def is_photo_verified(record: ServiceRecord) -> bool:
    """Verified on the evidence of a check-in photo and location. A leader's registration is
    never photo-verified, even after the office confirms it (its status may then be
    'verified', but the evidence is the leader's word, not a photo)."""
    return record.status == "verified" and record.source in PHOTO_SOURCES


REVIEWERS = ("leader", "office")


def awaiting_review_by(record: ServiceRecord) -> str | None:
    """Whose review an entry waits for (see reviewer_for)."""
    return reviewer_for(record.status, record.member.role, record.source)


def status_name(record: ServiceRecord) -> str:
    """The status as the member, the leader and the office read it (see name_status)."""
    return name_status(record.status, record.member.role, record.source)


def reviewer_for(status: str, member_role: str, source: str) -> str | None:
    """Whose review an entry waits for: the office when the team's leader may not review it
    (their own entry, or one a leader registered for a member: services.review), else the
    leader; None when it waits for nobody (verified or rejected). Takes the columns, so that
    lists reading a few columns (services.entry_labels) name it as the register does."""
    if status not in AWAITING_REVIEW:
        return None
    return "office" if member_role == "leader" or source == LEADER_SOURCE else "leader"


def name_status(status: str, member_role: str, source: str) -> str:
    """An entry's status in words, naming whose review it waits for (待队长审核)."""
    waiting_for = reviewer_for(status, member_role, source)
    if waiting_for:
        return AWAITING_NAMES[waiting_for]
    return STATUS_NAMES.get(status, status)


def can_see(actor: Actor, record: ServiceRecord) -> bool:
    """The visibility rule above, for one loaded entry."""
    if actor.is_office:
        return True
    if actor.member is None:
        return False
    return record.member_id == actor.member.id or actor.leads(record.member.team_id)


@dataclass(frozen=True)
class RecordFilters:
    """What the list is narrowed to; dates are Shanghai calendar days, both inclusive, and
    match the check-in time; kind is the kind an entry counts as (services.service_kinds),
    as its kind_name names it."""

    member_id: int | None = None
    team_id: int | None = None
    status: str | None = None
    statuses: frozenset[str] | None = None  # any of these (the command line's 待审核: both)
    awaiting_review_by: str | None = None  # one of REVIEWERS, as awaiting_review_by() says
    kind: str | None = None
    activity_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    mine: bool = False
    limit: int = PAGE_DEFAULT
    offset: int = 0


def list_records(actor: Actor, filters: RecordFilters) -> tuple[list[ServiceRecord], int]:
    """One page of the entries the actor may see, newest check-in first, and how many match.

    Three queries whatever the page size: the page (with member, activity, registering
    leader and visited household joined), the photos of the page, the count. A member_id
    the actor may not see is Forbidden rather than an empty page, so that a leader's screen
    never silently shows nothing; one no member has is NotFound for everyone, the office too,
    as an unknown team_id is."""
    where = matching(actor, filters)
    base = R.select().join(Member, on=(R.member == Member.id)).where(where)
    if filters.kind is not None:  # the kind counted reads the activity's (service_kinds)
        base = base.switch(R).join(Activity, pw.JOIN.LEFT_OUTER, on=(R.activity == Activity.id))
    total = base.count()
    page = (
        _with_people_and_activity()
        .where(where)
        .order_by(R.checkin_at.desc(), R.id.desc())
        .limit(filters.limit)
        .offset(filters.offset)
    )
    records = list(page)
    attach_photos(records)
    return records, total


def matching(actor: Actor, filters: RecordFilters) -> pw.Expression:
    """The entries the actor may see that the filters ask for, as a condition on the register
    joined to Member; Invalid or Forbidden for filters the list refuses. Shared with the Excel
    export (services.register_export), so the file holds exactly what the list shows."""
    _check_filters(filters)
    return _scope(actor, filters) & _narrowing(filters)


def _check_filters(f: RecordFilters) -> None:
    checks = (
        (
            f.status is None or f.status in RECORD_STATUSES,
            f"status 应为{_one_of(RECORD_STATUSES)}。",
        ),
        (
            f.statuses is None or f.statuses <= set(RECORD_STATUSES),
            f"status 应为{_one_of(RECORD_STATUSES)}。",
        ),
        (
            f.awaiting_review_by is None or f.awaiting_review_by in REVIEWERS,
            f"awaiting_review_by 应为{_one_of(REVIEWERS)}。",
        ),
        (f.kind is None or f.kind in RECORD_KINDS, f"kind 应为{_one_of(RECORD_KINDS)}。"),
        (f.member_id is None or is_id(f.member_id), "member_id 应为党员编号。"),
        (f.team_id is None or is_id(f.team_id), "team_id 应为服务队编号。"),
        (f.activity_id is None or is_id(f.activity_id), "activity_id 应为活动编号。"),
    )
    for ok, message in checks:
        if not ok:
            raise Invalid(message, "bad_filter")
    check_page(f.limit, f.offset, PAGE_MAX)
    date_window.check_window(f.date_from, f.date_to)


def _one_of(choices) -> str:
    return " " + "、".join(choices) + " 之一"


def _scope(actor: Actor, f: RecordFilters) -> pw.Expression:
    """What the actor may see, narrowed to their own entries when they ask for `mine`."""
    if actor.is_office and not f.mine:
        scope = R.id.is_null(False)
    else:
        me = require_member(actor)
        own = R.member == me.id
        team = me.team_id if actor.leads(me.team_id) and not f.mine else None
        scope = own | (Member.team == team) if team is not None else own
    if f.member_id is not None and not _may_see_member(actor, f.member_id):
        raise Forbidden(MEMBER_FILTER_REFUSALS[actor.is_leader], "record_scope")
    if f.team_id is not None and not (actor.is_office or actor.leads(f.team_id)):
        raise Forbidden(TEAM_FILTER_REFUSALS[actor.is_leader], "record_scope")
    if f.team_id is not None and actor.is_office:
        team_by_id(f.team_id)  # no such team: 404, as the export and every team screen say
    return scope


# Why a member filter is refused, by whether the actor is a leader: a leader named another
# team's member; a member named anyone but themselves (their team's members are not theirs
# to see, so naming them would promise what the member cannot do).
MEMBER_FILTER_REFUSALS = {
    True: "您只能查看本人或本队党员的登记。",
    False: "您只能查看本人的登记。",
}
# Why a team filter is refused, by whether the actor is a leader: a leader asked for another
# team; a member asked for a team at all (their own too: a member's list is their own entries,
# so telling them "only your own team" would name the team they asked for).
TEAM_FILTER_REFUSALS = {
    True: "队长只能查看本队的登记。",
    False: "只有队长和办公室可以按服务队（team_id）筛选登记，您可以查看本人的登记。",
}


def _may_see_member(actor: Actor, member_id: int) -> bool:
    """Whether the actor may filter by this member. A plain member may name only themselves,
    and is refused any other id whether or not a member has it (else the answer would tell
    them which ids exist). For a leader and the office, NotFound when no member has the id, so
    a leader who names a member that does not exist hears so, not that the member is another
    team's, and the office does not get an empty page for a mistyped id."""
    if actor.member is not None and actor.member.id == member_id:
        return True
    if not (actor.is_office or actor.is_leader):
        return False
    team = Member.select(Member.team).where(Member.id == member_id).tuples().first()
    if team is None:
        raise member_not_found()
    return actor.is_office or actor.leads(team[0])


def _narrowing(f: RecordFilters) -> pw.Expression:
    conditions = [R.id.is_null(False)]
    for value, column in (
        (f.member_id, R.member),
        (f.team_id, Member.team),
        (f.status, R.status),
        (f.kind, counted_kind_sql()),
        (f.activity_id, R.activity),
    ):
        if value is not None:
            conditions.append(column == value)
    if f.statuses is not None:
        conditions.append(R.status.in_(sorted(f.statuses)))
    if f.awaiting_review_by is not None:
        conditions.append(_awaiting_review_by(f.awaiting_review_by))
    if f.date_from:
        conditions.append(R.checkin_at >= clock.local_midnight(f.date_from))
    if f.date_to:
        conditions.append(R.checkin_at < clock.local_midnight(f.date_to + timedelta(days=1)))
    return reduce(operator.and_, conditions)


def _awaiting_review_by(reviewer: str) -> pw.Expression:
    """awaiting_review_by() as SQL over the register joined to Member: the same rule, so
    that a filter by 待办公室审核 finds the entries the file names so."""
    for_office = (Member.role == "leader") | (R.source == LEADER_SOURCE)
    waiting = R.status.in_(sorted(AWAITING_REVIEW))
    return waiting & (for_office if reviewer == "office" else ~for_office)


def _with_people_and_activity() -> pw.ModelSelect:
    """Entries with their member, activity, registering leader and visited household (its
    data masks a visit's text for a leader: services.record_text), read in the same query."""
    registrar = Member.alias()
    return (
        R.select(R, Member, Activity, registrar, Household)
        .join(Member, on=(R.member == Member.id))
        .switch(R)
        .join(Activity, pw.JOIN.LEFT_OUTER, on=(R.activity == Activity.id))
        .switch(R)
        .join(registrar, pw.JOIN.LEFT_OUTER, on=(R.registered_by == registrar.id))
        .switch(R)
        .join(Household, pw.JOIN.LEFT_OUTER, on=(R.household == Household.id))
    )


def attach_photos(records: list[ServiceRecord]) -> None:
    """Load the photos of many entries in one query (record.photos becomes a list)."""
    by_record = defaultdict(list)
    if records:
        ids = [r.id for r in records]
        for p in Photo.select().where(Photo.record.in_(ids)).order_by(Photo.id):
            by_record[p.record_id].append(p)
    for r in records:
        r.photos = by_record[r.id]


def get_record(actor: Actor, record_id: int) -> ServiceRecord:
    """One entry the actor may see (member, activity, registering leader and photos loaded),
    else NotFound."""
    record = None
    if is_id(record_id):
        record = _with_people_and_activity().where(R.id == record_id).first()
    if record is None or not can_see(actor, record):
        raise not_found()
    attach_photos([record])
    return record


def not_found() -> NotFound:
    return NotFound("登记记录不存在。", "record_not_found")


def member_not_found() -> NotFound:
    """No member has the id a filter or a registration names: one code and one wording."""
    return NotFound("没有这位党员。", "member_not_found")


@dataclass(frozen=True)
class HistoryEntry:
    """One change as people read it: who (by name), when, what changed, why."""

    seq: int
    at: datetime
    actor: str
    actor_name: str
    actor_role: str  # one of ACTOR_ROLES
    action: str
    changes: dict
    reason: str


def record_history(record: ServiceRecord) -> list[HistoryEntry]:
    """The entry's history, oldest first, with actors named (office staff appear as 办公室)."""
    rows = list(record.history.order_by(RecordHistory.seq))
    names = _actor_names({h.actor for h in rows})
    return [
        HistoryEntry(
            seq=h.seq,
            at=h.at,
            actor=h.actor,
            actor_name=names.get(h.actor, h.actor),
            actor_role=actor_role(h.actor, record),
            action=h.action,
            changes=h.changes,
            reason=h.reason,
        )
        for h in rows
    ]


ACTOR_ROLES = ("member", "leader", "office", "system")


def actor_role(label: str, record: ServiceRecord) -> str:
    """The role in which a history line's actor acted on the entry.

    Every member's label is member:<id>, leaders' too, and stored lines stay as they were
    hashed; so the role is read from the line and its entry. A member acting on another
    member's entry acts as that member's leader (only a leader reviews, registers for, or
    completes what they registered for a member); on their own entry a leader serves as a
    member. The role is not the member's role today, which may have changed since."""
    kind, _, member_id = label.partition(":")
    if kind == "member":
        return "member" if member_id == str(record.member_id) else "leader"
    return "office" if kind == "office" else "system"


def _actor_names(labels: set[str]) -> dict[str, str]:
    member_ids = [int(label[7:]) for label in labels if label.startswith("member:")]
    names = {label: "办公室" for label in labels if label.startswith("office:")}
    names["system"] = "系统"
    if member_ids:
        for m in Member.select(Member.id, Member.name).where(Member.id.in_(member_ids)):
            names[f"member:{m.id}"] = m.name
    return names


def load_for_change(actor: Actor, record_id: int) -> ServiceRecord:
    """The entry, locked for this transaction, if the actor may see it; else NotFound."""
    record = load_locked(R, record_id, not_found())
    if not can_see(actor, record):
        raise not_found()
    return record
