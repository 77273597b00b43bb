"""Reminding enrolled members of an activity: the evening before, and shortly before it starts.

The job runs every few minutes and asks "which reminders are due now?" rather than "is it
19:00?", so a run missed while the scheduler was down is made up by the next one. Each
reminder's dedupe key names the activity, the member, which reminder and the start time,
so repeating a run writes nothing new, while an activity moved to another time is announced
again; one moved back to a time it was reminded of has those reminders, withdrawn when it
moved away, queued again. Cancelled activities, members no longer enrolled and inactive
members get nothing. A reminder the quiet hours would hold until after the start is not
queued, and each one expires at the start, so a sender held up by an outage never delivers
it late.

The job reads who is due, then queues: a decision made in between (the activity cancelled or
moved, a member leaving it) finds nothing of this run to withdraw, and the run then queues a
reminder, or queues again one withdrawn before, that no longer holds. So the sender, right
before it sends a reminder, checks that it still does (void_reason, services/notice_checks.py).
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from peewee import JOIN

from models import Activity, Enrollment, Member, Notification, db

from . import clock, outbox

KIND = "activity_reminder"
#: Why a reminder was withdrawn when its activity moved to another time (notification_texts.
#: REASONS; services.change_notices)
MOVED_AWAY = "activity_changed"
CANCELLED = "activity_cancelled"  # notification_texts.REASONS: 「活动已取消，未发送」
LEFT = "left_activity"  # notification_texts.REASONS: 「队员已退出该活动，未发送」
WEEKDAYS = "一二三四五六日"
PAGE = "pages/activity/detail?id={id}"


@dataclass(frozen=True)
class ReminderRules:
    """When reminders go out (settings.rules)."""

    evening_at: time = time(19, 0)  # Shanghai wall clock, the day before
    before: timedelta = timedelta(minutes=60)
    quiet_hours: str = "21:00-08:00"

    @classmethod
    def from_settings(cls, rules) -> "ReminderRules":
        return cls(
            evening_at=time.fromisoformat(rules.activity_reminder_evening),
            before=timedelta(minutes=rules.activity_reminder_before_min),
            quiet_hours=rules.quiet_hours,
        )


# which reminder -> (title shown to the member, its share of the dedupe key)
REMINDERS = {"evening": ("明日活动提醒", "eve"), "soon": ("活动即将开始", "soon")}


def remind_activities(now: datetime, rules: ReminderRules = ReminderRules()) -> dict:  # noqa: B008
    """Queue the reminders due at `now` (naive UTC); returns how many were due and how many
    of them were new."""
    due = {"evening": _evening_due(now, rules), "soon": _soon_due(now, rules)}
    messages = [_message(which, row) for which, rows in due.items() for row in rows]
    queued = 0
    for start in range(0, len(messages), outbox.BATCH):
        # One transaction per batch: a run stopped half-way keeps what it wrote, and the
        # next run adds only the rest (the dedupe keys decide).
        queued += _queue(messages[start : start + outbox.BATCH], now, rules.quiet_hours)
    return {"evening": len(due["evening"]), "soon": len(due["soon"]), "queued": queued}


def _queue(messages: list[outbox.Message], now: datetime, quiet_hours: str) -> int:
    """Queue the reminders whose key is new, and again those withdrawn when their activity
    moved to another time (services.change_notices), since it is back at the time their key
    names: the members were never reminded of it."""
    with db.atomic():
        queued = outbox.enqueue(messages, now, quiet_hours)
        return queued + outbox.requeue(messages, now, quiet_hours, MOVED_AWAY)


def void_reason(notice: Notification) -> str | None:
    """Why a queued reminder may no longer go (a notification_texts.REASONS code), or None:
    its activity was cancelled, its member is no longer in it (they left it, or the
    programme), or it no longer starts at the time the reminder names. One read, right
    before the send, so a decision made while the sender held the batch counts too."""
    mine = (Enrollment.activity == Activity.id) & (Enrollment.member == notice.member_id)
    found = (
        Activity.select(Activity.status, Activity.starts_at, Enrollment.id.alias("enrolment"))
        .join(Enrollment, JOIN.LEFT_OUTER, on=mine)
        .where(Activity.id == notice.payload.get("activity_id"))
        .dicts()
        .first()
    )
    if found is None or found["status"] == "cancelled":
        return CANCELLED
    if found["enrolment"] is None:
        return LEFT
    return None if found["starts_at"].isoformat() == notice.payload.get("time") else MOVED_AWAY


def _evening_due(now: datetime, rules: ReminderRules) -> list:
    """From the evening time on, tomorrow's activities (Shanghai days) the reminder can still
    reach before they start."""
    local = clock.to_local(now)
    if local.time().replace(tzinfo=None) < rules.evening_at:
        return []
    tomorrow = local.date() + timedelta(days=1)
    low, high = clock.local_midnight(tomorrow), clock.local_midnight(tomorrow + timedelta(1))
    return _in_time(now, rules, (Activity.starts_at >= low) & (Activity.starts_at < high))


def _soon_due(now: datetime, rules: ReminderRules) -> list:
    """Activities starting within the lead time, when the reminder can still arrive before
    the start."""
    window = (Activity.starts_at > now) & (Activity.starts_at <= now + rules.before)
    return _in_time(now, rules, window)


def _in_time(now: datetime, rules: ReminderRules, when) -> list:
    """The enrolments of `when` whose reminder arrives before the start (not one held back
    by the quiet hours until it would be useless)."""
    arrives = outbox.deliver_after(now, rules.quiet_hours, urgent=False)
    return [row for row in _enrolled(when) if arrives < row.activity.starts_at]


def _enrolled(when) -> list:
    """(enrolment, activity, member) rows of active members in live activities, one query."""
    query = (
        Enrollment.select(Enrollment, Activity, Member)
        .join(Activity)
        .switch(Enrollment)
        .join(Member)
        .where(when & (Activity.status != "cancelled") & Member.active)
        .order_by(Activity.starts_at, Activity.id, Member.id)
    )
    return list(query)


def _message(which: str, row: Enrollment) -> outbox.Message:
    activity, title = row.activity, REMINDERS[which][0]
    starts = clock.to_local(activity.starts_at)
    key = (
        f"{KIND}:{activity.id}:{row.member_id}:{REMINDERS[which][1]}"
        f":{starts.strftime('%Y%m%d%H%M')}"
    )
    return outbox.Message(row.member_id, KIND, payload(title, activity), key)


def payload(title: str, activity: Activity) -> dict:
    """A reminder titled `title` of the activity as it stands (services.change_notices
    rewrites the waiting ones with it when the place moves)."""
    lines = {"活动": activity.title, "时间": when_text(activity), "地点": activity.place}
    return {
        "title": title,
        "lines": {label: value for label, value in lines.items() if value},
        "page": PAGE.format(id=activity.id),
        "time": activity.starts_at.isoformat(),
        "expires": activity.starts_at.isoformat(),  # useless once it has started
        "activity_id": activity.id,
    }


def when_text(activity: Activity) -> str:
    """'12月1日（周二）09:00-11:00' in Shanghai time."""
    return span_text(activity.starts_at, activity.ends_at)


def span_text(starts_at: datetime, ends_at: datetime) -> str:
    """when_text of two naive UTC times."""
    starts, ends = clock.to_local(starts_at), clock.to_local(ends_at)
    day = f"{starts.month}月{starts.day}日（周{WEEKDAYS[starts.weekday()]}）"
    return f"{day}{starts:%H:%M}-{ends:%H:%M}"
