"""The office's daily spot checks: the sampled entries, and what it found in each. Thin views:
the rules are in services.spot_check_results."""

from flask import jsonify

from models.oversight import SPOT_CHECK_RESULTS
from services import clock, service_kinds
from services import spot_check_results as spot_checks
from services.entry_labels import EntryLabel
from services.record_names import KIND_NAMES, STATUS_NAMES

from . import bp, openapi
from .auth import actor, requires
from .request import field, json_body, query_date, query_value
from .serialize import iso, list_page

RESULT_NAMES = {"pending": "待抽查", "confirmed": "抽查无误", "problem": "发现问题"}


@bp.get("/office/spot-checks")
@requires("office")
def list_spot_checks():
    filters = spot_checks.SpotCheckFilters(
        result=query_value("result", str),
        date_from=query_date("from"),
        date_to=query_date("to"),
        limit=query_value("limit", int, spot_checks.PAGE_DEFAULT),
        offset=query_value("offset", int, 0),
    )
    items, total = spot_checks.list_spot_checks(actor(), filters)
    rows = [spot_check_json(v) for v in items]
    return jsonify(list_page(rows, total, filters.limit, filters.offset))


@bp.post("/office/spot-checks/<int:spot_check_id>")
@requires("office")
def record_spot_check(spot_check_id):
    data = json_body()
    result = field(data, "result", str)
    note = field(data, "note", str, required=False)
    view = spot_checks.record_result(actor(), spot_check_id, result, note, clock.now_utc())
    return jsonify(spot_check_json(view))


def spot_check_json(v: spot_checks.SpotCheckView) -> dict:
    return {
        "id": v.id,
        "sampled_on": v.sampled_on.isoformat(),
        "record": entry_json(v.entry),
        "result": v.result,
        "result_name": RESULT_NAMES[v.result],
        "note": v.note,
        "checked_by": _person(v.checked_by),
        "checked_at": iso(v.checked_at),
        "history": [
            {
                "result": line.result,
                "result_name": RESULT_NAMES[line.result],
                "note": line.note,
                "recorded_by": _person(line.recorded_by),
                "recorded_at": iso(line.recorded_at),
            }
            for line in v.history
        ],
    }


def entry_json(e: EntryLabel) -> dict:
    """A register entry named for people; open it with GET /records/{id}."""
    return {
        "id": e.id,
        "label": e.text,
        "member": {"id": e.member_id, "name": e.member_name},
        "team": e.team_name,
        "date": e.day.isoformat(),
        "checkin_at": iso(e.checkin_at),
        "kind": e.kind,
        "counted_kind": e.counted_kind,
        "kind_name": e.kind_name,
        "activity": {"id": e.activity_id, "title": e.what} if e.activity_id else None,
        "status": e.status,
        "status_name": e.status_name,
    }


def _person(account) -> dict | None:
    return {"id": account.id, "name": account.display_name} if account is not None else None


# --- OpenAPI -------------------------------------------------------------------------------

