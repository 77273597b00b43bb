"""A quarter's cancelled activities, for the quarterly report (services.report_stats).

A team that planned an activity and called it off should see it in its report as cancelled,
with the reason it gave its members, rather than find it silently missing from the
activities held. Members may already have checked in when an activity is cancelled (one
that has begun may still be cancelled: services.activities.cancel_activity); those entries
are real service and count toward hours as any other (services.summary's rule), so the
report says how many of its services and hours came from cancelled activities, and each
listed activity says its own.
"""

from datetime import datetime

import peewee as pw
from peewee import fn

from models import Activity, Member, ServiceRecord

from . import clock
from .summary import counts_toward_hours, hours

A, R = Activity, ServiceRecord
CANCELLED = A.status == "cancelled"
MINUTES = fn.COALESCE(R.duration_minutes, 0)


def cancelled_entry() -> pw.Expression:
    """An entry on a cancelled activity that counts toward hours, as a condition for the
    report's per-member sums."""
    return counts_toward_hours() & R.activity.in_(A.select(A.id).where(CANCELLED))


def cancelled_activities(span: tuple, now: datetime, team_ids) -> dict[int, list[dict]]:
    """team id → its activities planned to start in the span before now and cancelled, in
    order of their start, each with the entries its team's members made on it in the span
    that count toward hours."""
    entries = (
        R.select(R.activity.alias("activity_id"), Member.team.alias("team_id"))
        .select_extend(fn.COUNT(R.id).alias("services"))
        .select_extend(fn.SUM(MINUTES).alias("minutes"))
        .join(Member, on=(R.member == Member.id))
        .where(cancelled_entry() & (R.checkin_at >= span[0]) & (R.checkin_at < span[1]))
        .group_by(R.activity, Member.team)
    )
    own = (entries.c.activity_id == A.id) & (entries.c.team_id == A.team)
    teams = A.team.in_(team_ids) if team_ids is not None else A.team.is_null(False)
    query = (
        A.select(A.team, A.id, A.title, A.starts_at, A.cancel_reason)
        .select_extend(entries.c.services, entries.c.minutes)
        .join(entries, pw.JOIN.LEFT_OUTER, on=own)
        .where(CANCELLED & teams & (A.starts_at >= span[0]) & (A.starts_at < min(span[1], now)))
        .order_by(A.starts_at, A.id)
        .tuples()
    )
    found: dict[int, list[dict]] = {}
    for team, *row in query:
        found.setdefault(team, []).append(_line(*row))
    return found


def _line(activity_id, title, starts_at, reason, services, minutes) -> dict:
    minutes = int(minutes or 0)
    starts = clock.to_local(A.starts_at.python_value(starts_at)).replace(tzinfo=None)
    return {
        "activity_id": activity_id,
        "title": title,
        "starts_at": starts.isoformat(timespec="minutes"),
        "reason": reason,
        "services": int(services or 0),
        "hours": hours(minutes),
        "minutes": minutes,
    }
