"""The office's list of messages WeChat did not deliver (failed or skipped), with why."""

from flask import jsonify

from services import outbox_report
from services.notification_texts import CHANNEL_NAMES

from . import bp, openapi
from .auth import actor, requires
from .request import query_value
from .serialize import iso

STATUS_NAMES = {"failed": "发送失败", "skipped": "未送达"}


@bp.get("/office/notifications")
@requires("office")
def undelivered():
    status = query_value("status", str)
    limit = query_value("limit", int, outbox_report.PAGE_DEFAULT)
    offset = query_value("offset", int, 0)
    items, total = outbox_report.problems(actor(), status, limit, offset)
    body = {"items": [problem_json(p) for p in items], "total": total}
    return jsonify(body | {"limit": limit, "offset": offset})


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
LIST_SCHEMA = {
    "type": "object",
    "required": ["items", "total", "limit", "offset"],
    "properties": {
        "items": {"type": "array", "items": PROBLEM_SCHEMA},
        "total": {"type": "integer", "minimum": 0},
        "limit": {"type": "integer"},
        "offset": {"type": "integer"},
    },
}

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
            ],
            "responses": openapi.ok("消息列表", LIST_SCHEMA),
        }
    }
}
