"""A quarterly report's periods, and its figures for many teams at once in a few grouped
queries (as many for any number of teams).

Rules, so that every screen says the same thing:
- Periods are Shanghai's calendar, decided by the check-in time (as in services.summary); a
  quarter still running is counted up to today.
- A record belongs to the team its member is in when the figures are made: teams rarely
  change members mid-quarter, and the roster keeps no history to say otherwise.
- Services and hours are the entries that count toward hours (services.summary's rule:
  checked out, filled in, not rejected), sorted by the kind they count as
  (services.service_kinds: an activity published as 分散活动 is a 分散活动); participants are
  the members with at least one such entry of an activity, of whatever kind (as the
  activities held are counted); visits are visit check-ins that were not
  rejected, to whichever household the member was paired with at the time (a visit is always
  to the member's own household).
  Flagged and rejected count the quarter's entries in that state now.
- Visits due: each pairing owes one visit per whole interval it ran inside the period (a
  whole quarter of 90-92 days owes 3 at the default 30 days).
- Activities held: the team's activities that started in the period and were not cancelled.
  Cancelled ones are counted and listed apart, with the reason given (services.report_cancelled):
  planned to start in the same days, they are the activities the team called off. Entries
  members made on an activity before it was cancelled count toward services and hours as any
  others; `cancelled_entries` says how much of those totals they are. A report frozen before
  cancelled activities were counted lacks these figures.
- Urgent notices: the team's leaders' notices sent as urgent in the period (they skip the
  quiet hours: services.urgent_audit), so the report shows how often the team was called on
  at once. A report frozen before they were counted has none (the figure is absent).
- Ratings: residents' ratings given in the period to the team, its members or its
  activities that the office's moderation let stand (`approved`): a held one (an unfit
  comment, a burst of ratings in one hour) counts only once the office approves it.
- Members are the quarter's roster: the team's members who were on the roster at any time
  during the quarter (one of their spells overlaps it: services.spells), and anyone who
  served in it (serving says they were there). So a closed quarter does not grow when
  members join later, nor shrink when members leave later, whether or not they served in
  it; a member away for the whole quarter who came back since is not in it.
- The per-member table lists those members in roster order (never ranked: see DESIGN
  "Serve people, not the form").
- Hours are shown to one decimal (`hours`, halves up), and each figure of time also keeps its
  exact `minutes` beside it: rounded per member, the hours need not add up to the rounded
  total (190 + 190 + 130 + 60 + 60 minutes: 3.2 + 3.2 + 2.2 + 1 + 1 = 10.6 against 10.5), so
  the Excel file (services.report_export) writes the members' minutes as exact hours. The
  hours by kind add up to the total, as the member's summary shows them for the same minutes
  (services.summary.hours_adding_up: 190 + 45 minutes are 3.2 + 0.7 = 3.9). Reports frozen
  before `minutes` was kept have only `hours`; those frozen before the kinds added up keep
  the kinds' hours rounded each alone.
"""

import re
from collections import defaultdict
from datetime import date, datetime, timedelta

import peewee as pw
from peewee import fn

from models import Activity, Broadcast, Feedback, Member, Pairing, ServiceRecord, Team, db

from . import clock, spells
from .errors import Invalid
from .report_cancelled import MINUTES, cancelled_activities, cancelled_entry
from .service_kinds import KINDS, counted_kind_sql
from .summary import counts_as_visit, counts_toward_hours, hours, hours_adding_up
from .urgent_audit import URGENT

R = ServiceRecord
PERIOD = re.compile(r"(\d{4})-Q([1-4])", re.ASCII)
YEARS = (2000, 2099)
COUNTED = counts_toward_hours()
KIND = counted_kind_sql()  # the kind an entry counts as (services.service_kinds)

# The per-member sums of the records query: name → (condition, value summed). Totals of
# services and minutes are the kinds' added up in Python: each CASE costs a pass over the
# quarter's entries.
_COLUMNS = {
    "visits": (counts_as_visit(), 1),
    "flagged": (R.status == "flagged", 1),
    "rejected": (R.status == "rejected", 1),
    "cancelled_services": (cancelled_entry(), 1),
    "cancelled_minutes": (cancelled_entry(), MINUTES),
    "attended": (COUNTED & R.activity.is_null(False), 1),  # makes a participant
    **{f"{k}_services": (COUNTED & (KIND == k), 1) for k in KINDS},
    **{f"{k}_minutes": (COUNTED & (KIND == k), MINUTES) for k in KINDS},
}