_ENTRY_PROPERTIES = {
    "id": {"type": "integer", "description": "登记记录编号，用 GET /records/{id} 打开"},
    "label": {"type": "string", "description": "如 王建国 11月25日 09:30 社区义诊"},
    "member": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    },
    "team": {"type": "string", "nullable": True},
    "date": {"type": "string", "format": "date", "description": "签到日期（北京时间）"},
    "checkin_at": {"type": "string", "format": "date-time"},
    "kind": {"type": "string", "enum": list(KIND_NAMES), "description": "签到的类型（记录本身的）"},
    "counted_kind": {
        "type": "string",
        "enum": list(service_kinds.KINDS),
        "description": "计入哪类服务，与 GET /records 的 counted_kind 同一口径："
        "发布为分散活动的活动签到计为 individual（分散活动），不随 kind 记为 activity",
    },
    "kind_name": {
        "type": "string",
        "description": "counted_kind 的中文：集中活动、结对走访、分散活动",
    },
    "activity": {
        "type": "object",
        "nullable": True,
        "required": ["id", "title"],
        "properties": {"id": {"type": "integer"}, "title": {"type": "string"}},
    },
    "status": {"type": "string", "enum": list(STATUS_NAMES), "description": "记录当前状态"},
    "status_name": {
        "type": "string",
        "description": "与 GET /records 相同：待审核的记录写明待队长审核或待办公室审核",
    },
}
ENTRY_SCHEMA = {
    "type": "object",
    "required": list(_ENTRY_PROPERTIES),
    "properties": _ENTRY_PROPERTIES,
}
_PERSON = {
    "type": "object",
    "nullable": True,
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    "description": "记录结果的办公室账号",
}
_RESULT = {"type": "string", "enum": list(SPOT_CHECK_RESULTS)}
_LINE_PROPERTIES = {
    "result": _RESULT,
    "result_name": {"type": "string"},
    "note": {"type": "string"},
    "recorded_by": _PERSON,
    "recorded_at": {"type": "string", "format": "date-time"},
}
_PROPERTIES = {
    "id": {"type": "integer"},
    "sampled_on": {"type": "string", "format": "date", "description": "抽查日期（抽样当天）"},
    "record": ENTRY_SCHEMA,
    "result": _RESULT,
    "result_name": {"type": "string", "description": "待抽查、抽查无误或发现问题"},
    "note": {"type": "string"},
    "checked_by": _PERSON,
    "checked_at": {"type": "string", "format": "date-time", "nullable": True},
    "history": {
        "type": "array",
        "description": "历次记录的结果，先早后晚（更改结果不会覆盖此前的记录）",
        "items": {
            "type": "object",
            "required": list(_LINE_PROPERTIES),
            "properties": _LINE_PROPERTIES,
        },
    },
}
SPOT_CHECK_SCHEMA = {"type": "object", "required": list(_PROPERTIES), "properties": _PROPERTIES}
RESULT_BODY = {
    "type": "object",
    "required": ["result"],
    "properties": {
        "result": {"type": "string", "enum": list(spot_checks.FOUND)},
        "note": {
            "type": "string",
            "maxLength": spot_checks.NOTE_LIMIT,
            "description": "发现问题时必填；更改已记录的结果时必填",
        },
    },
}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "schema": schema, "description": description}


OPENAPI = {
    "/office/spot-checks": {
        "get": {
            "summary": "办公室：日常抽查的记录及结果，新抽的在前",
            "parameters": [
                _query("result", {"type": "string", "enum": list(SPOT_CHECK_RESULTS)}, "结果"),
                _query("from", {"type": "string", "format": "date"}, "抽查日期起（含）"),
                _query("to", {"type": "string", "format": "date"}, "抽查日期止（含）"),
                _query(
                    "limit",
                    {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
                    "每页条数",
                ),
                _query("offset", {"type": "integer", "minimum": 0, "default": 0}, "起始位置"),
            ],
            "responses": openapi.ok("一页抽查", openapi.page_of(SPOT_CHECK_SCHEMA)),
        }
    },
    "/office/spot-checks/{spot_check_id}": {
        "post": {
            "summary": "办公室：记录一条抽查的结果（相同结果重复提交不会重复记录）",
            "description": (
                "problem（发现问题）须写明问题，并将该登记记录退回审核（标记"
                "“办公室抽查发现问题”，原因记入修改历史；已不通过的记录不变）。"
                "记录仍因抽查问题待审核时，改写问题说明会在该记录的修改历史中另记一条"
                "“日常抽查发现的问题已更新：…”（不改变记录），相同的说明不重复记录。"
                "已记录的结果可以更改，但须填写说明；历次结果都保留在 history 中。"
                "问题改为 confirmed（抽查无误）即撤回发现的问题：去掉该标记，在记录的修改历史中"
                "记一条“日常抽查发现的问题已撤回：…”；记录仍因该问题待审核时恢复为已核验"
                "（办公室的结论），此后已由审核作出的结论不变。"
            ),
            "parameters": [
                {
                    "name": "spot_check_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer"},
                }
            ],
            "requestBody": openapi.json_body(RESULT_BODY),
            "responses": openapi.ok("记录后的抽查", SPOT_CHECK_SCHEMA),
        }
    },
}
