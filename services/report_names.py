"""Chinese names of the quarterly reports' statuses, for every transport (the API's
status_name, the office's overview, the Excel exports), so that a report's state is named
once and the overview and the report's own page never disagree; a register entry's codes are
named in services.record_names."""

REPORT_STATUS_NAMES = {
    "in_progress": "本季度进行中",
    "draft": "草稿",
    "late": "逾期未交",
    "submitted": "已提交",
    "returned": "已退回",
    "accepted": "已通过",
}
# A report handed in after its deadline, by its status: still 逾期提交 while it waits, and
# once the office accepts it 已通过 first (a clerk who decided must see the decision).
LATE_SUBMITTED_NAMES = {"submitted": "逾期提交", "accepted": "已通过（逾期提交）"}
DONE = ("submitted", "accepted")


def report_status_name(status: str, late_submitted: bool) -> str:
    """A report's status as people say it (LATE_SUBMITTED_NAMES for one handed in late)."""
    late_name = LATE_SUBMITTED_NAMES.get(status) if late_submitted else None
    return late_name or REPORT_STATUS_NAMES.get(status, status)


def report_state_name(status: str, late: bool) -> str:
    """A report's state as people say it, from its stored status and whether it is late
    (services.reports.is_late): a draft past its deadline is 逾期未交 before the daily job
    marks it so, and one handed in after its deadline is 逾期提交."""
    if late and status == "draft":
        return REPORT_STATUS_NAMES["late"]
    return report_status_name(status, late and status in DONE)
