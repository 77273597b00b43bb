"""A team's quarterly report as an Excel workbook: a 概况 sheet with the report's figures, its
status, the office's decision on it (通过 or 退回, by whom, when, why: the last one, kept
after the leader submits again, as the report keeps it) and the leader's summary, and a
队员明细 sheet with each member's services, hours and visits.

The figures are the JSON report's, read through services.report_view.view_report, so the file and
the screen never disagree and the same readers may have it: the team's leader, and the office
for any team. The members stay in roster order, as on the screen: the file is for
reporting, not a ranking (DESIGN, "Serve people, not the form"). A report frozen by an older
version may lack a figure; its cell is then left blank rather than the export failing.

Figures that sound alike but count different things say so in a 说明 column (NOTES): the
visits counted as services (checked out and filled in) against every visit check-in, and the
flagged entries against everything awaiting review. The office's file also carries the
report's register check (the entries edited behind the service's back and the hours they
credit), as the office's JSON view does: view_report has run it once for this export, and
its findings are written as they are, never checked a second time.
"""

import math
from datetime import datetime

from openpyxl.styles import Alignment

from . import clock
from .actors import Actor
from .record_names import KIND_NAMES
from .register_check import Findings
from .report_names import report_state_name
from .report_stats import KINDS, label
from .report_view import ReportView, view_report
from .reports import ReportRules
from .xlsx import (
    DATE,
    DATETIME,
    HOURS,
    Column,
    Export,
    cell,
    file_name,
    new_book,
    to_bytes,
    width_of,
    write_table,
)

SUMMARY_SHEET, MEMBERS_SHEET = "概况", "队员明细"
VISITS = "结对走访（次，按签到计）"
VISIT_SERVICES = f"其中{KIND_NAMES['visit']}（次）"  # _by_kind's row for visits
CHECK, CHECK_ENTRY, CHECK_HOURS = "登记簿核验", "核验未通过的记录", "未通过记录的时长（小时）"
LABEL_WIDTH, VALUE_WIDTH, NOTE_WIDTH = 26, 70, 50
ROW_HEIGHT, ROW_HEIGHT_MAX = 15, 409  # points per line of text; Excel's tallest row


def _stat(*path: str):
    """A getter for one figure in the report's stats, None where an old snapshot lacks it."""

    def get(view: ReportView):
        value = view.stats
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    return get


def _hours(figure) -> float | None:
    """A figure of time in exact hours, from its minutes (services.report_stats), so that the
    members' hours add up to the team's; a report frozen before the minutes were kept has
    only its hours to one decimal."""
    if not isinstance(figure, dict):
        return None
    minutes = figure.get("minutes")
    return minutes / 60 if minutes is not None else figure.get("hours")


def _status(view: ReportView) -> str:
    return report_state_name(view.status, view.late)


def _computed_at(view: ReportView) -> datetime | None:
    """When the figures were made (stored as Shanghai ISO text), as naive UTC."""
    text = view.stats.get("computed_at")
    return clock.to_utc(datetime.fromisoformat(text)).replace(microsecond=0) if text else None


def _span(view: ReportView) -> str:
    first, last = view.stats.get("starts_on"), view.stats.get("ends_on")
    return f"{first} 至 {last}" if first and last else ""


def _by_kind(kind: str) -> tuple:
    """A kind's rows. Its hours are the report's, to one decimal, as the report and the
    member's summary show them (services.report_stats): the kinds add up to the total as
    it is shown, where each kind's exact hours shown to one decimal need not."""
    name = KIND_NAMES[kind]
    return (
        (f"其中{name}（次）", _stat("by_kind", kind, "services"), None),
        (f"其中{name}时长（小时）", _stat("by_kind", kind, "hours"), HOURS),
    )


# 数据口径: the figures of a report not handed in are today's, and freeze when it is.
FROZEN = "提交时冻结的数据"
LIVE_WORDS = {
    "returned": "实时数据（报告已退回，重新提交时冻结）",
    None: "实时数据（报告尚未提交，提交时冻结）",
}

DECISION, DECIDER, DECIDED_AT, RETURN_REASON = "办公室审阅", "审阅人", "审阅时间", "退回原因"
# The office's review as a clerk reads it: by the office's last decision, then the report's
# status now (a returned report the leader has submitted again waits for a new decision).
REVIEW_WORDS = {
    ("accepted", "accepted"): "已通过",
    ("returned", "returned"): "已退回，等待队长修改后重新提交",
    ("returned", "submitted"): "曾退回，队长已修改并重新提交，等待办公室审阅",
    (None, "submitted"): "等待办公室审阅",
    (None, "in_progress"): "本季度尚未结束，报告尚未提交",
}


