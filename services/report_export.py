"""A team's quarterly report as an Excel workbook: a 概况 sheet with the report's figures, its
status and the leader's summary, and a 队员明细 sheet with each member's services, hours and
visits.

The figures are the JSON report's, read through services.reports.view_report, so the file and
the screen never disagree and the same readers may have it: the team's leader, and the office
for any team. The members stay in roster order, as on the screen: the file is for
reporting, not a ranking (DESIGN, "Serve people, not the form"). A report frozen by an older
version may lack a figure; its cell is then left blank rather than the export failing.
"""

import math
from datetime import datetime

from openpyxl.styles import Alignment

from . import clock
from .actors import Actor
from .record_names import KIND_NAMES
from .report_names import report_status_name
from .report_stats import KINDS, label
from .reports import DONE, ReportRules, ReportView, view_report
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
LABEL_WIDTH, VALUE_WIDTH = 24, 70
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
    return report_status_name(view.status, view.late and view.status in DONE)


def _computed_at(view: ReportView) -> datetime | None:
    """When the figures were made (stored as Shanghai ISO text), as naive UTC."""
    text = view.stats.get("computed_at")
    return clock.to_utc(datetime.fromisoformat(text)).replace(microsecond=0) if text else None


def _span(view: ReportView) -> str:
    first, last = view.stats.get("starts_on"), view.stats.get("ends_on")
    return f"{first} 至 {last}" if first and last else ""


def _by_kind(kind: str) -> tuple:
    name = KIND_NAMES[kind]
    return (
        (f"其中{name}（次）", _stat("by_kind", kind, "services"), None),
        (f"其中{name}时长（小时）", lambda v: _hours(_stat("by_kind", kind)(v)), HOURS),
    )


# The 概况 sheet, row by row: label, value from the report, number format.
SUMMARY = (
    ("服务队", lambda v: v.team_name, None),
    ("季度", lambda v: f"{v.year}年第{v.quarter}季度", None),
    ("统计期间", _span, None),
    ("报告状态", _status, None),
    ("截止日期", lambda v: v.deadline, DATE),
    ("提交时间", lambda v: v.submitted_at, DATETIME),
    ("提交人", lambda v: v.submitted_by.name if v.submitted_by else "", None),
    ("数据口径", lambda v: "实时数据（提交时冻结）" if v.live else "提交时冻结的数据", None),
    ("统计时间", _computed_at, DATETIME),
    ("在册队员（人）", _stat("members"), None),
    ("开展活动（次）", _stat("activities"), None),
    ("参加活动党员（人）", _stat("participants"), None),
    ("服务次数（次）", _stat("services"), None),
    ("服务时长（小时）", lambda v: _hours(v.stats), HOURS),
    *(row for kind in KINDS for row in _by_kind(kind)),
    ("结对走访（次）", _stat("visits", "done"), None),
    ("应走访（次）", _stat("visits", "due"), None),
    ("结对户数", _stat("visits", "pairings"), None),
    ("走访过的党员（人）", _stat("visits", "members_visited"), None),
    ("待审核记录（条）", _stat("flagged"), None),
    ("未通过记录（条）", _stat("rejected"), None),
    ("居民评价（条）", _stat("ratings", "count"), None),
    ("平均评分（1–5）", _stat("ratings", "average"), "0.00"),
    ("工作小结", lambda v: v.summary, None),
)

MEMBER_COLUMNS = (
    Column("姓名", 12, lambda m: m.get("name", "")),
    Column("服务次数", 10, lambda m: m.get("services")),
    Column("服务时长（小时）", 18, _hours, HOURS),
    Column("走访次数", 10, lambda m: m.get("visits")),
    Column("备注", 14, lambda m: "" if m.get("active", True) else "已不在册"),
)


def export_report(
    actor: Actor, period: str, team_id: int | None, now: datetime, rules: ReportRules
) -> Export:
    """The report the actor may read (services.reports.view_report) as a workbook."""
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
    sheet.column_dimensions["A"].width = LABEL_WIDTH
    sheet.column_dimensions["B"].width = VALUE_WIDTH
    sheet.append([cell(sheet, "项目", bold=True), cell(sheet, "内容", bold=True)])
    sheet.freeze_panes = "A2"
    for title, value, number_format in SUMMARY:
        made = cell(sheet, value(view), number_format)
        made.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
        sheet.append([cell(sheet, title, bold=True), made])
    summary_row = sheet.max_row
    sheet.row_dimensions[summary_row].height = _height(view.summary)


def _height(text: str) -> float:
    """A row tall enough for the wrapped text: Excel does not size rows it did not write."""
    lines = sum(max(1, math.ceil(width_of(line) / VALUE_WIDTH)) for line in text.splitlines())
    return min(max(lines, 1) * ROW_HEIGHT, ROW_HEIGHT_MAX)
