"""The office's audit of leaders' notices across teams: which were urgent (sent at once,
quiet hours or not), whether an urgent one went out inside the quiet hours, what became of
each, and how many urgent notices each team sent this quarter, so a habit shows before it
wears people out (DESIGN "Serve people, not the form").

A notice is urgent when its deliveries are (Notification.urgent: the outbox's own record,
kept for every broadcast ever sent). Whether it went out inside the quiet hours is what its
audit line says (services.urgent_audit); an urgent notice sent before those lines were kept
says nothing (None). A page costs the same few queries however long it is."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import peewee as pw

from models import AuditLog, Broadcast, Team

from . import clock, date_window, urgent_audit
from .actors import Actor
from .broadcast_reading import BroadcastView, delivery_counts, no_deliveries, with_team_and_sender
from .errors import Forbidden, Invalid
from .report_stats import quarter_days
from .rows import check_page, is_id
from .teams import team_by_id
from .urgent_audit import URGENT

PAGE_DEFAULT, PAGE_MAX = 20, 100


@dataclass(frozen=True)
class BroadcastFilter:
    """What the office narrows the list to: urgent ones only, one team, Shanghai days
    `date_from` to `date_to` (both inclusive); and the page."""

    urgent_only: bool = False
    team_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    limit: int = PAGE_DEFAULT
    offset: int = 0


@dataclass(frozen=True)
class AuditedBroadcast:
    """A broadcast with its delivery counts; whether it was urgent and, if so, whether it
    went out inside the quiet hours (None: not urgent, or sent before that was recorded)."""

    view: BroadcastView
    urgent: bool
    in_quiet_hours: bool | None


@dataclass(frozen=True)
class TeamUrgency:
    """How many urgent notices one team sent in the quarter."""

    team_id: int
    team_name: str
    urgent: int


@dataclass(frozen=True)
class QuarterUrgency:
    """Every team's urgent notices in the current quarter, teams in id order, none left out."""

    year: int
    quarter: int
    teams: list[TeamUrgency]


def office_broadcasts(
    actor: Actor, f: BroadcastFilter, now: datetime
) -> tuple[list[AuditedBroadcast], int, QuarterUrgency]:
    """One page of the broadcasts of every team (or one), newest first, with how many match,
    and each team's urgent notices this quarter (whatever the filter)."""
    if not actor.is_office:
        raise Forbidden("只有办公室可以查看各队的通知记录。", "office_only")
    _check(f)
    query = with_team_and_sender().select_extend(URGENT.alias("is_urgent"))
    wanted = _wanted(f)
    query = query.where(*wanted) if wanted else query
    newest_first = query.order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
    found = list(newest_first.limit(f.limit).offset(f.offset))
    counts, quiet = delivery_counts([b.id for b in found]), _quiet_flags(found)
    items = [
        AuditedBroadcast(
            BroadcastView(b, counts.get(b.id, no_deliveries())),
            bool(b.is_urgent),
            quiet.get(b.id) if b.is_urgent else None,
        )
        for b in found
    ]
    return items, query.count(), quarter_urgency(now)


def _check(f: BroadcastFilter) -> None:
    check_page(f.limit, f.offset, PAGE_MAX)
    if f.team_id is not None:
        if not is_id(f.team_id):
            raise Invalid("team_id 应为服务队编号。", "bad_filter")
        team_by_id(f.team_id)  # no such team: 404, as every team filter of the office's
    date_window.check_window(f.date_from, f.date_to)


def _wanted(f: BroadcastFilter) -> list:
    """The filter's conditions (none when it narrows nothing)."""
    wanted = [URGENT] if f.urgent_only else []
    if f.team_id is not None:
        wanted.append(Broadcast.team == f.team_id)
    if f.date_from is not None:
        wanted.append(Broadcast.created_at >= clock.local_midnight(f.date_from))
    if f.date_to is not None:
        wanted.append(Broadcast.created_at < clock.local_midnight(f.date_to + timedelta(days=1)))
    return wanted


def _quiet_flags(broadcasts: list[Broadcast]) -> dict[int, bool]:
    """broadcast id → whether its audit line says it went out inside the quiet hours, in one
    query; the line is written at the broadcast's own time, so the time index narrows it."""
    urgent = [b for b in broadcasts if b.is_urgent]
    if not urgent:
        return {}
    times = [b.created_at for b in urgent]
    lines = AuditLog.select(AuditLog.object_id, AuditLog.detail).where(
        (AuditLog.action == urgent_audit.ACTION)
        & (AuditLog.object_type == urgent_audit.OBJECT)
        & AuditLog.at.between(min(times), max(times))
        & AuditLog.object_id.in_([str(b.id) for b in urgent])
    )
    return {int(line.object_id): bool((line.detail or {}).get("in_quiet_hours")) for line in lines}


def quarter_urgency(now: datetime) -> QuarterUrgency:
    """Each team's urgent notices in the Shanghai quarter `now` falls in, in two queries."""
    year, quarter = clock.quarter_of(clock.local_today(now))
    first, last = quarter_days(year, quarter)
    inside = (Broadcast.created_at >= clock.local_midnight(first)) & (
        Broadcast.created_at < clock.local_midnight(last + timedelta(days=1))
    )
    counted = dict(
        Broadcast.select(Broadcast.team, pw.fn.COUNT(Broadcast.id))
        .where(inside & URGENT)
        .group_by(Broadcast.team)
        .tuples()
    )
    teams = Team.select(Team.id, Team.name).order_by(Team.id).tuples()
    return QuarterUrgency(
        year, quarter, [TeamUrgency(i, name, counted.get(i, 0)) for i, name in teams]
    )
