"""Chinese names of the quarterly reports' statuses, for every transport (the API's
status_name, the Excel exports), so that a status is named once; a register entry's codes are
named in services.record_names."""

REPORT_STATUS_NAMES = {
    "in_progress": "本季度进行中",
    "draft": "草稿",
    "late": "逾期未交",
    "submitted": "已提交",
    "returned": "已退回",
    "accepted": "已通过",
}
LATE_SUBMITTED = "逾期提交"


def report_status_name(status: str, late_submitted: bool) -> str:
    """A report's status as people say it: one handed in after its deadline is 逾期提交."""
    return LATE_SUBMITTED if late_submitted else REPORT_STATUS_NAMES.get(status, status)
