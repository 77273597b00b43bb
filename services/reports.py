"""Quarterly reports (每季度上报): drafted when a quarter ends, the leader reminded before the
deadline, marked late after it, written and submitted by the team's leader.

Lifecycle:
- The daily job drafts a report for every team on the first day after a quarter ends (and
  on any later day for a team still missing one), with the quarter's figures frozen in it
  (services.report_stats). The deadline is the quarter's last day plus the rule's days.
- While a draft, the leader is reminded 7, 3 and 1 days before the deadline; a day missed
  while the job was down is made up by the next reminder due, never by a pile of them. A
  team with no active leader has nobody to remind: the office is told once, in the same
  window. The day after the deadline an unsubmitted draft becomes `late` and the office is
  told.
- While a report is open (draft, late, or returned by the office), its figures are shown
  live, so corrections a leader makes after the quarter (reviews of flagged entries) show up;
  submitting freezes them. A report submitted after its deadline keeps that fact
  (`late_submitted` in its figures, shown as `late`) even if the office returns it and it is
  submitted again; one submitted on time and returned stays on time when submitted again
  after the deadline: the return moves no deadline, the first submission decides
  (services.report_review, where the office accepts or returns a submitted report).
- A leader opening the report of the quarter just ended before the job has drafted it gets
  the draft made on the spot; the office opening it reads the same draft unsaved (id null):
  its read writes nothing, so what it sees never depends on who looked first. The running
  quarter is a live preview that cannot be written yet; older quarters exist only if they
  were drafted, future ones never.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import peewee as pw

from models import Account, Member, QuarterlyReport, Team, db

from . import clock
from .actors import Actor
from .errors import Conflict, Forbidden, Invalid, NotFound
from .outbox import Message, enqueue
from .register_check import Findings, check_entries
from .report_stats import (
    deadline_of,
    label,
    on_roster,
    parse_period,
    quarter_days,
    reporting_quarter,
    team_entries,
    team_stats,
)
from .teams import team_by_id, team_for

Q = QuarterlyReport
OPEN = ("draft", "late", "returned")  # the leader may still write and submit
OWED = ("draft", "late")  # never submitted: days past the deadline count against it
DONE = ("submitted", "accepted")
STEPS = (1, 3, 7)  # days before the deadline the leader is reminded
SUMMARY_MAX = 5000
FEW_TEAMS = 50
INSERT_BATCH = 200  # report rows per INSERT (each carries its figures as JSON)
REPORT_PAGE = "pages/report/index?period={period}"
LATE_FLAG = "late_submitted"


@dataclass(frozen=True)
class ReportRules:
    deadline_days: int
    interval_days: int

    @classmethod
    def from_settings(cls, settings) -> "ReportRules":
        """The rules from a Settings object."""
        return cls(settings.rules.report_deadline_days, settings.rules.visit_interval_days)


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


@dataclass(frozen=True)
class QuarterRun:
    drafted: int
    reminded: int
    late: int


# --- the daily job ------------------------------------------------------------------------


def run_quarterly(now: datetime, rules: ReportRules, quiet_hours: str) -> QuarterRun:
    """Draft what is missing, remind leaders of deadlines, mark late reports."""
    return QuarterRun(
        drafted=draft_missing(now, rules),
        reminded=remind_deadlines(now, quiet_hours),
        late=mark_late(now, quiet_hours),
    )


def draft_missing(now: datetime, rules: ReportRules, team_ids: list[int] | None = None) -> int:
    """Draft the just-ended quarter's report for each team without one that had members in
    that quarter (a roster imported later, or one whose members had all left before it, owes
    no report for it); the unique index makes a second runner's rows no-ops. Returns how
    many teams were missing one."""
    year, quarter = reporting_quarter(clock.local_today(now))
    have = Q.select(Q.team).where((Q.year == year) & (Q.quarter == quarter))
    staffed = Member.select(Member.team).where(on_roster(*quarter_days(year, quarter)))
    query = Team.select(Team.id).where(Team.id.not_in(have) & Team.id.in_(staffed))
    if team_ids is not None:
        query = query.where(Team.id.in_(team_ids))
    missing = [team for (team,) in query.tuples()]
    if not missing:
        return 0
    # Naming the teams pays off for a few (a new team, a leader's request); for many, one
    # pass over the whole quarter is cheaper than a long list of ids in every query.
    named = missing if len(missing) <= FEW_TEAMS else None
    figures = team_stats(year, quarter, now, rules.interval_days, named)
    deadline = deadline_of(year, quarter, rules.deadline_days)
    rows = [
        {"team": t, "year": year, "quarter": quarter, "stats": figures[t], "deadline": deadline}
        | {"status": "draft", "summary": "", "updated_at": now}
        for t in missing
    ]
    with db.atomic():
        for start in range(0, len(rows), INSERT_BATCH):
            Q.insert_many(rows[start : start + INSERT_BATCH]).on_conflict_ignore().execute()
    return len(missing)


def remind_deadlines(now: datetime, quiet_hours: str) -> int:
    """Remind each draft's leader 7, 3 and 1 days before its deadline; a team with no active
    leader has nobody to write its report, so the office is told instead, once. One query."""
    today = clock.local_today(now)
    leader = Member.alias("leader")
    is_leader = (
        (leader.team == Q.team) & (leader.role == "leader") & (leader.active == True)  # noqa: E712
    )
    due = (Q.status == "draft") & Q.deadline.between(today, today + timedelta(days=max(STEPS)))
    query = (
        Q.select(Q.team, Team.name, Q.year, Q.quarter, Q.deadline, leader.id)
        .join(Team)
        .switch(Q)
        .join(leader, pw.JOIN.LEFT_OUTER, on=is_leader)
        .where(due)
        .tuples()
    )
    messages = [_deadline_message(row, today) for row in query]
    return enqueue(messages, now, quiet_hours)


def _deadline_message(row: tuple, today: date) -> Message:
    team, team_name, year, quarter, deadline, leader_id = row
    if leader_id is None:
        return _office_message("report_no_leader", team, team_name, year, quarter, deadline)
    days_left = (deadline - today).days
    step = min(s for s in STEPS if s >= days_left)
    payload = {
        "title": "季度报告提醒",
        "lines": {
            "季度": _cn_quarter(year, quarter),
            "截止日期": clock.cn_date(deadline),
            "剩余时间": f"{days_left}天" if days_left else "今天截止",
        },
        "page": REPORT_PAGE.format(period=label(year, quarter)),
    }
    key = f"report:{team}:{label(year, quarter)}:D-{step}"
    return Message(leader_id, "report_deadline", payload, key)


def mark_late(now: datetime, quiet_hours: str) -> int:
    """Mark drafts past their deadline late and tell the office, once per report."""
    today = clock.local_today(now)
    past_deadline = (Q.status == "draft") & (Q.deadline < today)
    overdue = [i for (i,) in Q.select(Q.id).where(past_deadline).tuples()]
    if not overdue:
        return 0
    still_draft = Q.id.in_(overdue) & (Q.status == "draft")
    Q.update(status="late", updated_at=now).where(still_draft).execute()
    query = (
        Q.select(Q.team, Team.name, Q.year, Q.quarter, Q.deadline)
        .join(Team)
        .where(Q.id.in_(overdue) & (Q.status == "late"))
        .tuples()
    )
    messages = [_office_message("report_late", *row) for row in query]
    enqueue(messages, now, quiet_hours)
    return len(messages)


# The office's messages about one team's report, by kind: title and what more it says.
OFFICE_NOTICES = {
    "report_late": ("季度报告逾期未交", {}),
    "report_no_leader": (
        "季度报告无人填写",
        {"原因": "该队没有在任的队长，请指定队长或由办公室代为处理"},
    ),
}


def _office_message(kind, team, team_name, year, quarter, deadline) -> Message:
    title, more = OFFICE_NOTICES[kind]
    lines = {"服务队": team_name, "季度": _cn_quarter(year, quarter)}
    payload = {"title": title, "lines": lines | {"截止日期": clock.cn_date(deadline)} | more}
    return Message(None, kind, payload, f"{kind}:{team}:{label(year, quarter)}")


# --- reading, writing and submitting ------------------------------------------------------


def view_report(
    actor: Actor, period: str, team_id: int | None, now: datetime, rules: ReportRules
) -> ReportView:
    """The team's report for the period: the leader's own team, any team for the office,
    which also sees which of the entries it rests on fail the register check (figures
    frozen at submission included: the check is of the entries as they are now)."""
    year, quarter = parse_period(period)
    team = team_for(actor, team_id, "季度报告")
    if _is_running(year, quarter, now):
        view = _preview(team, year, quarter, now, rules)
    else:
        view = _view(_report(team, year, quarter, now, rules, not actor.is_office), now, rules)
    if not actor.is_office:
        return view
    return replace(view, register_check=check_entries(team_entries(team.id, year, quarter, now)))


def latest_report(team_id: int) -> Q | None:
    """The team's most recent report, whatever its status (the one a leader asks about)."""
    query = Q.select().where(Q.team == team_id).order_by(Q.year.desc(), Q.quarter.desc())
    return query.first()


