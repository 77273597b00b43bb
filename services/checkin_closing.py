"""Closing check-ins nobody closed: a member who forgets to check out should not leave an
entry open for ever (it would count no hours and block nothing, but it hides the service).

An activity's entry still open some hours after the activity ended is closed at the end
time: the member was there and the activity's hours are known. A visit or own service open
longer than the longest a service may last is closed with no time counted: nobody knows how
long it lasted, and crediting the whole limit would reward forgetting. So is the entry of an
activity longer than that (a week-long campaign, the demo's month of practice): its end says
nothing of how long this member served. Either way the entry is flagged `auto_checkout` for
the leader to confirm or the office to correct: only the office changes hours, with a reason
(services.review.correct), since a leader's word on hours is checked by the office, as for
attendance a leader registers. The change goes into the register's history like any other,
with what the programme fills in by itself at any check-out (services.register_defaults),
and the member is told. Each entry is closed in its own transaction holding its row, so a
member checking out at the same moment wins or loses cleanly and nothing is closed twice.

The office may also close an open entry itself, by correcting its hours (by_correction): the
member forgot to check out and the office has found out how long they served. The office's
word on hours is final (only the office changes them), so the correction ends the check-in
then and there, in its own history line, as check-out would: the check-out time is the
check-in plus the hours the office set, and what the programme fills in by itself is written.
A member checking out afterwards is refused like after the system's closing (409
office_checked_out, saying the office set the hours), instead of overwriting them with the
time of the tap. Hours that have not passed yet (a check-in 20 minutes ago corrected to 60)
cannot have been served: the office waits for the check-out instead (409 still_in_service).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from peewee import JOIN

from models import Activity, RecordHistory, ServiceRecord, db

from . import clock, history, outbox, register_defaults
from .actors import SYSTEM
from .errors import Conflict
from .record_names import entry_title
from .rows import lock_row

FLAG = "auto_checkout"
ACTION = "auto_checkout"
KIND = "checkin_closed"
REASONS = {
    "activity": "活动结束后未签退，系统按活动结束时间自动签退",
    "open_ended": "超过最长服务时长未签退，系统自动签退，未计入服务时长",
}


@dataclass(frozen=True)
class ClosingRules:
    """How long an entry may stay open (settings.rules)."""

    after_end: timedelta = timedelta(hours=3)  # auto_checkout_after_hours
    max_open: timedelta = timedelta(hours=12)  # max_service_hours
    quiet_hours: str = "21:00-08:00"

    @classmethod
    def from_settings(cls, rules) -> "ClosingRules":
        return cls(
            after_end=timedelta(hours=rules.auto_checkout_after_hours),
            max_open=timedelta(hours=rules.max_service_hours),
            quiet_hours=rules.quiet_hours,
        )


def close_open_checkins(now: datetime, rules: ClosingRules = ClosingRules()) -> dict:  # noqa: B008
    """Close every overdue open entry; returns how many of each sort were closed."""
    closed = dict.fromkeys(REASONS, 0)
    for record_id in _overdue(now, rules):
        sort = _close(record_id, now, rules)
        if sort is not None:
            closed[sort] += 1
    return closed


def _overdue(now: datetime, rules: ClosingRules) -> list[int]:
    """Entries that may be overdue; _sort decides (an activity's length is compared there, not
    in SQL, where date arithmetic differs between SQLite and PostgreSQL)."""
    R = ServiceRecord
    ended = R.activity.is_null(False) & (Activity.ends_at < now - rules.after_end)
    too_long = R.checkin_at < now - rules.max_open
    query = (
        R.select(R.id)
        .join(Activity, JOIN.LEFT_OUTER)
        .where(R.checkout_at.is_null() & (ended | too_long))
        .order_by(R.id)
    )
    return [row.id for row in query]


def _close(record_id: int, now: datetime, rules: ClosingRules) -> str | None:
    """Close one entry unless it was closed meanwhile; the sort of closing, or None."""
    with db.atomic():
        lock_row(ServiceRecord, record_id)
        record = ServiceRecord.get_by_id(record_id)
        sort = _sort(record, now, rules)
        if record.checkout_at is not None or sort is None:
            return None
        before = history.state_of(record)
        _apply(record, _end_of(record, sort), now)
        register_defaults.fill(record)
        record.save()
        history.append(record, SYSTEM.label, ACTION, now, before, REASONS[sort])
        outbox.enqueue([_notice(record, sort)], now, rules.quiet_hours)
    return sort


def _sort(record: ServiceRecord, now: datetime, rules: ClosingRules) -> str | None:
    """How an open entry is closed now: at its activity's end, with no time counted, or not yet."""
    activity = record.activity if record.activity_id is not None else None
    if activity is not None and activity.ends_at - activity.starts_at <= rules.max_open:
        return "activity" if activity.ends_at < now - rules.after_end else None
    return "open_ended" if record.checkin_at < now - rules.max_open else None


