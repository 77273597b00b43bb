"""Activities: what a member may see, what a leader or the office may schedule, and enrolment
whose capacity holds under concurrent requests.

Visibility is one rule, written once in SQL: a member sees their team's activities, open
activities (no team, not an ad-hoc task) and anything they are enrolled in or assigned to;
the office sees everything. So an office ad-hoc task without a team (临时突击任务) is seen
only by the members it was assigned to.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import peewee as pw

from models import (
    Account,
    Activity,
    AuditLog,
    Community,
    Enrollment,
    Member,
    ServiceRecord,
    Team,
    db,
)

from . import activity_fields as spec
from . import activity_locks as locks
from . import audit, change_notices, clock, date_window, entry_measures, field_labels
from . import member_notices as notices
from .actors import Actor, require_member
from .checkin_rules import CheckinRules
from .errors import Conflict, Forbidden, Invalid, NotFound
from .rows import is_id

CATEGORY_NAMES = {
    "policy_legal": "政策法律法规咨询",
    "rights": "权益维护",
    "assistance": "社会救助",
    "health": "巡诊义诊",
    "environment": "环境卫生整治",
    "other": "其他",
}
KIND_NAMES = {"centralised": "集中活动", "individual": "分散活动", "adhoc": "临时突击任务"}
STATUS_NAMES = {
    "scheduled": "未开始",
    "ongoing": "进行中",
    "ended": "已结束",
    "cancelled": "已取消",
}

WINDOW_BEFORE, WINDOW_AFTER = timedelta(days=7), timedelta(days=60)
WINDOW_MAX_DAYS = 366
CREATOR = Member.alias()


@dataclass(frozen=True)
class EnrollmentResult:
    """The activity after enrolling, and whether this call enrolled (201) or found it done."""

    activity: Activity
    created: bool  # False when the member was already enrolled


def phase(activity: Activity, now: datetime) -> str:
    """scheduled, ongoing, ended or cancelled: the stored status read against the clock."""
    if activity.status == "cancelled":
        return "cancelled"
    if now < activity.starts_at:
        return "scheduled"
    return "ongoing" if now < activity.ends_at else "ended"


def resolve_window(start: date | None, end: date | None, now: datetime) -> tuple[date, date]:
    """The Shanghai dates a list covers: by default a week back and two months ahead."""
    date_window.check_window(start, end, WINDOW_MAX_DAYS)
    today, span = clock.local_today(now), WINDOW_BEFORE + WINDOW_AFTER
    if start is None and end is None:
        return today - WINDOW_BEFORE, today + WINDOW_AFTER
    if start is None:
        return end - span, end
    return start, end if end is not None else start + span


def list_activities(
    actor: Actor, start: date | None, end: date | None, now: datetime
) -> list[Activity]:
    """The activities the actor may see that overlap the window, by start time."""
    first, last = resolve_window(start, end, now)
    low = clock.local_midnight(first)
    high = clock.local_midnight(last + timedelta(days=1))
    query = _annotated(actor).where((Activity.starts_at < high) & (Activity.ends_at > low))
    return list(query.order_by(Activity.starts_at, Activity.id))


def get_activity(actor: Actor, activity_id: int) -> Activity:
    """One activity with its enrolment count, if the actor may see it."""
    found = _annotated(actor).where(Activity.id == _checked_id(activity_id)).first()
    if found is not None:
        return found
    hidden = Activity.get_or_none(Activity.id == activity_id)
    if hidden is None:
        raise _not_found()
    raise _hidden(hidden)


def create_activity(actor: Actor, fields: dict, now: datetime, quiet_hours: str) -> Activity:
    """Schedule an activity: a leader for their own team, the office for any team or for
    any members (an ad-hoc task: member_ids become assigned enrolments, each member told)."""
    spec.only(fields, spec.CREATE_FIELDS)
    for name in ("title", "starts_at", "ends_at"):
        if fields.get(name) is None:
            raise Invalid(f"缺少{field_labels.label(name)}。", "missing_field")
    team = _team_for(actor, fields.get("team_id"))
    community = _community_for(actor, team, fields.get("community_id"))
    values = spec.defaults(community) | spec.converted(fields)
    spec.check(values, now, times_changed=True)
    if values["lat"] is None:
        raise Invalid("请提供活动地点的坐标。", "missing_location")
    members = _assignees(actor, team, fields.get("member_ids") or [], values)
    with db.atomic():
        activity = Activity.create(
            team=team,
            community=community,
            created_by=actor.member,
            created_by_account=actor.account,
            created_at=now,
            **values,
        )
        if members:
            seat = {"activity": activity, "assigned": True, "created_at": now}
            Enrollment.insert_many([seat | {"member": m} for m in members]).execute()
            notices.tell_assigned(activity, [m.id for m in members], actor.member, now, quiet_hours)
        _audit(actor, "activity_create", activity, now, {"assigned": [m.id for m in members]})
    return get_activity(actor, activity.id)


def update_activity(
    actor: Actor,
    activity_id: int,
    fields: dict,
    now: datetime,
    quiet_hours: str,
    rules: CheckinRules = CheckinRules(),  # noqa: B008 (frozen, so sharing it is safe)
) -> Activity:
    """Change some fields (PATCH). What a leader may still change narrows once people have
    checked in and again once it has ended; the office may correct an ended activity (see
    services.activity_locks for which fields and why). Only values that differ count, so a
    form sent back whole is judged by what it changes. The entries made for it are measured
    again against a new point, radius or times by `rules` (services.entry_measures), and a
    new time or place is told to its members (services.change_notices)."""
    spec.only(fields, spec.UPDATE_FIELDS)
    with db.atomic():
        activity = _lock(activity_id)
        _require_manager(actor, activity)
        before = {name: getattr(activity, name) for name in spec.columns()}
        changes = spec.changes(before, before | spec.converted(fields))
        stage = locks.require_changeable(actor, activity, changes, now)
        values = before | changes
        times_changed = bool(changes.keys() & {"starts_at", "ends_at"})
        spec.check(values, now, times_changed, ended=stage == "ended")
        if "capacity" in changes:
            _require_room_for(activity, values["capacity"])
        if changes:
            Activity.update(**changes).where(Activity.id == activity.id).execute()
            detail = {k: [_plain(before[k]), _plain(v)] for k, v in changes.items()}
            change = _audit(actor, "activity_update", activity, now, detail)
            changed = Activity.get_by_id(activity.id)
            entry_measures.remeasure(changed, changes, actor.label, now, rules)
            change_notices.tell_changed(changed, before, actor.member, change.id, now, quiet_hours)
    return get_activity(actor, activity.id)


def cancel_activity(
    actor: Actor,
    activity_id: int,
    reason: str,
    now: datetime,
    quiet_hours: str,
) -> Activity:
    """Cancel an activity that has not ended, telling its members why. Cancelling again
    changes nothing and tells nobody: with the same reason or none (a retry), the activity
    as it stands; with another reason, a Conflict quoting the first: the members were told
    that one, and it stays."""
    reason = spec.text("reason", reason or "", 0, 200, "取消原因")
    with db.atomic():
        activity = _lock(activity_id)
        _require_manager(actor, activity)
        if activity.status == "cancelled":
            _require_same_reason(activity, reason)
        else:
            if phase(activity, now) == "ended":
                raise Conflict("活动已结束，不能取消。", "activity_ended")
            cancelled = {"status": "cancelled", "cancel_reason": reason}
            Activity.update(**cancelled).where(Activity.id == activity.id).execute()
            _audit(actor, "activity_cancel", activity, now, {"reason": reason})
            change_notices.withdraw_cancelled(activity, now)
            notices.tell_cancelled(activity, reason, actor.member, now, quiet_hours)
    return get_activity(actor, activity.id)


def _require_same_reason(activity: Activity, reason: str) -> None:
    """A second cancel may repeat the first (a retry) or give no reason; another reason
    would be silently lost, so it is refused, saying what the members were told."""
    if reason and reason != activity.cancel_reason:
        told = f"原因：{activity.cancel_reason}" if activity.cancel_reason else "当时未填写原因"
        message = f"该活动已经取消（{told}），不能再以其他原因取消。"
        raise Conflict(message, "activity_cancelled")


def enroll(actor: Actor, activity_id: int, now: datetime) -> EnrollmentResult:
    """Enrol the acting member; a repeat is harmless, and capacity holds under races."""
    member = require_member(actor)
    with db.atomic():
        activity = _lock(activity_id)
        _require_visible(actor, activity)
        _require_open(activity, now)
        created = _enrolment(activity, member) is None
        if created:
            _require_room_for(activity, activity.capacity, extra=1)
            Enrollment.create(activity=activity, member=member, created_at=now)
    return EnrollmentResult(get_activity(actor, activity.id), created)


def unenroll(actor: Actor, activity_id: int, now: datetime) -> Activity:
    """Withdraw the acting member's enrolment, and the notices about the activity not sent to
    them yet (a reminder, a change: services.member_notices.withdraw_about); nothing to
    withdraw is not an error."""
    member = require_member(actor)
    with db.atomic():
        activity = _lock(activity_id)
        _require_visible(actor, activity)
        enrolment = _enrolment(activity, member)
        if enrolment is not None:
            _require_may_leave(activity, enrolment, now)
            enrolment.delete_instance()
            notices.withdraw_about(activity.id, member.id, now, change_notices.LEFT)
    return get_activity(actor, activity.id)


def _annotated(actor: Actor):
    """Activities the actor may see, each with enrolled_count, is_enrolled and is_assigned
    (enrolled by the office or a leader, so the member cannot withdraw: see
    _require_may_leave), and the leader or office login that published it
    (services.activity_creators)."""
    count = Enrollment.select(pw.fn.COUNT(Enrollment.id)).where(Enrollment.activity == Activity.id)
    mine, assigned = pw.Value(0), pw.Value(0)
    if actor.member:
        mine = pw.fn.EXISTS(_enrolled(actor.member.id))
        assigned = pw.fn.EXISTS(_enrolled(actor.member.id).where(Enrollment.assigned))
    query = (
        Activity.select(
            Activity, Team.id, Team.name, CREATOR.id, CREATOR.name, Account.id, Account.display_name
        )
        .select_extend(
            count.alias("enrolled_count"), mine.alias("is_enrolled"), assigned.alias("is_assigned")
        )
        .join(Team, pw.JOIN.LEFT_OUTER)
        .switch(Activity)
        .join(CREATOR, pw.JOIN.LEFT_OUTER, on=(Activity.created_by == CREATOR.id))
        .switch(Activity)
        .join(Account, pw.JOIN.LEFT_OUTER, on=(Activity.created_by_account == Account.id))
    )
    return query if actor.is_office else query.where(_visible_to(require_member(actor)))


def _enrolled(member_id: int):
    return Enrollment.select(Enrollment.id).where(
        (Enrollment.activity == Activity.id) & (Enrollment.member == member_id)
    )


def _visible_to(member: Member):
    """The one visibility rule as a WHERE clause (see the module docstring)."""
    visible = (Activity.team.is_null() & (Activity.kind != "adhoc")) | pw.fn.EXISTS(
        _enrolled(member.id)
    )
    return (visible | (Activity.team == member.team_id)) if member.team_id else visible


def _require_visible(actor: Actor, activity: Activity) -> None:
    query = Activity.select().where((Activity.id == activity.id) & _visible_to(actor.member))
    if not query.exists():
        raise _hidden(activity)


def _hidden(activity: Activity) -> Forbidden:
    """Why a member may not see the activity: another team's, or (no team) an office task
    assigned to other members, since a team-less activity that is not a task is open to all."""
    if activity.team_id is None:
        return Forbidden("这是办公室指派给其他党员的任务，您未被指派。", "not_assigned")
    return Forbidden("这不是您所在服务队的活动。", "other_team_activity")


#: Why an actor who is neither the office nor the activity's team leader may not change or
#: cancel it, by how they stand to it: the office's own activity, another team's, their own.
MANAGE_REFUSALS = {
    "office": ("这是办公室发布的活动，只有办公室可以修改或取消。", "office_only"),
    "other_team": (
        "这是其他服务队的活动，只有该队队长或办公室可以修改或取消。",
        "other_team_activity",
    ),
    "own_team": ("只有本队队长或办公室可以修改或取消活动。", "leader_only"),
}


def _require_manager(actor: Actor, activity: Activity) -> None:
    """Pass for the office and the activity's team leader; say why for anyone else."""
    if actor.is_office or actor.leads(activity.team_id):
        return
    if activity.team_id is None:
        stand = "office"
    else:
        stand = "own_team" if actor.team_id == activity.team_id else "other_team"
    raise Forbidden(*MANAGE_REFUSALS[stand])