def save_summary(
    actor: Actor, period: str, summary: str, now: datetime, rules: ReportRules
) -> ReportView:
    """The leader writes (or rewrites) the report's summary while it is open."""
    report = _leader_report(actor, period, now, rules)
    text = _checked_summary(summary)
    changed = Q.update(summary=text, updated_at=now).where((Q.id == report.id) & Q.status.in_(OPEN))
    if not changed.execute():
        raise Conflict("报告已提交，不能再修改。", "report_submitted")
    return _view(Q.get_by_id(report.id), now, rules)


def submit_report(
    actor: Actor, period: str, now: datetime, rules: ReportRules, summary: str | None = None
) -> ReportView:
    """Submit the report with its figures frozen; submitting again changes nothing.

    A summary sent with the submit is saved with it, in one transaction: a leader who writes
    and submits in one step is not told to write a summary they just sent, and a submit
    refused (an empty summary) saves nothing. Sent again once the report is submitted, it
    must be the summary submitted (a retry of the same tap); another is report_submitted,
    as a late PUT is, rather than dropped."""
    with db.atomic():
        report = _leader_report(actor, period, now, rules)
        if summary is not None:
            report = _with_summary(report, _checked_summary(summary), now)
        if report.status in DONE:
            return _view(report, now, rules)
        if not report.summary.strip():
            raise Invalid("请先填写季度工作小结再提交。", "summary_required")
        figures = _live_stats(report.team_id, report.year, report.quarter, now, rules)
        figures[LATE_FLAG] = _late_at_submit(report, now)
        fields = {"status": "submitted", "submitted_at": now, "submitted_by": actor.member.id}
        fields |= {"stats": figures, "updated_at": now}
        Q.update(**fields).where((Q.id == report.id) & Q.status.in_(OPEN)).execute()
    return _view(Q.get_by_id(report.id), now, rules)  # a concurrent submit won: same answer


