"""A leader registers attendance for a member of their team who cannot use a phone (代为登记).

How such an entry is marked, so that it never passes for a photo check-in:
- source 'leader', registered_by the leader, registration_reason saying why (required), no
  photo and no location;
- status 'pending' (never 'verified' on creation), and services.records.is_photo_verified is
  False for source 'leader' whatever the status becomes later;
- only the office can verify it: the team's leader is the one who registered it, and nobody
  reviews their own registration;
- it counts toward hours like any entry once checked out and filled in: the member did serve.

Times come from the leader (naive UTC here); for an activity they default to its start and
end, and must lie within the window a member's own check-in would have (the activity's time,
widened by the check-in rules' minutes before and after): a leader's word does not add hours
an activity did not have (the activity is held meanwhile, as a check-in holds it, so an edit
of its times waits for the entry and then measures it: services.entry_measures). The entry is
closed (checked out) at once, since the member has no
phone to check out, with what the programme fills in by itself at a check-out
(services.register_defaults) where the leader left it blank.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee as pw

from models import Activity, Enrollment, Member, Pairing, ServiceRecord, db
from models.record import RECORD_KINDS

from . import history, register_defaults
from .actors import Actor
from .checkin_rules import CheckinRules
from .errors import Conflict, Forbidden, Invalid, NotFound
from .records import LEADER_SOURCE, member_not_found
from .review import MAX_DURATION_MIN, TEXT_LIMITS, clean_text
from .rows import REQUEST_ID_LONGEST, check_request_id, is_id, lock_row

REASON_LIMIT = 200  # the registration_reason column
# Stored before the client's request_id, apart from the member's own check-in ids (both are
# unique per member): a leader cannot take an id the member's phone or chat will send. The
# column holds 64 characters, so the client's id may have 57.
REQUEST_PREFIX = "leader:"
BACKDATE_LIMIT = timedelta(days=92)  # about a quarter: registrations are made by report time
FUTURE_SLACK = timedelta(minutes=5)


# What a leader reads when the kind of service is missing or does not fit activity_id: the
# kinds in words, with the field names a developer needs.
KIND_HELP = (
    "请说明服务类型：集中活动请给出活动编号 activity_id；"
    "结对走访 kind 填 visit；分散活动（个人服务）kind 填 individual。"
)
KIND_MISMATCH = {  # by whether the kind is activity
    True: "集中活动请给出活动编号 activity_id。",
    False: "结对走访和分散活动不属于某个活动：请去掉 activity_id，集中活动 kind 填 activity。",
}
# Why a member who is neither enrolled in nor assigned to an activity outside their team
# cannot be registered for it, by how the activity stands: the activities API's codes for a
# member who may not see it (services.activities._hidden), and check-in's for an open
# activity one has not enrolled in.
NOT_ON_ACTIVITY = {
    "other_team": (
        "这是其他服务队的活动，该党员没有报名或被指派参加，不能为其代为登记。",
        "other_team_activity",
    ),
    "office_task": (
        "这是办公室指派给其他党员的任务，该党员未被指派，不能为其代为登记。",
        "not_assigned",
    ),
    "open": (
        "该党员没有报名这个办公室发布的活动，不能为其代为登记；如确实参加，请联系办公室指派。",
        "not_enrolled",
    ),
}


@dataclass(frozen=True)
class Attendance:
    """What the leader states; kind defaults to 'activity' when an activity is given."""

    member_id: int
    reason: str
    kind: str | None = None
    activity_id: int | None = None
    checkin_at: datetime | None = None
    checkout_at: datetime | None = None
    content: str = ""
    target: str = ""
    outcome: str = ""
    request_id: str | None = None  # the client's, so that a retried submission stores one entry


@dataclass(frozen=True)
class Registration:
    record: ServiceRecord
    created: bool  # False: an earlier registration with the same request_id, given back


def register_attendance(
    actor: Actor,
    attendance: Attendance,
    now: datetime,
    rules: CheckinRules = CheckinRules(),  # noqa: B008 (frozen, so sharing it is safe)
) -> Registration:
    """Record a service by a team member on the leader's word; see the module docstring.

    A request_id seen before returns the entry it created (created False, as a check-in's
    retry does), so a retry stores nothing twice."""
    leader = _require_leader(actor)
    a = _cleaned(attendance)
    member = _team_member(leader, a.member_id)
    request_key = REQUEST_PREFIX + a.request_id if a.request_id else None
    try:
        with db.atomic():
            if is_id(a.activity_id):  # as a check-in holds it: an edit waits (activity_locks)
                lock_row(Activity, a.activity_id, "FOR SHARE")
            lock_row(Member, member.id)  # one registration of this member at a time
            earlier = _replayed(member, request_key, leader)
            if earlier is not None:
                return Registration(earlier, created=False)
            return Registration(_create(actor, member, a, request_key, now, rules), created=True)
    except pw.IntegrityError:  # the same request_id landed first by another way
        earlier = _replayed(member, request_key, leader)
        if earlier is None:
            raise
        return Registration(earlier, created=False)


def _require_leader(actor: Actor) -> Member:
    if not actor.is_leader or actor.team_id is None:
        raise Forbidden("只有队长可以为队员代为登记。", "leader_only")
    return actor.member


def _cleaned(a: Attendance) -> Attendance:
    reason = clean_text("reason", a.reason or "", REASON_LIMIT, "代登记原因")
    if not reason:
        raise Invalid("请说明代为登记的原因。", "reason_required")
    kind = a.kind or ("activity" if a.activity_id is not None else None)
    if kind not in RECORD_KINDS:
        raise Invalid(KIND_HELP, "bad_kind")
    if (kind == "activity") != (a.activity_id is not None):
        raise Invalid(KIND_MISMATCH[kind == "activity"], "bad_kind")
    if a.request_id is not None:
        check_request_id(a.request_id, REQUEST_ID_LONGEST - len(REQUEST_PREFIX))
    texts = {k: clean_text(k, getattr(a, k) or "", limit) for k, limit in TEXT_LIMITS.items()}
    return Attendance(
        member_id=a.member_id,
        reason=reason,
        kind=kind,
        activity_id=a.activity_id,
        checkin_at=a.checkin_at,
        checkout_at=a.checkout_at,
        request_id=a.request_id,
        **texts,
    )


def _team_member(leader: Member, member_id: int) -> Member:
    member = Member.get_or_none(Member.id == member_id) if is_id(member_id) else None
    if member is None:
        raise member_not_found()
    if member.team_id != leader.team_id:
        raise Forbidden("只能为本队队员代为登记。", "not_team_member")
    if member.id == leader.id:
        raise Forbidden("不能为自己代为登记，请用手机签到。", "own_registration")
    if not member.active:
        raise Conflict("该党员已离队，不能为其登记。", "member_inactive")
    return member


def _replayed(member: Member, request_key: str | None, leader: Member) -> ServiceRecord | None:
    if request_key is None:
        return None
    earlier = ServiceRecord.get_or_none(
        (ServiceRecord.member == member.id) & (ServiceRecord.request_id == request_key)
    )
    if earlier is not None and earlier.registered_by_id != leader.id:
        raise Conflict("该请求编号已被使用。", "request_id_used")
    return earlier


def _create(actor: Actor, member: Member, a: Attendance, request_key, now, rules) -> ServiceRecord:
    activity = _activity(member, a.activity_id) if a.kind == "activity" else None
    household_id = _household_id(member) if a.kind == "visit" else None
    start, end = _times(a, activity, now)
    _within_activity(start, end, activity, rules)
    _refuse_double(member, activity, start, end)
    record = ServiceRecord(
        member=member,
        kind=a.kind,
        activity=activity,
        household=household_id,
        checkin_at=start,
        checkout_at=end,
        duration_minutes=int((end - start).total_seconds() // 60),
        content=a.content,
        target=a.target,
        outcome=a.outcome,
        status="pending",
        flags=[],
        source=LEADER_SOURCE,
        registered_by=actor.member,
        registration_reason=a.reason,
        request_id=request_key,
        created_at=now,
        updated_at=now,
    )
    register_defaults.fill(record)  # closed at once: a check-out's text, as for any entry
    record.save()
    history.append(record, actor.label, "register", now, {}, a.reason)
    return record


def _activity(member: Member, activity_id: int) -> Activity:
    activity = Activity.get_or_none(Activity.id == activity_id) if is_id(activity_id) else None
    if activity is None:
        raise NotFound("活动不存在。", "activity_not_found")
    enrolled = Enrollment.select().where(
        (Enrollment.activity == activity.id) & (Enrollment.member == member.id)
    )
    if activity.team_id != member.team_id and not enrolled.exists():
        raise Forbidden(*NOT_ON_ACTIVITY[_stand(activity)])
    if activity.status == "cancelled":
        raise Conflict("活动已取消。", "activity_cancelled")
    return activity


def _stand(activity: Activity) -> str:
    """How an activity outside the member's team stands: another team's, an office task
    (seen only by its assignees), or open to every member."""
    if activity.team_id is not None:
        return "other_team"
    return "office_task" if activity.kind == "adhoc" else "open"


def _household_id(member: Member) -> int:
    pairing = Pairing.get_or_none((Pairing.member == member.id) & Pairing.ended_on.is_null())
    if pairing is None:
        raise Invalid("该党员没有结对家庭，不能登记走访。", "no_pairing")
    return pairing.household_id


def _times(a: Attendance, activity: Activity | None, now: datetime) -> tuple[datetime, datetime]:
    start = a.checkin_at or (activity.starts_at if activity else None)
    end = a.checkout_at or (activity.ends_at if activity else None)
    if start is None or end is None:
        raise Invalid("请填写服务开始和结束时间。", "times_required")
    if not (start < end and end - start <= timedelta(minutes=MAX_DURATION_MIN)):
        raise Invalid("结束时间应晚于开始时间，且一次服务不超过 24 小时。", "bad_times")
    if end > now + FUTURE_SLACK:
        raise Invalid("不能登记尚未结束的服务。", "times_in_future")
    if start < now - BACKDATE_LIMIT:
        raise Invalid(f"只能代为登记 {BACKDATE_LIMIT.days} 天以内的服务。", "too_old")
    return start, end


def _within_activity(start, end, activity: Activity | None, rules: CheckinRules) -> None:
    if activity is None:
        return
    opens = activity.starts_at - timedelta(minutes=rules.open_before_min)
    closes = activity.ends_at + timedelta(minutes=rules.close_after_min)
    if start < opens or end > closes:
        raise Invalid(
            f"代为登记的时间应在活动时间内（开始前 {rules.open_before_min} 分钟"
            f"至结束后 {rules.close_after_min} 分钟）。",
            "outside_activity_time",
        )


def _refuse_double(member: Member, activity, start: datetime, end: datetime) -> None:
    """One entry per member and activity, and no two entries of a member at the same time
    (hours would be counted twice)."""
    R = ServiceRecord
    live = (R.member == member.id) & (R.status != "rejected")
    if activity is not None and R.select().where(live & (R.activity == activity.id)).exists():
        raise Conflict("该党员已有此活动的登记。", "already_registered")
    ends = pw.fn.COALESCE(R.checkout_at, R.checkin_at)
    overlapping = live & (R.checkin_at < end) & (ends > start)
    if R.select().where(overlapping).exists():
        raise Conflict("该党员在这段时间已有登记。", "overlapping_record")
