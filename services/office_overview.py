"""The office's overview of all teams on one screen: who leads each, this quarter's figures
as the quarterly report counts them, what waits for review, the last quarter's report, and
the counts of what the office itself must act on.

A report is 逾期未交 only while the leader has never handed it in (services.reports.OWED): one
the office returned was handed in, and waits apart, 已退回待重交, until the leader submits it
again, whatever its quarter (as the reports waiting for the office's decision).

A team that owes the last quarter's report is shown as owing it whether or not its row has
been drafted yet (the daily job drafts it; a team staffed during the quarter owes one, as
services.report_deadlines.draft_missing decides): a quarter whose deadline passed with no report at
all is the latest report of all, not one "not yet made".

The figures are the report's own (services.report_stats), so the overview never tells the
office another number than the report will. Entries waiting for review are counted over the
whole register, not the quarter: an entry flagged in an earlier quarter still waits. The
register check is not run here (it reads every chain): the dashboard asks for it apart.
"""

from dataclasses import dataclass
from datetime import date, datetime

from peewee import fn

from models import Community, Member, QuarterlyReport, ServiceRecord, SpotCheck, Team
from models.record import AWAITING_REVIEW

from . import clock
from .actors import Actor
from .errors import Forbidden
from .outbox_report import office_inbox, problems
from .records import reviewer_for
from .report_names import report_state_name
from .report_stats import (
    deadline_of,
    label,
    reporting_quarter,
    staffed_teams,
    team_stats,
)
from .reports import OPEN, OWED, is_late, submitted_late

R = ServiceRecord


@dataclass(frozen=True)
class ReportState:
    """A team's report for one quarter as the office tracks it."""

    period: str
    status: str
    status_name: str
    late: bool
    owed: bool  # the leader still has to submit it (draft, late or returned)
    deadline: date
    submitted_at: datetime | None


@dataclass(frozen=True)
class TeamOverview:
    id: int
    name: str
    community: str
    leader_id: int | None
    leader_name: str | None
    members: int  # active members on the roster now
    services: int  # this quarter, counted as the report counts them
    minutes: int
    hours: float
    flagged: int  # waiting for review with a doubt raised (status flagged)
    awaiting_leader: int  # waiting for the leader's review (pending or flagged)
    awaiting_office: int  # waiting for the office's review
    report: ReportState | None  # the reporting quarter's; None when the team owes none


@dataclass(frozen=True)
class Alerts:
    undelivered: int  # messages WeChat did not deliver (failed or skipped)
    inbox_unread: int
    spot_checks_pending: int
    late_reports: list[str]  # the teams whose report is past its deadline, never handed in
    awaiting_decision: list["AwaitingDecision"]  # submitted reports the office must decide
    returned: list["Returned"]  # reports the office returned, not handed in again yet


@dataclass(frozen=True)
class AwaitingDecision:
    """A report a leader submitted that the office has not accepted or returned yet."""

    team_id: int
    team_name: str
    period: str
    submitted_at: datetime | None
    late: bool  # submitted after its deadline
    resubmitted: bool  # returned by the office before, and submitted again since


@dataclass(frozen=True)
class Returned:
    """A report the office returned, which waits for its leader to hand it in again."""

    team_id: int
    team_name: str
    period: str
    returned_at: datetime | None
    reason: str
    late: bool  # first handed in after its deadline (a return does not change that)


@dataclass(frozen=True)
class Overview:
    today: date
    period: str  # the running quarter, whose figures the teams show
    report_period: str  # the quarter whose reports are being written
    teams: list[TeamOverview]
    alerts: Alerts


def office_overview(
    actor: Actor, now: datetime, interval_days: int, deadline_days: int
) -> Overview:
    """Every team with its figures, and the office's alerts."""
    if not actor.is_office:
        raise Forbidden("只有办公室可以查看工作台总览。", "office_only")
    today = clock.local_today(now)
    year, quarter = clock.quarter_of(today)
    stats = team_stats(year, quarter, now, interval_days)
    reports = _reports(*reporting_quarter(today), now, deadline_days)
    people = _People(_leaders(), _active_members(), _awaiting_review())
    teams = [_team(t, stats.get(t.id, {}), reports.get(t.id), people) for t in _teams()]
    return Overview(
        today=today,
        period=label(year, quarter),
        report_period=label(*reporting_quarter(today)),
        teams=teams,
        alerts=_alerts(actor, teams),
    )


@dataclass(frozen=True)
class _People:
    leaders: dict[int, tuple[int, str]]
    members: dict[int, int]
    waiting: dict[int, dict[str, int]]


def _teams() -> list[Team]:
    return list(Team.select(Team, Community).join(Community).order_by(Team.id))


def _team(team: Team, stats: dict, report: ReportState | None, people: _People) -> TeamOverview:
    leader = people.leaders.get(team.id)
    counts = people.waiting.get(team.id, {})
    return TeamOverview(
        id=team.id,
        name=team.name,
        community=team.community.name,
        leader_id=leader[0] if leader else None,
        leader_name=leader[1] if leader else None,
        members=people.members.get(team.id, 0),
        services=stats.get("services", 0),
        minutes=stats.get("minutes", 0),
        hours=stats.get("hours", 0.0),
        flagged=counts.get("flagged", 0),
        awaiting_leader=counts.get("leader", 0),
        awaiting_office=counts.get("office", 0),
        report=report,
    )