def quarter_days(year: int, quarter: int) -> tuple[date, date]:
    """The first and last day of a quarter."""
    first = date(year, 3 * quarter - 2, 1)
    after = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, after - timedelta(days=1)


def parse_period(text: str) -> tuple[int, int]:
    """'2026-Q4' → (2026, 4); Invalid for anything else."""
    match = PERIOD.fullmatch(text or "")
    if not match or not YEARS[0] <= int(match[1]) <= YEARS[1]:
        raise Invalid("季度格式应为 2026-Q4（年份 2000–2099，季度 1–4）。", "bad_period")
    return int(match[1]), int(match[2])


def label(year: int, quarter: int) -> str:
    return f"{year}-Q{quarter}"


def deadline_of(year: int, quarter: int, deadline_days: int) -> date:
    return quarter_days(year, quarter)[1] + timedelta(days=deadline_days)


def reporting_quarter(today: date) -> tuple[int, int]:
    """The quarter whose report is being written: the one before today's."""
    year, quarter = clock.quarter_of(today)
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def team_stats(
    year: int, quarter: int, now: datetime, interval_days: int, team_ids: list[int] | None = None
) -> dict[int, dict]:
    """team id → its figures for the quarter (all teams, or only those given)."""
    first, last = quarter_days(year, quarter)
    until, span = _counted(first, last, now)
    teams = team_ids if team_ids is not None else [t for (t,) in Team.select(Team.id).tuples()]
    stats = {team: _empty(year, quarter, first, last, now) for team in teams}
    members = _member_rows(span, spells.on_roster(first, last), team_ids)
    for team, rows in members.items():
        if team in stats:
            _add_members(stats[team], rows)
    for team, held in _activities(span, now, team_ids).items():
        if team in stats:
            stats[team]["activities"] = held
    for team, called_off in cancelled_activities(span, now, team_ids).items():
        if team in stats:
            stats[team] |= {
                "activities_cancelled": len(called_off),
                "cancelled_activities": called_off,
            }
    for team, (pairings, due) in _visits_due(first, until, interval_days, team_ids).items():
        if team in stats:
            stats[team]["visits"] |= {"pairings": pairings, "due": due}
    for team, (count, total) in _ratings(span, team_ids).items():
        if team in stats:
            stats[team]["ratings"] = {"count": count, "average": round(total / count, 2)}
    for team, count in _urgent_broadcasts(span, team_ids).items():
        if team in stats:
            stats[team]["urgent_broadcasts"] = count
    return stats


def member_sums(
    first: date, last: date, now: datetime, team_ids: list[int] | None = None
) -> dict[int, list[tuple]]:
    """team id → (member id, name, active, left_on, {sum name: value}) per member on the
    roster in these days or serving in them, by the quarter's rules for any span of whole
    days (the annual assessment reads a year): what the per-member table is made from."""
    _, span = _counted(first, last, now)
    return _member_rows(span, spells.on_roster(first, last), team_ids)


def _counted(first: date, last: date, now: datetime) -> tuple[date, tuple[datetime, datetime]]:
    """The last day counted (a running quarter counts up to today) and the check-in times
    from the first day to that one, as stored (UTC)."""
    until = min(last, clock.local_today(now))
    return until, (clock.local_midnight(first), clock.local_midnight(until + timedelta(days=1)))


def team_entries(team_id: int, year: int, quarter: int, now: datetime) -> pw.Select:
    """The ids of the entries the team's figures for the quarter are made from: its members'
    check-ins in the period (so that what the figures rest on can be checked, and no more)."""
    _, (start, end) = _counted(*quarter_days(year, quarter), now)
    members = Member.select(Member.id).where(Member.team == team_id)
    return R.select(R.id).where(
        (R.checkin_at >= start) & (R.checkin_at < end) & R.member.in_(members)
    )


