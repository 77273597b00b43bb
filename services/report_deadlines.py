"""The quarterly reports' daily job (services.reports has the lifecycle): draft each team's
report when a quarter ends, remind the leader before the deadline (the office when the team
has no leader), and mark a draft late after it, telling the office.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import peewee as pw

from models import Member, Team, db

from . import clock
from .outbox import Message, enqueue
from .report_stats import (
    deadline_of,
    label,
    reporting_quarter,
    staffed_teams,
    team_stats,
)
from .reports import REPORT_PAGE, Q, ReportRules

STEPS = (1, 3, 7)  # days before the deadline the leader is reminded
FEW_TEAMS = 50
INSERT_BATCH = 200  # report rows per INSERT (each carries its figures as JSON)


@dataclass(frozen=True)
class QuarterRun:
    drafted: int
    reminded: int
    late: int


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
    staffed = staffed_teams(year, quarter)
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


def _cn_quarter(year: int, quarter: int) -> str:
    return f"{year}年第{quarter}季度"