def _leaders() -> dict[int, tuple[int, str]]:
    query = Member.select(Member.team, Member.id, Member.name).where(
        (Member.role == "leader") & (Member.active == True)  # noqa: E712
    )
    return {team: (member_id, name) for team, member_id, name in query.order_by(Member.id).tuples()}


def _active_members() -> dict[int, int]:
    query = (
        Member.select(Member.team, fn.COUNT(Member.id))
        .where((Member.active == True) & Member.team.is_null(False))  # noqa: E712
        .group_by(Member.team)
    )
    return dict(query.tuples())


def _awaiting_review() -> dict[int, dict[str, int]]:
    """team → counts of the entries waiting for review: flagged, and by whose review (named
    by services.records.reviewer_for, the register's own rule)."""
    query = (
        R.select(Member.team, R.status, Member.role, R.source, fn.COUNT(R.id))
        .join(Member, on=(R.member == Member.id))
        .where(R.status.in_(sorted(AWAITING_REVIEW)))
        .group_by(Member.team, R.status, Member.role, R.source)
        .tuples()
    )
    counts: dict[int, dict[str, int]] = {}
    for team, status, role, source, n in query:
        team_counts = counts.setdefault(team, {})
        who = reviewer_for(status, role, source)
        team_counts[who] = team_counts.get(who, 0) + n
        if status == "flagged":
            team_counts["flagged"] = team_counts.get("flagged", 0) + n
    return counts


def _reports(year: int, quarter: int, now: datetime, deadline_days: int) -> dict[int, ReportState]:
    """team → its report for the quarter; a team staffed in the quarter with no row yet owes
    one all the same (a draft not yet made, late once its deadline has passed)."""
    Q = QuarterlyReport
    query = Q.select().where((Q.year == year) & (Q.quarter == quarter))
    stored = {r.team_id: _report_state(r, now) for r in query}
    staffed = staffed_teams(year, quarter)
    missing = Team.select(Team.id).where(Team.id.in_(staffed) & Team.id.not_in(list(stored)))
    unmade = Q(year=year, quarter=quarter, status="draft", stats={})
    unmade.deadline = deadline_of(year, quarter, deadline_days)
    return stored | {team: _report_state(unmade, now) for (team,) in missing.tuples()}


def _report_state(r: QuarterlyReport, now: datetime) -> ReportState:
    """Named as the report's own view names it (services.report_names), and late by its
    deadline whether or not the daily job has marked it yet."""
    late = is_late(r, now)
    return ReportState(
        period=label(r.year, r.quarter),
        status=r.status,
        status_name=report_state_name(r.status, late),
        late=late,
        owed=r.status in OPEN,
        deadline=r.deadline,
        submitted_at=r.submitted_at,
    )


def _alerts(actor: Actor, teams: list[TeamOverview]) -> Alerts:
    pending = SpotCheck.select().where(SpotCheck.result == "pending").count()
    return Alerts(
        undelivered=problems(actor, None, 1, 0)[1],
        inbox_unread=office_inbox(actor, True, 1, 0)[1],
        spot_checks_pending=pending,
        late_reports=[t.name for t in teams if _never_handed_in_late(t.report)],
        awaiting_decision=_awaiting_decision(),
        returned=_returned(),
    )


def _never_handed_in_late(report: ReportState | None) -> bool:
    return report is not None and report.late and report.status in OWED


def _awaiting_decision() -> list[AwaitingDecision]:
    """Every submitted report of any quarter, not only the one being written (a report of an
    earlier quarter may still wait), the longest waiting first; one query."""
    Q = QuarterlyReport
    query = (
        Q.select(Q.team, Team.name, Q.year, Q.quarter, Q.submitted_at, Q.decided_at, Q.stats)
        .join(Team)
        .where(Q.status == "submitted")
        .order_by(Q.submitted_at, Q.year, Q.quarter, Team.id)
        .objects()
    )
    return [
        AwaitingDecision(
            team_id=r.team_id,
            team_name=r.name,
            period=label(r.year, r.quarter),
            submitted_at=r.submitted_at,
            late=submitted_late(r),
            resubmitted=r.decided_at is not None,
        )
        for r in query
    ]


def _returned() -> list[Returned]:
    """Every returned report of any quarter, the one returned longest ago first; one query."""
    Q = QuarterlyReport
    query = (
        Q.select(Q.team, Team.name, Q.year, Q.quarter, Q.decided_at, Q.return_reason, Q.stats)
        .join(Team)
        .where(Q.status == "returned")
        .order_by(Q.decided_at, Q.year, Q.quarter, Team.id)
        .objects()
    )
    return [
        Returned(
            team_id=r.team_id,
            team_name=r.name,
            period=label(r.year, r.quarter),
            returned_at=r.decided_at,
            reason=r.return_reason,
            late=submitted_late(r),
        )
        for r in query
    ]