def _empty(year, quarter, first, last, now) -> dict:
    return {
        "year": year,
        "quarter": quarter,
        "starts_on": first.isoformat(),
        "ends_on": last.isoformat(),
        "computed_at": clock.to_local(now).isoformat(),
        "members": 0,
        "activities": 0,
        "activities_cancelled": 0,
        "cancelled_activities": [],
        "participants": 0,
        "services": 0,
        "hours": 0.0,
        "minutes": 0,
        "by_kind": {k: {"services": 0, "hours": 0.0, "minutes": 0} for k in KINDS},
        "visits": {"done": 0, "due": 0, "pairings": 0, "members_visited": 0},
        "cancelled_entries": {"services": 0, "hours": 0.0, "minutes": 0},
        "flagged": 0,
        "rejected": 0,
        "ratings": {"count": 0, "average": None},
        "urgent_broadcasts": 0,
        "per_member": [],
    }


def _in_teams(column, team_ids):
    return column.in_(team_ids) if team_ids is not None else column.is_null(False)


def staffed_teams(year: int, quarter: int) -> pw.Select:
    """The teams (as a subquery of their ids) with a member on the roster at some time in
    the quarter: those owe its report."""
    return Member.select(Member.team).where(spells.on_roster(*quarter_days(year, quarter)))


def _member_rows(span: tuple, on_roster: pw.Expression, team_ids) -> dict[int, list[tuple]]:
    """team id → (member id, name, active, left_on, {sum name: value}) per member of the
    quarter's roster (see the module docstring), zero sums for a member who did nothing. Raw
    rows: at 100,000 members peewee's row conversion would cost as much as the query."""
    columns = [fn.SUM(pw.Case(None, [(c, v)], 0)).alias(n) for n, (c, v) in _COLUMNS.items()]
    where = (R.checkin_at >= span[0]) & (R.checkin_at < span[1])
    if team_ids is not None:
        where &= R.member.in_(Member.select(Member.id).where(Member.team.in_(team_ids)))
    sums = (
        R.select(R.member.alias("member_id"), *columns)
        .join(Activity, pw.JOIN.LEFT_OUTER, on=(R.activity == Activity.id))
        .where(where)
        .group_by(R.member)
    )
    served = sums.c.member_id.is_null(False)
    gone = spells.last_left()
    query = (
        Member.select(Member.team, Member.id, Member.name, Member.active, gone.c.left_on)
        .select_extend(*[getattr(sums.c, name) for name in _COLUMNS])
        .join(sums, pw.JOIN.LEFT_OUTER, on=(sums.c.member_id == Member.id))
        .join(gone, pw.JOIN.LEFT_OUTER, on=(gone.c.member_id == Member.id))
        .where(_in_teams(Member.team, team_ids) & (on_roster | served))
        .order_by(Member.id)
    )
    by_team: dict[int, list[tuple]] = defaultdict(list)
    for team, member_id, name, active, left_on, *values in db.execute(query):
        sums_of = dict(zip(_COLUMNS, (int(v or 0) for v in values), strict=True))
        left_on = left_on and clock.as_date(left_on)  # SQLite gives raw rows' dates as text
        by_team[team].append((member_id, name, bool(active), left_on, sums_of))
    return by_team


def _add_members(stats: dict, rows: list[tuple]) -> None:
    total = dict.fromkeys(_COLUMNS, 0) | {"members": 0, "participants": 0, "visited": 0}
    for member_id, name, active, left_on, sums in rows:
        for key, value in sums.items():
            total[key] += value
        total["members"] += 1
        total["participants"] += sums["attended"] > 0
        total["visited"] += sums["visits"] > 0
        stats["per_member"].append(_member_line(member_id, name, active, left_on, sums))
    services = sum(total[f"{k}_services"] for k in KINDS)
    minutes = sum(total[f"{k}_minutes"] for k in KINDS)
    stats |= {"members": total["members"], "participants": total["participants"]}
    stats |= {"services": services, **_time(minutes)}
    stats |= {"flagged": total["flagged"], "rejected": total["rejected"]}
    stats["cancelled_entries"] = {
        "services": total["cancelled_services"],
        **_time(total["cancelled_minutes"]),
    }
    stats["by_kind"] = _by_kind(total)
    stats["visits"] |= {"done": total["visits"], "members_visited": total["visited"]}


