"""What the fields of a request are called where a person reads about them: an error's
message is shown to the member as is (the OpenAPI document says so), and 「参数 lat 应为数字」
speaks to a developer, 「纬度应为数字」 to a party member. The register's fields keep the words
the entry's history uses (services.history.COLUMN_LABELS)."""

from .history import COLUMN_LABELS

# Register fields a request can carry, named as the entry's history names them.
_REGISTER = ("checkin_at", "checkout_at", "content", "duration_minutes", "outcome", "target")

LABELS = {
    **{name: COLUMN_LABELS[name] for name in _REGISTER},
    "accuracy": "定位精度",
    "activity_id": "活动",
    "awaiting_review_by": "待审核方",
    "bind_code": "绑定码",
    "capacity": "人数上限",
    "category": "活动类别",
    "code": "登录凭证",
    "commended": "是否表彰",
    "comment": "审核意见",
    "community_id": "社区",
    "coord": "坐标系",
    "decision": "审核结果",
    "description": "活动说明",
    "digest": "名单校验码",
    "dry_run": "是否试导入",
    "e": "链接有效期",
    "ends_at": "结束时间",
    "expected": "当前版本",
    "file": "文件",
    "from": "开始日期",
    "grade": "考核等次",
    "held_first": "待审阅优先",
    "kind": "类型",
    "lat": "纬度",
    "limit": "每页条数",
    "lng": "经度",
    "member_id": "党员",
    "member_ids": "指派的党员",
    "mine": "只看我的",
    "moderation": "审阅状态",
    "note": "备注",
    "offset": "起始位置",
    "password": "密码",
    "phone": "手机号",
    "phone_code": "手机号授权",
    "photo": "照片",
    "place": "地点",
    "previewed": "预览结果",
    "radius_m": "签到范围（米）",
    "reason": "原因",
    "request_id": "请求编号",
    "result": "结果",
    "results": "订阅结果",
    "s": "链接签名",
    "starts_at": "开始时间",
    "status": "状态",
    "summary": "总结",
    "team_id": "服务队",
    "text": "内容",
    "title": "标题",
    "to": "结束日期",
    "unread": "只看未读",
    "urgent": "只看紧急通知",
    "username": "用户名",
    "with_left": "包括已离队党员",
}


def label(name: str) -> str:
    """The field's name for people; one we do not know keeps its own, said plainly."""
    return LABELS.get(name) or f"字段“{name}”"


def unknown(names) -> str:
    """The refusal of fields an operation does not take: their own names, which is what the
    sender wrote (a label would read like a field the form has)."""
    return f"无法识别的字段：{'、'.join(names)}。"