def _review(view: ReportView) -> str:
    """What the office decided, or that there is nothing to decide yet (a draft, late)."""
    return REVIEW_WORDS.get((view.decision, view.status), "报告尚未提交")


def _return_reason(view: ReportView) -> str:
    """The last return's reason; on an accepted report, said to be an earlier return's."""
    if view.return_reason and view.decision == "accepted":
        return f"通过前曾退回，原因：{view.return_reason}"
    return view.return_reason


def _decider(view: ReportView) -> str:
    return view.decided_by.display_name if view.decided_by is not None else ""


URGENT_NOTICES = "紧急通知（条）"
HELD, CANCELLED, CANCELLED_ONE = "开展活动（次）", "已取消活动（场）", "取消的活动"
CANCELLED_SERVICES = "其中已取消活动的服务（次）"
CANCELLED_HOURS = "其中已取消活动的服务时长（小时）"
# The 概况 sheet, row by row: label, value from the report, number format.
SUMMARY = (
    ("服务队", lambda v: v.team_name, None),
    ("季度", lambda v: f"{v.year}年第{v.quarter}季度", None),
    ("统计期间", _span, None),
    ("报告状态", _status, None),
    ("截止日期", lambda v: v.deadline, DATE),
    ("提交时间", lambda v: v.submitted_at, DATETIME),
    ("提交人", lambda v: v.submitted_by.name if v.submitted_by else "", None),
    (DECISION, _review, None),
    (DECIDER, _decider, None),
    (DECIDED_AT, lambda v: v.decided_at, DATETIME),
    (RETURN_REASON, _return_reason, None),
    ("数据口径", lambda v: LIVE_WORDS.get(v.status, LIVE_WORDS[None]) if v.live else FROZEN, None),
    ("统计时间", _computed_at, DATETIME),
    ("在册队员（人）", _stat("members"), None),
    (HELD, _stat("activities"), None),
    (CANCELLED, _stat("activities_cancelled"), None),
    ("参加活动党员（人）", _stat("participants"), None),
    ("服务次数（次）", _stat("services"), None),
    ("服务时长（小时）", lambda v: _hours(v.stats), HOURS),
    *(row for kind in KINDS for row in _by_kind(kind)),
    (CANCELLED_SERVICES, _stat("cancelled_entries", "services"), None),
    (CANCELLED_HOURS, lambda v: _hours(v.stats.get("cancelled_entries")), HOURS),
    (VISITS, _stat("visits", "done"), None),
    ("应走访（次）", _stat("visits", "due"), None),
    ("结对户数", _stat("visits", "pairings"), None),
    ("走访过的党员（人）", _stat("visits", "members_visited"), None),
    ("存疑待审核记录（条）", _stat("flagged"), None),
    ("未通过记录（条）", _stat("rejected"), None),
    ("居民评价（条）", _stat("ratings", "count"), None),
    ("平均评分（1–5）", _stat("ratings", "average"), "0.00"),
    (URGENT_NOTICES, _stat("urgent_broadcasts"), None),
)
# What a row counts, where its label alone could be read two ways.
NOTES = {
    HELD: f"本季度已开始、未取消的本队活动；取消的见“{CANCELLED}”",
    CANCELLED: f"计划在本季度开展、后来取消的本队活动，不计入“{HELD}”；"
    f"每场的日期和取消原因见下面的“{CANCELLED_ONE}”。早先提交、未统计此项的报告为空",
    CANCELLED_SERVICES: "活动取消前队员已签到、并已签退和填写完整的登记；"
    "这些服务确实做了，已计入上面的服务次数和服务时长",
    URGENT_NOTICES: "队长发出的紧急通知（免打扰时段也立即发送）；早先提交、未统计此项的报告为空",
    "在册队员（人）": "本季度内任何一天在名册上的队员（从入队或归队之日到离队之日算在名册上，"
    "中途离队的期间不算），加上本季度有服务记录的；此后离队的仍计在内",
    "服务次数（次）": "计入时长的登记：已签退，服务内容、服务对象、服务成效都已填写"
    "（未通过的除外）；下面的“其中”各行按类型分",
    VISIT_SERVICES: f"计入时长的走访登记（已签退并填写完整）；每次走访签到见“{VISITS}”",
    VISITS: "每次走访签到算一次（未通过的除外），不论是否已签退、填写完整；与“应走访”对照。"
    f"其中计入服务次数的见“{VISIT_SERVICES}”",
    "存疑待审核记录（条）": "被标记存疑（签到或修改时发现疑点、抽查发现问题）、尚待审核的登记；"
    "不含队长代登记等待办公室核验等其他待审核的登记",
    DECISION: "办公室对已提交报告的季度检查结论：通过，或退回队长修改",
    DECIDER: "作出最近一次审阅结论的办公室账号",
    RETURN_REASON: "办公室最近一次退回时写明的原因；队长重新提交后仍保留，便于对照修改",
    CHECK: "办公室导出时现场核验本季度统计所依据的记录与登记历史是否一致（与 register verify "
    "相同）；提交时冻结的数字不随之改变",
    CHECK_HOURS: "这些记录计入上面“服务时长”的部分",
}


