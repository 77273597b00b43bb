"""A register entry's codes in words for people: one table per field for every reader (the
API's kind_name and status_name, the register check's findings, the OpenAPI enums), so that
a code is named once. The flags' names are in services.flags."""

KIND_NAMES = {"activity": "集中活动", "visit": "结对走访", "individual": "分散活动"}
STATUS_NAMES = {
    "pending": "待审核",
    "verified": "已核验",
    "flagged": "待审核",
    "rejected": "未通过",
}
# An entry waiting for review is named by whose review it waits for (records.awaiting_review_by):
# 待审核 alone leaves the member guessing whom to ask.
AWAITING_NAMES = {"leader": "待队长审核", "office": "待办公室审核"}
# Who decided an entry's status (services.review.decided_by): the one a member who disagrees
# turns to, since only they can change it (the leader cannot overturn the office).
DECIDER_NAMES = {"leader": "队长", "office": "办公室"}
SOURCE_NAMES = {"mp": "小程序", "chat": "公众号", "web": "网页", "leader": "队长代为登记"}
COORD_NAMES = {"gcj02": "GCJ-02（国内地图）", "wgs84": "WGS-84（GPS）"}
# What an entry without an activity is called wherever it is named for people (the chat, the
# office's inbox, the notices members receive); an activity's entry goes by the activity.
ENTRY_TITLES = {"visit": "结对家庭走访", "individual": "个人服务（分散活动）"}


def entry_title(kind: str, activity_title: str | None = None) -> str:
    """An entry's name for people: its activity's title, else what its kind is called."""
    return activity_title or ENTRY_TITLES.get(kind, KIND_NAMES.get(kind, "服务"))