def _lock(activity_id: int) -> Activity:
    """The activity, write-locked until the transaction ends. An UPDATE that changes nothing
    locks the row on PostgreSQL and takes SQLite's single writer lock before anything is read
    (SQLite has no SELECT ... FOR UPDATE), so a count made next cannot be raced. It must be
    the transaction's first statement: a SQLite reader that later wants to write is refused."""
    query = Activity.update(status=Activity.status).where(Activity.id == _checked_id(activity_id))
    if not query.execute():
        raise _not_found()
    return Activity.get_by_id(activity_id)


def _enrolment(activity: Activity, member: Member) -> Enrollment | None:
    return Enrollment.get_or_none(
        (Enrollment.activity == activity.id) & (Enrollment.member == member.id)
    )


def _require_open(activity: Activity, now: datetime) -> None:
    state = phase(activity, now)
    if state == "cancelled":
        raise Conflict("活动已取消。", "activity_cancelled")
    if state == "ended":
        raise Conflict("活动已结束。", "activity_ended")


def _require_room_for(activity: Activity, capacity: int | None, extra: int = 0) -> None:
    if capacity is None:
        return
    taken = Enrollment.select().where(Enrollment.activity == activity.id).count()
    if taken + extra > capacity:
        if extra:
            raise Conflict("名额已满。", "activity_full")
        raise Conflict(f"人数上限不能少于已报名的 {taken} 人。", "capacity_below_enrolled")