def _by_kind(total: dict) -> dict:
    """Services and time by kind, the hours adding up to the report's hours as the member's
    summary shows them (services.summary.hours_adding_up), with the exact minutes."""
    minutes = {k: total[f"{k}_minutes"] for k in KINDS}
    shown = hours_adding_up(minutes)
    return {
        k: {"services": total[f"{k}_services"], "hours": shown[k], "minutes": minutes[k]}
        for k in KINDS
    }


def _member_line(member_id: int, name: str, active: bool, left_on: date | None, sums: dict) -> dict:
    return {
        "member_id": member_id,
        "name": name,
        "active": active,
        "left_on": left_on.isoformat() if left_on else None,
        "services": sum(sums[f"{k}_services"] for k in KINDS),
        **_time(sum(sums[f"{k}_minutes"] for k in KINDS)),
        "visits": sums["visits"],
    }


def _time(minutes: int) -> dict:
    """A figure of time: hours to one decimal for the screen, the exact minutes to add up."""
    return {"hours": hours(minutes), "minutes": minutes}


def _activities(span: tuple, now: datetime, team_ids) -> dict[int, int]:
    """team id → activities held: started in the period, before now, and not cancelled."""
    held = (
        (Activity.starts_at >= span[0])
        & (Activity.starts_at < min(span[1], now))
        & (Activity.status != "cancelled")
        & _in_teams(Activity.team, team_ids)
    )
    query = Activity.select(Activity.team, fn.COUNT(Activity.id)).where(held)
    return dict(query.group_by(Activity.team).tuples())


def _visits_due(first: date, until: date, interval_days: int, team_ids) -> dict[int, tuple]:
    """team id → (pairings that ran in the period, visits they owed). Pairings are grouped by
    the days they ran inside the period, so a roster paired on one day is one row per team."""
    p = Pairing
    start = pw.Case(None, [(p.started_on < first, first)], p.started_on)
    end = pw.Case(None, [(p.ended_on.is_null() | (p.ended_on > until), until)], p.ended_on)
    ran = (p.started_on <= until) & (p.ended_on.is_null() | (p.ended_on >= first))
    query = (
        p.select(Member.team, start, end, fn.COUNT(p.id))
        .join(Member, on=(p.member == Member.id))
        .where(ran & _in_teams(Member.team, team_ids))
        .group_by(pw.SQL("1"), pw.SQL("2"), pw.SQL("3"))
        .tuples()
    )
    found: dict[int, tuple] = defaultdict(lambda: (0, 0))
    for team, began, ended, count in query:
        days = (clock.as_date(ended) - clock.as_date(began)).days + 1
        pairings, due = found[team]
        found[team] = (pairings + count, due + count * (days // interval_days))
    return found


def _ratings(span: tuple, team_ids) -> dict[int, tuple[int, int]]:
    """team id → (ratings, their sum) for the team, its members and its activities."""
    f = Feedback
    rated = Member.alias("rated")
    team = fn.COALESCE(f.team, rated.team, Activity.team)
    query = (
        f.select(team.alias("team_id"), fn.COUNT(f.id), fn.SUM(f.rating))
        .join(rated, pw.JOIN.LEFT_OUTER, on=(f.member == rated.id))
        .switch(f)
        .join(Activity, pw.JOIN.LEFT_OUTER, on=(f.activity == Activity.id))
        .where((f.created_at >= span[0]) & (f.created_at < span[1]) & (f.moderation == "approved"))
        .group_by(team)
        .tuples()
    )
    wanted = set(team_ids) if team_ids is not None else None
    return {
        t: (int(c), int(s))
        for t, c, s in query
        if t is not None and (wanted is None or t in wanted)
    }


def _urgent_broadcasts(span: tuple, team_ids) -> dict[int, int]:
    """team id → its notices sent as urgent in the period."""
    B = Broadcast
    inside = (B.created_at >= span[0]) & (B.created_at < span[1]) & URGENT
    query = B.select(B.team, fn.COUNT(B.id)).where(inside & _in_teams(B.team, team_ids))
    return dict(query.group_by(B.team).tuples())