def _late_at_submit(report: Q, now: datetime) -> bool:
    """Late when handed in after the deadline. A returned report was handed in already: the
    office asking for changes neither extends the deadline nor makes an on-time report late,
    so its first submission decides (and a late one stays late)."""
    if report.status == "returned":
        return submitted_late(report)
    return report.status == "late" or clock.local_today(now) > report.deadline


def _checked_summary(summary: str) -> str:
    text = summary.strip()
    if len(text) > SUMMARY_MAX:
        raise Invalid(f"工作小结不能超过 {SUMMARY_MAX} 字。", "summary_too_long")
    return text


def _with_summary(report: Q, text: str, now: datetime) -> Q:
    """The report with this summary written, while it is open; a submitted report only if
    it already holds exactly this summary."""
    Q.update(summary=text, updated_at=now).where((Q.id == report.id) & Q.status.in_(OPEN)).execute()
    report = Q.get_by_id(report.id)
    if report.summary != text:  # submitted before, by this leader or a concurrent tap
        raise Conflict("报告已提交，不能再修改工作小结。", "report_submitted")
    return report


def _leader_report(actor: Actor, period: str, now: datetime, rules: ReportRules) -> Q:
    year, quarter = parse_period(period)
    if not actor.is_leader or actor.team_id is None:
        raise Forbidden("只有本队队长可以填写和提交季度报告。", "leader_only")
    team = team_by_id(actor.team_id)
    if _is_running(year, quarter, now):
        raise Conflict("本季度尚未结束，结束后才能填写季度报告。", "quarter_not_ended")
    return _report(team, year, quarter, now, rules)


def _is_running(year: int, quarter: int, now: datetime) -> bool:
    """True for the current quarter; NotFound for one that has not begun."""
    current = clock.quarter_of(clock.local_today(now))
    if (year, quarter) > current:
        raise NotFound("该季度尚未开始。", "report_not_found")
    return (year, quarter) == current


def _report(
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
        raise NotFound("该季度没有这个服务队的季度报告。", "report_not_found")
    return report


def _unsaved_draft(team: Team, year: int, quarter: int, rules: ReportRules) -> Q:
    """The draft draft_missing would make for a team staffed in the quarter (else NotFound),
    not saved."""
    staffed = Member.select().where(
        (Member.team == team.id) & on_roster(*quarter_days(year, quarter))
    )
    if not staffed.exists():
        raise NotFound("该季度没有这个服务队的季度报告。", "report_not_found")
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


def _live_stats(team_id: int, year: int, quarter: int, now: datetime, rules) -> dict:
    return team_stats(year, quarter, now, rules.interval_days, [team_id])[team_id]


def _view(report: Q, now: datetime, rules: ReportRules) -> ReportView:
    is_open = report.status in OPEN
    stats = _live_stats(report.team_id, report.year, report.quarter, now, rules) if is_open else {}
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


def decision_of(report: Q) -> str | None:
    """The office's last decision: accepted is final, so any other decided report was last
    returned (and may since have been submitted again)."""
    if report.decided_at is None:
        return None
    return "accepted" if report.status == "accepted" else "returned"


def is_late(report: Q, now: datetime) -> bool:
    """Late once the deadline has passed unsubmitted, whether or not the daily job has
    marked it yet, and for good once submitted late."""
    return report.status == "late" or days_overdue(report, now) > 0 or submitted_late(report)


def days_overdue(report: Q, now: datetime) -> int:
    """Days past the deadline of a report the leader still owes; 0 when not yet due or
    handed in (a returned report was handed in: its lateness is its first submission's). The
    chat tells a leader this count, so it is reckoned here, with `late`."""
    if report.status not in OWED:
        return 0
    return max((clock.local_today(now) - report.deadline).days, 0)


def submitted_late(report: Q) -> bool:
    """Submitted after its deadline, kept even if the office returned it since."""
    return bool(report.stats.get(LATE_FLAG))


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
        stats=_live_stats(team.id, year, quarter, now, rules),
        live=True,
        editable=False,
    )


def _cn_quarter(year: int, quarter: int) -> str:
    return f"{year}年第{quarter}季度"
