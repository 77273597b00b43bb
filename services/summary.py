"""A member's own figures: services and hours this quarter and this year, household visits,
and what is still open or awaiting a leader.

Periods are Shanghai's calendar (a record checked in at 01:00 on 1 April in Shanghai belongs
to Q2 even though it is still 31 March in UTC), decided by the check-in time. Everything is
aggregated in the database: one grouped query for both periods, one for the pairing with its
last visit, one for flagged and open entries.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import peewee as pw
from peewee import fn

from models import Activity, Member, Pairing, ServiceRecord
from models.prepared import Prepared
from models.record import AWAITING_REVIEW

from . import clock
from .service_kinds import KINDS, counted_kind

R = ServiceRecord
AWAITING = sorted(AWAITING_REVIEW)  # statuses waiting for a review, in a fixed order for SQL


def counts_toward_hours() -> pw.Expression:
    """The register's rule as SQL: checked out, filled in (content, target, outcome), and not
    rejected. Flagged entries count until a leader rejects them. The same rule for one loaded
    entry is services.records.counts_toward_hours."""
    filled = (fn.TRIM(R.content) != "") & (fn.TRIM(R.target) != "") & (fn.TRIM(R.outcome) != "")
    return R.checkout_at.is_null(False) & filled & (R.status != "rejected")


def counts_as_visit() -> pw.Expression:
    """The programme's one rule for a household visit, as SQL: each visit check-in that was
    not rejected is one visit, filled in or not. The visit happened once the member checked in
    at the household; what they write afterwards describes it but does not make it, so an
    unfinished fill-in must not make a visit look overdue. A rejection is the leader's or the
    office's judgement that it did not happen as registered, so it is no visit.

    One rule, so that the member's figures, the quarterly report (services.report_stats), the
    household's last visit (services.households) and the reminders (services.visit_reminders)
    never disagree; the partial index servicerecord_visits (models.record) is the same
    condition in SQL. Two entries are two visits: services.checkin keeps a double tap from
    making a second one and flags a second visit to the household the same day
    (repeat_visit) for the leader, who rejects it if it was one visit."""
    # Built on ServiceRecord itself, not an alias: a query that selects the register under an
    # alias cannot use this expression.
    return (R.kind == "visit") & (R.status != "rejected")


def tenths(minutes: int) -> int:
    """Minutes as tenths of an hour, halves rounded up (6 minutes a tenth, 3 a half): in
    integers, so every screen and file rounds the same minutes the same way."""
    return ((minutes or 0) + 3) // 6


def hours(minutes: int) -> float:
    """Minutes as hours to one decimal, halves rounded up (45 min → 0.8, 15 min → 0.3)."""
    return tenths(minutes) / 10


def hours_adding_up(minutes: dict[str, int]) -> dict[str, float]:
    """Each part's minutes as hours to one decimal that add up to hours() of their total, as
    a screen showing both is read (activity 190 min + visit 45 min: 3.2 + 0.7 = 3.9, where
    rounding each alone would show 3.2 + 0.8 against 3.9). Each part is its exact hours
    rounded down to a tenth, and the tenths the total's rounding leaves over go one each to
    the parts with the largest remainders (the largest remainder method), so no part is
    off by a tenth or more; ties go to the part named first. All in integer tenths: the
    member's summary (by kind) and the quarterly report (services.report_stats) use it."""
    parts = {part: m // 6 for part, m in minutes.items()}
    left = tenths(sum(minutes.values())) - sum(parts.values())
    for part in sorted(minutes, key=lambda part: -(minutes[part] % 6))[:left]:
        parts[part] += 1
    return {part: t / 10 for part, t in parts.items()}


@dataclass(frozen=True)
class KindStats:
    """Services and time of one kind; `minutes` is exact, `hours` to one decimal (in a
    period's breakdown by kind, rounded so the kinds add up to the period's hours)."""

    services: int = 0
    hours: float = 0.0
    minutes: int = 0


@dataclass(frozen=True)
class PeriodStats:
    """One period's figures. services/hours/by_kind cover entries that count toward hours;
    pending_review is the part of them still waiting for a review (flagged, or pending: a
    leader's registration), whoever reviews it, since either may still be rejected; visits
    are the visits checked in during the period (counts_as_visit), to whichever household the
    member was paired with then, as the quarterly report counts them (services.report_stats)."""

    year: int
    quarter: int | None
    starts_on: date
    ends_on: date  # inclusive
    services: int
    hours: float  # hours() of minutes: rounded once, as the quarterly report rounds
    minutes: int
    by_kind: dict[str, KindStats]  # hours that add up to `hours` (hours_adding_up)
    pending_review: KindStats
    visits: int


@dataclass(frozen=True)
class OpenCheckin:
    record_id: int
    kind: str
    activity_id: int | None
    activity_title: str | None
    checkin_at: datetime


@dataclass(frozen=True)
class VisitStatus:
    """Where the member stands with their paired household; all empty when unpaired."""

    paired: bool
    household_id: int | None
    paired_since: date | None
    last_visit_on: date | None
    next_visit_due: date | None
    overdue: bool
    interval_days: int


@dataclass(frozen=True)
class Summary:
    member_id: int
    as_of: date
    quarter: PeriodStats
    year: PeriodStats
    visits: VisitStatus
    flagged_awaiting_review: int
    open_checkins: tuple[OpenCheckin, ...]


def member_summary(member: Member, now: datetime, visit_interval_days: int) -> Summary:
    """The member's own figures as of `now` (naive UTC)."""
    today = clock.local_today(now)
    year, quarter = clock.quarter_of(today)
    q_start, q_end = _quarter_bounds(year, quarter)
    y_start, y_end = date(year, 1, 1), date(year + 1, 1, 1)
    rows = _period_rows(
        member.id,
        (clock.local_midnight(y_start), clock.local_midnight(y_end)),
        (clock.local_midnight(q_start), clock.local_midnight(q_end)),
    )
    flagged, open_checkins = _unsettled(member.id)
    return Summary(
        member_id=member.id,
        as_of=today,
        quarter=_period(rows, "q", year, quarter, q_start, q_end),
        year=_period(rows, "y", year, None, y_start, y_end),
        visits=visit_status(member, today, visit_interval_days),
        flagged_awaiting_review=flagged,
        open_checkins=open_checkins,
    )


def _quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end


# The per-period columns of the grouped query: name → (extra condition, value summed).
_COLUMNS = {
    "services": (counts_toward_hours(), 1),
    "minutes": (counts_toward_hours(), fn.COALESCE(R.duration_minutes, 0)),
    "awaiting": (counts_toward_hours() & R.status.in_(AWAITING), 1),
    "awaiting_minutes": (
        counts_toward_hours() & R.status.in_(AWAITING),
        fn.COALESCE(R.duration_minutes, 0),
    ),
    "visits": (counts_as_visit(), 1),
}


def _period_rows_query(p) -> pw.Select:
    in_quarter = (R.checkin_at >= p.q_start) & (R.checkin_at < p.q_end)
    columns = [R.kind, Activity.kind.alias("activity_kind")]
    for name, (condition, value) in _COLUMNS.items():
        columns.append(fn.SUM(pw.Case(None, [(condition, value)], 0)).alias(f"y_{name}"))
        quarter_condition = condition & in_quarter
        columns.append(fn.SUM(pw.Case(None, [(quarter_condition, value)], 0)).alias(f"q_{name}"))
    return (
        R.select(*columns)
        .join(Activity, pw.JOIN.LEFT_OUTER, on=(R.activity == Activity.id))
        .where((R.member == p.member) & (R.checkin_at >= p.y_start) & (R.checkin_at < p.y_end))
        .group_by(R.kind, Activity.kind)
        .dicts()
    )


_PERIOD_ROWS = Prepared(_period_rows_query)


def _period_rows(member_id: int, year: tuple, quarter: tuple) -> dict[str, dict]:
    """One query for the year and its current quarter (each a UTC [start, end) pair), grouped
    by the kind counted (services.service_kinds): {kind: {'y_services': n, 'q_minutes': m}}.
    The database groups by the entry's and the activity's kind, and the kinds counted are
    added up here, so that the rule is written once."""
    rows = _PERIOD_ROWS.rows(
        member=member_id, y_start=year[0], y_end=year[1], q_start=quarter[0], q_end=quarter[1]
    )
    by_kind: dict[str, dict] = {}
    for row in rows:
        kind = counted_kind(row.pop("kind"), row.pop("activity_kind"))
        sums = by_kind.setdefault(kind, {})
        for name, value in row.items():
            sums[name] = sums.get(name, 0) + int(value or 0)
    return by_kind


def _period(rows, prefix, year, quarter, starts_on, ends_before) -> PeriodStats:
    def total(name: str, kinds=KINDS) -> int:
        return sum(rows.get(kind, {}).get(f"{prefix}_{name}", 0) for kind in kinds)

    minutes = {k: total("minutes", [k]) for k in KINDS}
    shown = hours_adding_up(minutes)
    by_kind = {k: KindStats(total("services", [k]), shown[k], minutes[k]) for k in KINDS}
    awaiting = total("awaiting_minutes")
    return PeriodStats(
        year=year,
        quarter=quarter,
        starts_on=starts_on,
        ends_on=ends_before - timedelta(days=1),
        services=total("services"),
        hours=hours(total("minutes")),
        minutes=total("minutes"),
        by_kind=by_kind,
        pending_review=KindStats(total("awaiting"), hours(awaiting), awaiting),
        visits=total("visits"),
    )


def _pairing_with_last_visit(p) -> pw.Select:
    """The member's active pairing and, as `last_visit`, their latest visit to its household
    (counts_as_visit; the rule of services.households.last_visit_at)."""
    last = (
        R.select(fn.MAX(R.checkin_at))
        .where((R.household == Pairing.household) & (R.member == p.member) & counts_as_visit())
        .alias("last")
    )
    return (
        Pairing.select(Pairing.household, Pairing.started_on, last.alias("last_visit"))
        .where((Pairing.member == p.member) & Pairing.ended_on.is_null())
        .limit(1)
    )


_PAIRING_WITH_LAST_VISIT = Prepared(_pairing_with_last_visit)


def visit_status(member: Member, today: date, interval_days: int) -> VisitStatus:
    """Last visit to the paired household and when the next one is due, by the rule of the
    visit reminders (services.visit_reminders): the Shanghai day of the latest visit
    (counts_as_visit) to the current household, plus the interval, or the pairing's start
    plus the interval while never visited; overdue once today is past that day."""
    pairing = _PAIRING_WITH_LAST_VISIT.first(member=member.id)
    if pairing is None:
        return VisitStatus(False, None, None, None, None, False, interval_days)
    last = R.checkin_at.python_value(pairing.last_visit)  # SQLite gives a subquery's text
    last_on = clock.to_local(last).date() if last else None
    due = (last_on or pairing.started_on) + timedelta(days=interval_days)
    return VisitStatus(
        True, pairing.household_id, pairing.started_on, last_on, due, today > due, interval_days
    )


# Entries awaiting a leader (flagged) and check-ins still waiting for a check-out (rejected
# ones are closed for good), in one query: both are a handful of rows per member.
_UNSETTLED = Prepared(
    lambda p: (
        R.select(R.id, R.kind, R.activity, R.checkin_at, R.checkout_at, R.status)
        .select_extend(Activity.title)
        .join(Activity, pw.JOIN.LEFT_OUTER)
        .where(
            (R.member == p.member)
            & ((R.status == "flagged") | (R.checkout_at.is_null() & (R.status != "rejected")))
        )
        .order_by(R.checkin_at)
        .dicts()
    )
)


def open_checkins(member_id: int) -> tuple[OpenCheckin, ...]:
    """The member's check-ins not checked out yet."""
    return _unsettled(member_id)[1]


def _unsettled(member_id: int) -> tuple[int, tuple[OpenCheckin, ...]]:
    """How many entries are flagged, and the open check-ins."""
    rows = _UNSETTLED.rows(member=member_id)
    flagged = sum(1 for row in rows if row["status"] == "flagged")
    open_rows = (row for row in rows if row["checkout_at"] is None)
    return flagged, tuple(
        OpenCheckin(row["id"], row["kind"], row["activity"], row["title"], row["checkin_at"])
        for row in open_rows
    )
