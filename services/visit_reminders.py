"""Reminding members to visit their paired household, and telling leaders who has not.

The rule is the member's own screen's (services.summary.visit_status): a visit is a household
visit the member checked in to that was not rejected, filled in or not, to the household of
the current pairing (services.summary.counts_as_visit); the next one is due the interval
after the last visit (after the pairing's start while never visited); a member is overdue
once today (Shanghai) is past that day.

Cadence, for each overdue member:
- the member is reminded on the first overdue day and again every `repeat_days`; each such
  period is numbered, and the dedupe key names member, pairing, due day and period, so a
  second run, a second runner, or a run after days of downtime writes nothing twice (a visit
  moves the due day and starts a fresh series);
- after twice the interval the member's leader gets one message listing all their members
  that far behind. A leader gets it when someone newly crosses that line, and again every
  `repeat_days` counted from the newest crossing while anyone stays behind, not one message
  per member. A member without a team, or a team without an active leader, goes to the
  office's inbox instead, so nobody falls through.

Only active members with an active pairing are reminded: an inactive member has left the
programme, and an ended pairing has no household to visit.

Three queries whatever the roster's size (overdue pairings with their last visit, aggregated
in the database; the keys already written this period; the leaders of the teams concerned),
plus the outbox's batched writes for the messages that are new.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import peewee as pw
from peewee import fn

from models import Household, Member, Notification, Pairing, ServiceRecord, db

from . import clock
from .households import mask_name
from .outbox import Message, enqueue
from .summary import counts_as_visit

MEMBER_KIND = "visit_reminder"
LEADER_KIND = "visit_overdue_team"
VISIT_PAGE = "pages/visit/index"
TEAM_PAGE = "pages/team/index"
OFFICE = "office"  # the escalation group of members no leader looks after


@dataclass(frozen=True)
class Overdue:
    """One overdue member: when their visit was due and how far behind they are."""

    member_id: int
    name: str
    team_id: int | None
    pairing_id: int
    household_head: str
    last_visit_on: date | None
    due_on: date
    days_since: int  # since the last visit, or since the pairing started


@dataclass(frozen=True)
class VisitRun:
    overdue: int
    reminded: int
    escalated: int
    leader_messages: int


def remind_overdue_visits(
    now: datetime, interval_days: int, repeat_days: int, quiet_hours: str
) -> VisitRun:
    """Queue this period's reminders for every overdue member and their leaders."""
    today = clock.local_today(now)
    overdue = overdue_members(today, interval_days)
    written = _written_this_period(today, repeat_days)
    keyed = ((o, _member_key(o, today, repeat_days)) for o in overdue)
    reminders = [_member_message(o, key) for o, key in keyed if key not in written]
    escalated = [o for o in overdue if o.days_since > 2 * interval_days]
    leader_messages = _leader_messages(escalated, today, interval_days, repeat_days)
    leader_messages = [m for m in leader_messages if m.dedupe_key not in written]
    return VisitRun(
        overdue=len(overdue),
        reminded=enqueue(reminders, now, quiet_hours),
        escalated=len(escalated),
        leader_messages=enqueue(leader_messages, now, quiet_hours),
    )


def _written_this_period(today: date, repeat_days: int) -> set[str]:
    """Dedupe keys of reminders written since the earliest day a current period can have
    begun. Only a shortcut: on an ordinary day most overdue members were reminded earlier
    in their period, and skipping them here spares the outbox re-checking their keys; the
    outbox's unique key still decides (two runners may both find a key missing)."""
    since = clock.local_midnight(today - timedelta(days=repeat_days - 1))
    n = Notification
    query = n.select(n.dedupe_key).where(
        n.kind.in_((MEMBER_KIND, LEADER_KIND)) & (n.created_at >= since)
    )
    return {key for (key,) in query.tuples()}