def _require_may_leave(activity: Activity, enrolment: Enrollment, now: datetime) -> None:
    records = ServiceRecord.select().where(ServiceRecord.activity == activity.id)
    if records.where(ServiceRecord.member == enrolment.member_id).exists():
        raise Conflict("您已签到，不能取消报名。", "already_checked_in")
    if enrolment.assigned:
        raise Conflict("这是指派给您的任务，如需调整请联系队长或办公室。", "assigned")
    if phase(activity, now) == "ended":
        raise Conflict("活动已结束。", "activity_ended")


def _team_for(actor: Actor, team_id: int | None) -> Team | None:
    if actor.is_office:
        return None if team_id is None else _row(Team, team_id, "服务队", "unknown_team")
    if not actor.is_leader or actor.team_id is None:
        raise Forbidden("只有队长或办公室可以发布活动。", "leader_only")
    if team_id is not None and team_id != actor.team_id:
        raise Forbidden("队长只能为本队发布活动。", "other_team")
    return actor.member.team


def _community_for(actor: Actor, team: Team | None, community_id: int | None) -> Community | None:
    """The community an activity is held in: the team's paired community by default. A
    leader's team serves its own community (models.roster.Team.community); going to another
    one, another team's, is the office's to arrange, as it may for any team. An activity
    cannot be moved to another community later (PATCH does not take community_id)."""
    if community_id is None:
        return team.community if team is not None else None
    community = _row(Community, community_id, "社区", "unknown_community")
    if not actor.is_office and community.id != team.community_id:
        raise Forbidden(
            f"队长只能在本队结对的社区（{team.community.name}）发布活动；"
            "到其他社区开展活动，请联系办公室安排。",
            "other_community",
        )
    return community


