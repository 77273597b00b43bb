"""Chinese names of the register's and the quarterly reports' codes, one table each, for every
transport (the API's *_name fields, the Excel exports), so that a status is named once."""

RECORD_KIND_NAMES = {"activity": "集中活动", "visit": "结对走访", "individual": "分散活动"}
RECORD_STATUS_NAMES = {
    "pending": "待完善",
    "verified": "已核验",
    "flagged": "待审核",
    "rejected": "未通过",
}
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