def overdue_members(today: date, interval_days: int) -> list[Overdue]:
    """Active members whose active pairing's visit is overdue, in one grouped query."""
    cutoff_day = today - timedelta(days=interval_days)  # anchors before this day are overdue
    r = ServiceRecord
    last = fn.MAX(r.checkin_at)
    visits = (r.member == Pairing.member) & (r.household == Pairing.household) & counts_as_visit()
    query = (
        Pairing.select(
            Pairing.id, Pairing.started_on, Member.id, Member.name, Member.team, Household.head_name
        )
        .select_extend(last.alias("last_visit"))
        .join(Member, on=(Pairing.member == Member.id))
        .switch(Pairing)
        .join(Household, on=(Pairing.household == Household.id))
        .switch(Pairing)
        .join(r, pw.JOIN.LEFT_OUTER, on=visits)
        .where(Pairing.ended_on.is_null() & (Member.active == True))  # noqa: E712
        .group_by(Pairing.id, Member.id, Household.id)
        .having(
            (last < clock.local_midnight(cutoff_day))
            | (last.is_null() & (Pairing.started_on < cutoff_day))
        )
    )
    # Raw rows: peewee's per-column conversion would cost more than the query itself at
    # 100,000 members; the few values needed are converted below.
    return [_overdue(row, today, interval_days) for row in db.execute(query)]


def _overdue(row: tuple, today: date, interval_days: int) -> Overdue:
    pairing_id, started_on, member_id, name, team_id, head_name, last = row
    last_on = clock.to_local(_moment(last)).date() if last is not None else None
    anchor = last_on or clock.as_date(started_on)
    return Overdue(
        member_id=member_id,
        name=name,
        team_id=team_id,
        pairing_id=pairing_id,
        household_head=head_name,
        last_visit_on=last_on,
        due_on=anchor + timedelta(days=interval_days),
        days_since=(today - anchor).days,
    )


def _moment(value) -> datetime:
    """An aggregated time as a datetime (SQLite hands MAX() back as text)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def period_index(start: date, today: date, repeat_days: int) -> int:
    """Which reminder period `today` falls in, counting from `start` (period 0)."""
    return (today - start).days // repeat_days


def _member_key(o: Overdue, today: date, repeat_days: int) -> str:
    period = period_index(o.due_on + timedelta(days=1), today, repeat_days)
    return f"visit:{o.member_id}:{o.pairing_id}:{o.due_on.isoformat()}:{period}"


def _member_message(o: Overdue, key: str) -> Message:
    last = clock.cn_date(o.last_visit_on) if o.last_visit_on else "尚未走访"
    payload = {
        "title": "结对家庭走访提醒",
        "lines": {
            "结对家庭": f"{mask_name(o.household_head)}家",
            "上次走访": last,
            "已间隔": f"{o.days_since}天",
            "温馨提示": "请抽空走访结对家庭，了解近况",
        },
        "page": VISIT_PAGE,
    }
    return Message(o.member_id, MEMBER_KIND, payload, key)


def _leader_messages(
    escalated: list[Overdue], today: date, interval_days: int, repeat_days: int
) -> list[Message]:
    """One message per team (or the office) listing its members past twice the interval."""
    if not escalated:
        return []
    by_group: dict[int | None, list[Overdue]] = defaultdict(list)
    for o in escalated:
        by_group[o.team_id].append(o)
    leaders = _leaders([team for team in by_group if team is not None])
    return [
        _leader_message(team, members, leaders.get(team), today, interval_days, repeat_days)
        for team, members in by_group.items()
    ]


def _leaders(team_ids: list[int]) -> dict[int, int]:
    """team id → the id of its active leader."""
    if not team_ids:
        return {}
    query = Member.select(Member.team, Member.id).where(
        (Member.role == "leader") & (Member.active == True) & Member.team.in_(team_ids)  # noqa: E712
    )
    return dict(query.tuples())


def _leader_message(team_id, members, leader_id, today, interval_days, repeat_days) -> Message:
    # The day each member crossed twice the interval; the newest crossing starts the series.
    newest = max(o.due_on + timedelta(days=interval_days + 1) for o in members)
    period = period_index(newest, today, repeat_days)
    group = team_id if leader_id is not None else f"{OFFICE}-{team_id or 'none'}"
    listed = sorted(members, key=lambda o: o.member_id)
    names = "、".join(f"{o.name}（{o.days_since}天未走访）" for o in listed)
    payload = {
        "title": "队员走访逾期提醒",
        "lines": {
            "逾期队员": names,
            "人数": f"{len(members)}人",
            "说明": f"超过{2 * interval_days}天未走访结对家庭",
        },
        "page": TEAM_PAGE,
    }
    key = f"visit_team:{group}:{newest.isoformat()}:{period}"
    return Message(leader_id, LEADER_KIND, payload, key)
