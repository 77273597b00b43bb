"""The leader writing and submitting a quarterly report (services.reports has the
lifecycle): the summary saved while the report is open, and a submission that freezes the
figures and keeps whether it came after the deadline.
"""

from datetime import datetime

from models import db

from . import clock
from .actors import Actor
from .errors import Conflict, Forbidden, Invalid
from .report_stats import parse_period
from .report_view import ReportView, is_running, live_stats, stored_report, view_of
from .reports import DONE, LATE_FLAG, OPEN, Q, ReportRules, submitted_late
from .teams import team_by_id

SUMMARY_MAX = 5000


def save_summary(
    actor: Actor, period: str, summary: str, now: datetime, rules: ReportRules
) -> ReportView:
    """The leader writes (or rewrites) the report's summary while it is open."""
    report = _leader_report(actor, period, now, rules)
    text = _checked_summary(summary)
    changed = Q.update(summary=text, updated_at=now).where((Q.id == report.id) & Q.status.in_(OPEN))
    if not changed.execute():
        raise Conflict("报告已提交，不能再修改。", "report_submitted")
    return view_of(Q.get_by_id(report.id), now, rules)


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
            return view_of(report, now, rules)
        if not report.summary.strip():
            raise Invalid("请先填写季度工作小结再提交。", "summary_required")
        figures = live_stats(report.team_id, report.year, report.quarter, now, rules)
        figures[LATE_FLAG] = _late_at_submit(report, now)
        fields = {"status": "submitted", "submitted_at": now, "submitted_by": actor.member.id}
        fields |= {"stats": figures, "updated_at": now}
        Q.update(**fields).where((Q.id == report.id) & Q.status.in_(OPEN)).execute()
    return view_of(Q.get_by_id(report.id), now, rules)  # a concurrent submit won: same answer


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
    if is_running(year, quarter, now):
        raise Conflict("本季度尚未结束，结束后才能填写季度报告。", "quarter_not_ended")
    return stored_report(team, year, quarter, now, rules)
