"""The office's quarterly inspection (季度检查): it accepts a submitted report, or returns it
to the team's leader with a reason.

- Only a submitted report is decided, one submitted after its deadline too (it stays marked
  late). A draft, or a late report the leader still owes, is report_not_submitted; a returned
  report waits for its leader (report_returned) until they submit it again.
- Accepted is final: accepting again answers the report again (a double click, a retry),
  returning it is report_accepted. Returning again with the same reason is a retry too; with
  another reason it is report_returned, as the leader was already told the first.
- A returned report is open again (services.reports.OPEN): the leader rewrites the summary
  and submits again, and its figures are frozen anew. The return does not move the deadline
  and does not start a new one: whether the report was late is decided by its first
  submission. A team that handed in on time and is asked for changes after the deadline is
  not late for that; one that handed in late stays late however often it resubmits.
- Who decided and when is kept on the report (the last decision, with the reason of the last
  return, still shown after the leader resubmits, so they and the office see what was
  asked), and every decision goes to the audit log.
- The team's active leaders are told through the outbox, in the decision's transaction, once
  per decision: a return's key names the submission it returns, so a retry queues nothing
  and a second return after a resubmission is a new message.
"""

from datetime import datetime

from models import Member, QuarterlyReport, db

from . import audit
from .actors import Actor
from .errors import Conflict, Forbidden, Invalid
from .outbox import Message, enqueue
from .report_stats import label, parse_period
from .reports import REPORT_PAGE
from .review import clean_text
from .rows import lock_row
from .teams import team_by_id

Q = QuarterlyReport
DECISIONS = {"accept": "accepted", "return": "returned"}
REASON_LIMIT = 300
AUDIT_ACTION = "report_decide"
NOTICES = {  # kind, title, by the status decided
    "accepted": ("report_accepted", "季度报告已通过"),
    "returned": ("report_returned", "季度报告被退回"),
}
# Why a decision cannot be made on a report in this status (one not listed is decided).
REFUSALS = {
    "draft": ("报告尚未提交，不能审阅。", "report_not_submitted"),
    "late": ("报告逾期未交，尚未提交，不能审阅。", "report_not_submitted"),
    "returned": ("报告已退回队长修改，请等队长重新提交后再审阅。", "report_returned"),
    "accepted": ("报告已通过审阅，不能退回。", "report_accepted"),
}


def decide_report(
    actor: Actor,
    team_id: int,
    period: str,
    decision: str,
    reason: str | None,
    now: datetime,
    quiet_hours: str,
) -> QuarterlyReport:
    """Accept or return one team's submitted report (the rules are the module's); returns
    the report as it stands after the decision."""
    if not actor.is_office:
        raise Forbidden("只有办公室可以审阅季度报告。", "office_only")
    status = DECISIONS.get(decision)
    if status is None:
        raise Invalid("decision 应为 accept（通过）或 return（退回）。", "bad_decision")
    reason = _checked_reason(status, reason)
    year, quarter = parse_period(period)
    team = team_by_id(team_id)
    with db.atomic():
        report = _load_for_change(team.id, year, quarter)
        if not _is_repeat(report, status, reason):
            _refuse_unless_submitted(report)
            _decide(actor, report, status, reason, now, quiet_hours)
    return Q.get_by_id(report.id)


def _checked_reason(status: str, reason: str | None) -> str:
    """A return's reason, required; an acceptance takes none."""
    if status != "returned":
        return ""
    text = clean_text("reason", reason or "", REASON_LIMIT, "退回原因")
    if not text:
        raise Invalid("退回报告时请写明原因。", "reason_required")
    return text


def _load_for_change(team_id: int, year: int, quarter: int) -> QuarterlyReport:
    where = (Q.team == team_id) & (Q.year == year) & (Q.quarter == quarter)
    found = Q.get_or_none(where)
    if found is None:  # not drafted yet: the office sees it as an unsaved draft
        raise Conflict(*REFUSALS["draft"])
    lock_row(Q, found.id)
    return Q.get_by_id(found.id)


def _is_repeat(report: QuarterlyReport, status: str, reason: str) -> bool:
    """The decision the report already has (a return: with the same reason)."""
    return report.status == status and (status == "accepted" or reason == report.return_reason)


def _refuse_unless_submitted(report: QuarterlyReport) -> None:
    if report.status in REFUSALS:
        raise Conflict(*REFUSALS[report.status])


def _decide(actor, report, status: str, reason: str, now: datetime, quiet_hours: str) -> None:
    fields = {"status": status, "decided_by": actor.account, "decided_at": now}
    fields |= {"return_reason": reason, "updated_at": now} if reason else {"updated_at": now}
    Q.update(**fields).where(Q.id == report.id).execute()
    detail = {"from": report.status, "to": status, "reason": reason}
    audit.record(actor.label, AUDIT_ACTION, now, "quarterly_report", report.id, detail)
    enqueue(_notices(report, status, reason), now, quiet_hours)


def _notices(report: QuarterlyReport, status: str, reason: str) -> list[Message]:
    """One message to each active leader of the team, keyed by the decision."""
    kind, title = NOTICES[status]
    period = label(report.year, report.quarter)
    lines = {"季度": f"{report.year}年第{report.quarter}季度"}
    if reason:
        lines["退回原因"] = reason
    payload = {"title": title, "lines": lines, "page": REPORT_PAGE.format(period=period)}
    decision = f"{report.id}:{report.submitted_at:%Y%m%d%H%M%S%f}" if reason else str(report.id)
    leaders = Member.select(Member.id).where(
        (Member.team == report.team_id) & (Member.role == "leader") & (Member.active == True)  # noqa: E712
    )
    return [Message(m.id, kind, payload, f"{kind}:{decision}:{m.id}") for m in leaders]