def _assignees(actor: Actor, team: Team | None, ids: list[int], values: dict) -> list[Member]:
    """The members an ad-hoc task is assigned to: existing, active, and for a leader their own."""
    ids = list(dict.fromkeys(ids))
    if team is None and values["kind"] == "adhoc" and not ids:
        raise Invalid("临时突击任务须指派至少一名党员。", "no_assignees")
    if values["capacity"] is not None and len(ids) > values["capacity"]:
        raise Invalid("指派人数超过了人数上限。", "over_capacity")
    valid = [i for i in ids if is_id(i)]
    members = list(Member.select().where(Member.id.in_(valid) & Member.active)) if valid else []
    if len(members) != len(ids):
        raise Invalid("指派的党员不存在或已离队。", "unknown_member")
    if not actor.is_office and any(m.team_id != actor.team_id for m in members):
        raise Forbidden("队长只能指派本队党员。", "other_team_member")
    return members


def _checked_id(value: int) -> int:
    if not is_id(value):
        raise _not_found()
    return value


def _row(model, row_id: int, label: str, code: str):
    found = model.get_or_none(model.id == row_id) if is_id(row_id) else None
    if found is None:
        raise Invalid(f"指定的{label}不存在。", code)
    return found


def _not_found() -> NotFound:
    return NotFound("活动不存在。", "activity_not_found")


def _plain(value):
    return value.isoformat(sep=" ") if isinstance(value, datetime) else value


def _audit(actor: Actor, action: str, activity: Activity, now: datetime, detail: dict) -> AuditLog:
    return audit.record(actor.label, action, now, "activity", activity.id, detail)