def _cancelled_rows(view: ReportView) -> list[tuple]:
    """One row per cancelled activity: when, what, why, and what was done before."""
    return [
        (CANCELLED_ONE, _cancelled(a), None) for a in view.stats.get("cancelled_activities") or []
    ]


def _cancelled(activity: dict) -> str:
    when = activity.get("starts_at", "").replace("T", " ")
    why = f"取消原因：{activity['reason']}" if activity.get("reason") else "取消时未填写原因"
    done = ""
    if activity.get("services"):
        done = f"；取消前已有 {activity['services']} 次服务登记，共 {activity['hours']} 小时"
    return f"{when} {activity.get('title', '')}（{why}{done}）"


# Rows written right after a row of SUMMARY, by its label.
FOLLOWING = {CANCELLED: _cancelled_rows}


def _left(member: dict) -> str:
    """Who has left since, and when where the report knows it (older reports do not)."""
    if member.get("left_on"):
        return f"{member['left_on']} 离队"
    return "" if member.get("active", True) else "已不在册"


MEMBER_COLUMNS = (
    Column("姓名", 12, lambda m: m.get("name", "")),
    Column("服务次数", 10, lambda m: m.get("services")),
    Column("服务时长（小时）", 18, _hours, HOURS),
    Column("走访次数", 10, lambda m: m.get("visits")),
    Column("备注", 16, _left),
)


def export_report(
    actor: Actor, period: str, team_id: int | None, now: datetime, rules: ReportRules
) -> Export:
    """The report the actor may read (services.report_view.view_report) as a workbook."""
    view = view_report(actor, period, team_id, now, rules)
    quarter = f"{view.year}年第{view.quarter}季度"
    book = new_book(f"{view.team_name}{quarter}报告")
    _write_summary(book.create_sheet(SUMMARY_SHEET), view)
    per_member = view.stats.get("per_member") or []
    rows = write_table(book.create_sheet(MEMBERS_SHEET), MEMBER_COLUMNS, per_member)
    name = file_name("季度报告", view.team_name, quarter)
    ascii_name = f"report-{label(view.year, view.quarter)}.xlsx"
    return Export(name, ascii_name, to_bytes(book), rows)


def _write_summary(sheet, view: ReportView) -> None:
    for column, width in zip("ABC", (LABEL_WIDTH, VALUE_WIDTH, NOTE_WIDTH), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.append([cell(sheet, title, bold=True) for title in ("项目", "内容", "说明")])
    sheet.freeze_panes = "A2"
    for title, value, number_format in SUMMARY:
        _append(sheet, title, value(view), number_format)
        for row in FOLLOWING.get(title, lambda _: [])(view):
            _append(sheet, *row)
    for title, value, number_format in _check_rows(view.register_check):
        _append(sheet, title, value, number_format)
    _append(sheet, "工作小结", view.summary)


def _append(sheet, title: str, value, number_format: str | None = None) -> None:
    """One row: the label, the value, and what it counts where that needs saying; as tall as
    its wrapped text (Excel does not size rows it did not write)."""
    note = NOTES.get(title, "")
    made = [cell(sheet, title, bold=True), cell(sheet, value, number_format), cell(sheet, note)]
    for each in made[1:]:
        each.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
    sheet.append(made)
    text = value if isinstance(value, str) else ""
    height = max(_height(text, VALUE_WIDTH), _height(note, NOTE_WIDTH))
    sheet.row_dimensions[sheet.max_row].height = height


def _check_rows(check: Findings | None) -> list[tuple]:
    """The office's register check of the report's entries (None for a leader: no rows)."""
    if check is None:
        return []
    if not check.found:
        return [(CHECK, "通过", None)]
    return [
        (CHECK, f"未通过：{len(check.found)} 条记录在系统之外被改动过", None),
        *((CHECK_ENTRY, f"{t.subject}：{t.problem}", None) for t in check.found),
        (CHECK_HOURS, check.minutes / 60, HOURS),
    ]


def _height(text: str, width: int) -> float:
    """Points for the text wrapped at `width` characters."""
    lines = sum(max(1, math.ceil(width_of(line) / width)) for line in text.splitlines())
    return min(max(lines, 1) * ROW_HEIGHT, ROW_HEIGHT_MAX)
