"""Reading a quarterly report (services.reports has the lifecycle): the stored report with
its figures live while it is open and frozen once submitted, the just-ended quarter's
drafted on demand for its leader (shown unsaved to the office), and the running quarter as
a preview; the office's view adds the register check of the entries it rests on.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime

from models import Account, Member, Team

from . import clock
from .actors import Actor
from .errors import NotFound
from .register_check import Findings, check_entries
from .report_deadlines import draft_missing
from .report_stats import (
    deadline_of,
    parse_period,
    reporting_quarter,
    staffed_teams,
    team_entries,
    team_stats,
)
from .reports import LATE_FLAG, OPEN, Q, ReportRules, decision_of, is_late
from .teams import team_for

#: Said when a team owes no report for the quarter asked for (none stored, none due).
NO_REPORT = "该季度没有这个服务队的季度报告。"


@dataclass(frozen=True)
class ReportView:
    """A report as its readers see it; `live` says the figures are today's, not frozen."""

    id: int | None
    team_id: int
    team_name: str
    year: int
    quarter: int
    status: str
    late: bool
    deadline: date
    summary: str
    submitted_at: datetime | None
    submitted_by: Member | None
    stats: dict
    live: bool
    editable: bool
    register_check: Findings | None = None  # the office's view only: its entries' chains
    decision: str | None = None  # the office's last decision: accepted or returned
    decided_by: Account | None = None
    decided_at: datetime | None = None
    return_reason: str = ""  # the last return's, kept after the leader submits again


def view_report(
    actor: Actor, period: str, team_id: int | None, now: datetime, rules: ReportRules
) -> ReportView:
    """The team's report for the period: the leader's own team, any team for the office,
    which also sees which of the entries it rests on fail the register check (figures
    frozen at submission included: the check is of the entries as they are now)."""
    year, quarter = parse_period(period)
    team = team_for(actor, team_id, "季度报告")
    if is_running(year, quarter, now):
        view = _preview(team, year, quarter, now, rules)
    else:
        report = stored_report(team, year, quarter, now, rules, not actor.is_office)
        view = view_of(report, now, rules)
    if not actor.is_office:
        return view
    return replace(view, register_check=check_entries(team_entries(team.id, year, quarter, now)))


def is_running(year: int, quarter: int, now: datetime) -> bool:
    """True for the current quarter; NotFound for one that has not begun."""
    current = clock.quarter_of(clock.local_today(now))
    if (year, quarter) > current:
        raise NotFound("该季度尚未开始。", "report_not_found")
    return (year, quarter) == current


def stored_report(
    team: Team, year: int, quarter: int, now: datetime, rules: ReportRules, draft: bool = True
) -> Q:
    """The stored report; the just-ended quarter's is drafted on demand, or, when `draft` is
    False (a reader, not its writer), shown as the draft it would be, unsaved."""
    where = (Q.team == team.id) & (Q.year == year) & (Q.quarter == quarter)
    report = Q.get_or_none(where)
    if report is None and (year, quarter) == reporting_quarter(clock.local_today(now)):
        if not draft:
            return _unsaved_draft(team, year, quarter, rules)
        draft_missing(now, rules, [team.id])
        report = Q.get_or_none(where)
    if report is None:
        raise NotFound(NO_REPORT, "report_not_found")
    return report


def _unsaved_draft(team: Team, year: int, quarter: int, rules: ReportRules) -> Q:
    """The draft draft_missing would make for a team staffed in the quarter (else NotFound),
    not saved."""
    if not staffed_teams(year, quarter).where(Member.team == team.id).exists():
        raise NotFound(NO_REPORT, "report_not_found")
    deadline = deadline_of(year, quarter, rules.deadline_days)
    return Q(
        team=team,
        year=year,
        quarter=quarter,
        status="draft",
        summary="",
        stats={},
        deadline=deadline,
    )


def live_stats(team_id: int, year: int, quarter: int, now: datetime, rules) -> dict:
    """The team's figures for the quarter as they are now (an open report shows these)."""
    return team_stats(year, quarter, now, rules.interval_days, [team_id])[team_id]


def view_of(report: Q, now: datetime, rules: ReportRules) -> ReportView:
    """The stored report as its readers see it: live figures while open, frozen after."""
    is_open = report.status in OPEN
    stats = live_stats(report.team_id, report.year, report.quarter, now, rules) if is_open else {}
    frozen = {k: v for k, v in report.stats.items() if k != LATE_FLAG}
    submitter = Member.get_or_none(Member.id == report.submitted_by_id)
    decider = Account.get_or_none(Account.id == report.decided_by_id)
    return ReportView(
        id=report.id,
        team_id=report.team_id,
        team_name=report.team.name,
        year=report.year,
        quarter=report.quarter,
        status=report.status,
        late=is_late(report, now),
        deadline=report.deadline,
        summary=report.summary,
        submitted_at=report.submitted_at,
        submitted_by=submitter,
        stats=stats or frozen,
        live=is_open,
        editable=is_open,
        decision=decision_of(report),
        decided_by=decider,
        decided_at=report.decided_at,
        return_reason=report.return_reason,
    )


def _preview(team: Team, year: int, quarter: int, now: datetime, rules) -> ReportView:
    """The running quarter: today's figures, nothing stored, nothing to write yet."""
    return ReportView(
        id=None,
        team_id=team.id,
        team_name=team.name,
        year=year,
        quarter=quarter,
        status="in_progress",
        late=False,
        deadline=deadline_of(year, quarter, rules.deadline_days),
        summary="",
        submitted_at=None,
        submitted_by=None,
        stats=live_stats(team.id, year, quarter, now, rules),
        live=True,
        editable=False,
    )
