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

The report's jobs live in modules of their own: the daily job (services.report_deadlines),
reading a report (services.report_view), the leader writing and submitting it
(services.report_writing), the office accepting or returning it (services.report_review).
This module holds what they share: the states, the rules, and when a report is late.
"""

from dataclasses import dataclass
from datetime import datetime

from models import QuarterlyReport

from . import clock

Q = QuarterlyReport
OPEN = ("draft", "late", "returned")  # the leader may still write and submit
OWED = ("draft", "late")  # never submitted: days past the deadline count against it
DONE = ("submitted", "accepted")
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


def latest_report(team_id: int) -> Q | None:
    """The team's most recent report, whatever its status (the one a leader asks about)."""
    query = Q.select().where(Q.team == team_id).order_by(Q.year.desc(), Q.quarter.desc())
    return query.first()


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