def _end_of(record: ServiceRecord, sort: str) -> datetime:
    """The activity's end (not before the check-in); for an open-ended service the check-in
    itself, so no time is counted."""
    if sort == "activity":
        return max(record.activity.ends_at, record.checkin_at)
    return record.checkin_at


def _apply(record: ServiceRecord, end: datetime, now: datetime) -> None:
    record.checkout_at, record.updated_at = end, now
    record.duration_minutes = int((end - record.checkin_at).total_seconds() // 60)
    if FLAG not in record.flags:
        record.flags = [*record.flags, FLAG]
    if record.status != "rejected":
        record.status = "flagged"


def _notice(record: ServiceRecord, sort: str) -> outbox.Message:
    lines = {
        "服务": entry_title(record.kind, record.activity.title if record.activity_id else None),
        "签到时间": clock.to_local(record.checkin_at).strftime("%m月%d日 %H:%M"),
        "签退时间": clock.to_local(record.checkout_at).strftime("%m月%d日 %H:%M"),
        "说明": REASONS[sort]
        + ("，服务时长待队长确认" if sort == "activity" else "，如需更正请联系办公室"),
    }
    payload = {
        "title": "签到已自动签退",
        "lines": lines,
        "time": record.checkout_at.isoformat(),
        "record_id": record.id,
    }
    return outbox.Message(record.member_id, KIND, payload, f"{KIND}:{record.id}")


# What a member checking out of an entry the office closed hears (services.checkin.check_out).
OFFICE_CLOSED = (
    "办公室已核定这次服务的时长（{minutes} 分钟），这次签到已结束，无需再签退；"
    "如有疑问，请联系办公室。"
)
NOT_SERVED_YET = (
    "这次签到还没有签退，签到至今只有 {served} 分钟，不能核定为 {minutes} 分钟；"
    "请待队员签退后再更正。"
)


def by_correction(record: ServiceRecord, changes: dict, now: datetime) -> dict:
    """What closes an open entry whose hours an office correction (`changes`, see
    services.review.correct) sets: the check-out at the check-in plus those minutes, and the
    text the programme fills in by itself at any closing (none when the correction rejects the
    entry: it stays as it was judged). {} when the correction sets no hours or the entry is
    checked out already. Conflict (still_in_service) when those minutes have not passed since
    the check-in."""
    minutes = changes.get("duration_minutes")
    if minutes is None or record.checkout_at is not None:
        return {}
    end = record.checkin_at + timedelta(minutes=minutes)
    if end > now:
        served = max(0, int((now - record.checkin_at).total_seconds() // 60))
        message = NOT_SERVED_YET.format(served=served, minutes=minutes)
        raise Conflict(message, "still_in_service")
    rejects = changes.get("status") == "rejected"
    filled = {} if rejects else register_defaults.automatic(record)
    return filled | {"checkout_at": end}


def closed_by_office(record: ServiceRecord) -> bool:
    """Whether the office's correction ended the entry's check-in (the line that set its
    check-out is an office correction), rather than the member, the system or a leader's
    registration."""
    lines = record.history.select(RecordHistory.action, RecordHistory.changes)
    for line in lines.order_by(RecordHistory.seq.desc()):
        moved = line.changes.get("checkout_at")
        if moved is not None and moved[0] is None:
            return line.action == "correct"
    return False


def latest_settled(member_id: int, since: datetime) -> ServiceRecord | None:
    """The member's entry settled last since `since`: one rejected then and still open first
    (the check-in the member may still think running), else the one closed last, by anyone.
    When is read from the history line that settled it, not from the entry: its check-in can
    be days before (a several-day activity), and its check-out is the time the closing set
    (the activity's end, the check-in itself, the check-in plus the office's hours). Only the
    entries updated since are read: each service that writes a line saves the entry with its
    updated_at at the line's time (services.history.append; the demo's, at a later one), and
    the lines' time has no index, so the member's older entries and their history are left
    alone."""
    R, H = ServiceRecord, RecordHistory
    lines = (
        H.select(H.changes, R)
        .join(R)
        .where((R.member == member_id) & (R.updated_at >= since) & (H.at >= since))
        .order_by(H.at.desc(), H.record.desc(), H.seq.desc())
    )
    settled = [line.record for line in lines if _settles(line.record, line.changes)]
    still_open = [record for record in settled if record.checkout_at is None]
    return next(iter(still_open or settled), None)


def _settles(record: ServiceRecord, changes: dict) -> bool:
    """Whether a history line settled the entry as it stands: the line that closed it, or,
    while it is still open, one that rejected it."""
    if record.checkout_at is not None:
        moved = changes.get("checkout_at")
        return moved is not None and moved[0] is None
    status = changes.get("status")
    return record.status == "rejected" and status is not None and status[1] == "rejected"
