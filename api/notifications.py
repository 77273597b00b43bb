"""The office's list of messages WeChat did not deliver (failed or skipped), with why; and
the office's inbox: the messages addressed to the office itself, read and marked read here."""

from flask import jsonify

from services import clock, outbox_report
from services.notification_texts import CHANNEL_NAMES

from . import bp, openapi
from .auth import actor, requires
from .request import query_flag, query_value
from .serialize import iso, list_page
from .spot_checks import ENTRY_SCHEMA, RESULT_NAMES, entry_json

STATUS_NAMES = {"failed": "发送失败", "skipped": "未送达"}


@bp.get("/office/notifications")
@requires("office")
def undelivered():
    status = query_value("status", str)
    limit, offset = _page()
    items, total = outbox_report.problems(actor(), status, limit, offset)
    return _page_json([problem_json(p) for p in items], total, limit, offset)


@bp.get("/office/inbox")
@requires("office")
def office_inbox():
    unread = query_flag("unread")
    limit, offset = _page()
    items, total = outbox_report.office_inbox(actor(), unread, limit, offset)
    return _page_json([inbox_json(i) for i in items], total, limit, offset)


def _page() -> tuple[int, int]:
    return query_value("limit", int, outbox_report.PAGE_DEFAULT), query_value("offset", int, 0)


def _page_json(items: list, total: int, limit: int, offset: int):
    return jsonify(list_page(items, total, limit, offset))


@bp.post("/office/inbox/<int:notification_id>/read")
@requires("office")
def mark_read(notification_id):
    return jsonify(inbox_json(outbox_report.mark_read(actor(), notification_id, clock.now_utc())))


def inbox_json(item: outbox_report.InboxItem) -> dict:
    return {
        "id": item.id,
        "kind": item.kind,
        "kind_name": item.kind_name,
        "title": item.title,
        "body": item.body,
        "lines": [{"label": label, "value": value} for label, value in item.lines],
        "time": iso(item.time),
        "created_at": iso(item.created_at),
        "read": item.read,
        "read_at": iso(item.read_at),
        "record_ids": item.record_ids,
        "records": [_inbox_entry(e) for e in item.entries],
    }


def _inbox_entry(e: outbox_report.InboxEntry) -> dict:
    check = e.spot_check
    spot_check = None
    if check is not None:
        spot_check = {"id": check.id, "result": check.result}
        spot_check["result_name"] = RESULT_NAMES.get(check.result, check.result)
    return entry_json(e.label) | {"spot_check": spot_check}


def problem_json(p: outbox_report.Problem) -> dict:
    return {
        "id": p.id,
        "kind": p.kind,
        "kind_name": p.kind_name,
        "status": p.status,
        "status_name": STATUS_NAMES[p.status],
        "channel": p.channel or None,
        "channel_name": CHANNEL_NAMES.get(p.channel) if p.channel else None,
        "reason": p.reason,
        "attempts": p.attempts,
        "created_at": iso(p.created_at),
        "member": {"id": p.member_id, "name": p.member_name, "team": p.team_name},
    }


PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["id", "kind", "kind_name", "status", "reason", "attempts", "member"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string"},
        "kind_name": {"type": "string", "description": "消息类别，如 走访提醒、队长通知"},
        "status": {"type": "string", "enum": list(STATUS_NAMES)},
        "status_name": {"type": "string"},
        "channel": {"type": "string", "nullable": True, "description": "最后尝试的渠道"},
        "channel_name": {"type": "string", "nullable": True},
        "reason": {"type": "string", "description": "原因（各渠道依次说明）"},
        "attempts": {"type": "integer", "minimum": 0},
        "created_at": {"type": "string", "format": "date-time"},
        "member": {
            "type": "object",
            "required": ["id", "name", "team"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "team": {"type": "string", "nullable": True},
            },
        },
    },
}
LIST_SCHEMA = openapi.page_of(PROBLEM_SCHEMA)
_INBOX_PROPERTIES = {
    "id": {"type": "integer"},
    "kind": {
        "type": "string",
        "description": (
            "如 report_late、spot_check、broadcast_urgent_quiet（免打扰时段发出的紧急通知）"
        ),
    },
    "kind_name": {"type": "string", "description": "消息类别，如 季度报告逾期"},
    "title": {"type": "string"},
    "body": {"type": "string", "nullable": True, "description": "正文（或见 lines）"},
    "lines": {
        "type": "array",
        "description": "按顺序排列的标注项，如 服务队：第一服务队",
        "items": {
            "type": "object",
            "required": ["label", "value"],
            "properties": {"label": {"type": "string"}, "value": {"type": "string"}},
        },
    },
    "time": {"type": "string", "format": "date-time", "description": "消息所涉时间"},
    "created_at": {"type": "string", "format": "date-time"},
    "read": {"type": "boolean"},
    "read_at": {"type": "string", "format": "date-time", "nullable": True},
    "record_ids": {
        "type": "array",
        "items": {"type": "integer"},
        "description": "消息所涉登记记录的编号（如日常抽查抽到的记录），用 GET /records/{id} 打开",
    },
    "records": {
        "type": "array",
        "description": "其中仍在登记簿中的记录：党员、日期（北京时间）、活动或走访；"
        "抽到的记录带 spot_check，用 POST /office/spot-checks/{id} 记录抽查结果",
        "items": {
            "type": "object",
            "required": [*ENTRY_SCHEMA["required"], "spot_check"],
            "properties": {
                **ENTRY_SCHEMA["properties"],
                "spot_check": {
                    "type": "object",
                    "nullable": True,
                    "required": ["id", "result", "result_name"],
                    "properties": {
                        "id": {"type": "integer"},
                        "result": {"type": "string", "enum": list(RESULT_NAMES)},
                        "result_name": {"type": "string"},
                    },
                },
            },
        },
    },
}
# Every field is always present (body and read_at as null when there is none).
INBOX_ITEM_SCHEMA = {
    "type": "object",
    "required": list(_INBOX_PROPERTIES),
    "properties": _INBOX_PROPERTIES,
}
INBOX_SCHEMA = openapi.page_of(INBOX_ITEM_SCHEMA)
_PAGE = [
    {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
    },
    {
        "name": "offset",
        "in": "query",
        "schema": {"type": "integer", "minimum": 0, "default": 0},
    },
]

OPENAPI = {
    "/office/notifications": {
        "get": {
            "summary": "办公室：未送达（无可用渠道）和发送失败的消息及原因",
            "parameters": [
                {
                    "name": "status",
                    "in": "query",
                    "schema": {"type": "string", "enum": list(STATUS_NAMES)},
                },
                *_PAGE,
            ],
            "responses": openapi.ok("消息列表", LIST_SCHEMA),
        }
    },
    "/office/inbox": {
        "get": {
            "summary": "办公室收件箱：发给办公室的消息（报告逾期、日常抽查等），新的在前",
            "parameters": [
                {
                    "name": "unread",
                    "in": "query",
                    "description": "true：只看未读",
                    "schema": {"type": "boolean", "default": False},
                },
                *_PAGE,
            ],
            "responses": openapi.ok("消息列表", INBOX_SCHEMA),
        }
    },
    "/office/inbox/{notification_id}/read": {
        "post": {
            "summary": "办公室收件箱：标为已读（重复标记不改变首次已读时间）",
            "parameters": [
                {
                    "name": "notification_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer"},
                }
            ],
            "responses": openapi.ok("已读的消息", INBOX_ITEM_SCHEMA),
        }
    },
}
