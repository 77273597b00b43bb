"""The office's list of leaders' notices across teams: which were urgent and went out inside
the quiet hours, what became of each, and each team's urgent notices this quarter. A thin
view over services.broadcast_audit."""

from flask import jsonify

from services import broadcast_audit, clock
from services.broadcast_audit import AuditedBroadcast, QuarterUrgency
from services.report_stats import label

from . import bp, openapi
from .auth import actor, requires
from .request import query_date, query_flag, query_value
from .serialize import list_page
from .team import BROADCAST_SCHEMA, broadcast_json


@bp.get("/office/broadcasts")
@requires("office")
def office_broadcasts():
    f = broadcast_audit.BroadcastFilter(
        urgent_only=query_flag("urgent"),
        team_id=query_value("team_id", int),
        date_from=query_date("from"),
        date_to=query_date("to"),
        limit=query_value("limit", int, broadcast_audit.PAGE_DEFAULT),
        offset=query_value("offset", int, 0),
    )
    items, total, quarter = broadcast_audit.office_broadcasts(actor(), f, clock.now_utc())
    page = list_page([audited_json(a) for a in items], total, f.limit, f.offset)
    return jsonify(page | {"this_quarter": quarter_json(quarter)})


def audited_json(a: AuditedBroadcast) -> dict:
    return broadcast_json(a.view) | {"urgent": a.urgent, "in_quiet_hours": a.in_quiet_hours}


def quarter_json(q: QuarterUrgency) -> dict:
    return {
        "period": label(q.year, q.quarter),
        "teams": [
            {"team": {"id": t.team_id, "name": t.team_name}, "urgent": t.urgent} for t in q.teams
        ],
    }


# --- OpenAPI -------------------------------------------------------------------------------

AUDITED_SCHEMA = {
    **BROADCAST_SCHEMA,
    "required": [*BROADCAST_SCHEMA["required"], "urgent", "in_quiet_hours"],
    "properties": {
        **BROADCAST_SCHEMA["properties"],
        "urgent": {"type": "boolean", "description": "紧急通知（免打扰时段也立即发送）"},
        "in_quiet_hours": {
            "type": "boolean",
            "nullable": True,
            "description": (
                "紧急通知是否在免打扰时段（默认 21:00–08:00）发出；"
                "非紧急通知，或本功能上线前发出的紧急通知，为 null"
            ),
        },
    },
}
_REF = BROADCAST_SCHEMA["properties"]["team"]
QUARTER_SCHEMA = {
    "type": "object",
    "required": ["period", "teams"],
    "description": "本季度（上海时间）各服务队发出的紧急通知条数，不受筛选条件影响，列出全部服务队",
    "properties": {
        "period": {"type": "string", "pattern": r"^\d{4}-Q[1-4]$", "description": "如 2026-Q4"},
        "teams": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["team", "urgent"],
                "properties": {"team": _REF, "urgent": {"type": "integer", "minimum": 0}},
            },
        },
    },
}
_PAGE = openapi.page_of(AUDITED_SCHEMA)
LIST_SCHEMA = {
    **_PAGE,
    "required": [*_PAGE["required"], "this_quarter"],
    "properties": {**_PAGE["properties"], "this_quarter": QUARTER_SCHEMA},
}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "schema": schema, "description": description}


OPENAPI = {
    "/office/broadcasts": {
        "get": {
            "summary": "办公室：各队队长发出的通知（可只看紧急通知），新的在前，附送达情况",
            "description": (
                "每条通知附各状态的送达人数；紧急通知注明是否在免打扰时段发出"
                "（在免打扰时段发出的紧急通知另在办公室消息中提醒一次）。"
                "this_quarter 为本季度各队紧急通知的条数，便于发现频繁使用紧急通知的情况。"
            ),
            "parameters": [
                _query("urgent", {"type": "boolean", "default": False}, "只看紧急通知"),
                _query(
                    "team_id",
                    {"type": "integer", "minimum": 1},
                    "只看某个服务队的（没有这个队为 404 team_not_found）",
                ),
                _query("from", {"type": "string", "format": "date"}, "发出日期起（含，上海时间）"),
                _query("to", {"type": "string", "format": "date"}, "发出日期止（含，上海时间）"),
                _query(
                    "limit",
                    {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": broadcast_audit.PAGE_MAX,
                        "default": broadcast_audit.PAGE_DEFAULT,
                    },
                    "每页条数",
                ),
                _query("offset", {"type": "integer", "minimum": 0, "default": 0}, "起始位置"),
            ],
            "responses": openapi.ok("一页通知及本季度各队紧急通知条数", LIST_SCHEMA),
        }
    },
}
