"""The register: list and read entries, fill them in, review them, and a leader's registration
for a member without a phone. Thin views: the rules are in services.records, services.review
and services.leader_registration.

An entry the caller may not see answers 404 (members and leaders alike), so that an id never
reveals whether an entry exists; an entry they may see but not change answers 403.
"""

from datetime import datetime
from pathlib import Path

from flask import current_app, jsonify

from models import ServiceRecord
from services import clock, history, history_words, register_check, register_checkpoint
from services import records as register
from services import review as edits
from services.errors import Invalid
from services.leader_registration import Attendance, register_attendance
from services.record_text import TEXT_FIELDS, shown_text

from . import bp, openapi
from .auth import actor, requires
from .record_json import (
    KIND_NAMES,
    LOCATION_FIELDS,
    RECORD_SCHEMA,
    STATUS_NAMES,
    may_see_location,
    record,
)
from .request import (
    field,
    json_body,
    moment,
    not_a_time,
    query_date,
    query_flag,
    query_value,
)
from .rules import checkin_rules
from .serialize import coordinate, iso, list_page


@bp.get("/records")
@requires("member", "office")
def list_records():
    filters = record_filters()
    items, total = register.list_records(actor(), filters)
    rows = [record(r) for r in items]
    return jsonify(list_page(rows, total, filters.limit, filters.offset))


def record_filters() -> register.RecordFilters:
    """The register's filters from the query string, for the list and the Excel export."""
    return register.RecordFilters(
        member_id=query_value("member_id", int),
        team_id=query_value("team_id", int),
        status=query_value("status", str),
        awaiting_review_by=query_value("awaiting_review_by", str),
        kind=query_value("kind", str),
        activity_id=query_value("activity_id", int),
        date_from=query_date("from"),
        date_to=query_date("to"),
        mine=query_flag("mine"),
        limit=query_value("limit", int, register.PAGE_DEFAULT),
        offset=query_value("offset", int, 0),
    )


@bp.get("/records/<int:record_id>")
@requires("member", "office")
def get_record(record_id):
    return jsonify(_detail(record_id))


def _detail(record_id: int) -> dict:
    r = register.get_record(actor(), record_id)
    hidden = set() if may_see_location(r) else set(LOCATION_FIELDS)
    if not actor().is_office:  # the files by key and hash: what the office's check compares
        hidden.add(history.PHOTOS)
    entries = [_history_entry(h, r, hidden) for h in register.record_history(r)]
    photo_root = Path(current_app.config["SETTINGS"].storage.photo_dir)
    check = register_check.check_entry(actor(), r.id, photo_root)
    return record(r) | {"history": entries, "register_check": _check(check)}


def _check(check: register_check.EntryCheck | None) -> dict | None:
    return None if check is None else {"ok": check.ok, "problem": check.problem}


def _history_entry(h: register.HistoryEntry, r: ServiceRecord, hidden=()) -> dict:
    """One history line; earlier texts are masked as the entry's own are (a leader would
    otherwise read in the history what the entry masks)."""
    changes = {k: v for k, v in h.changes.items() if k not in hidden}
    shown = {name: [_value(name, v, r) for v in pair] for name, pair in changes.items()}
    words = history_words.change_words(r, shown, actor().is_office)
    return {
        "seq": h.seq,
        "at": iso(h.at),
        "actor": h.actor_name,
        "actor_role": h.actor_role,
        "action": h.action,
        "action_name": history.ACTIONS.get(h.action, h.action),
        "changes": shown,
        "changes_shown": [
            {"field": w.field, "label": w.label, "before": w.before, "after": w.after}
            for w in words
        ],
        "reason": h.reason,
    }


def _value(name: str, value, r: ServiceRecord):
    """History keeps times as naive UTC text; show them like every other time (+08:00),
    coordinates rounded as in the entry, and texts masked as the entry's are."""
    if name in TEXT_FIELDS:
        return shown_text(actor(), r, value)
    if name in LOCATION_FIELDS and isinstance(value, float):
        return coordinate(value)
    if name.endswith("_at") and isinstance(value, str):
        try:
            return iso(datetime.fromisoformat(value))
        except ValueError:  # history is shown as it is, even when it was tampered with
            return value
    return value


@bp.patch("/records/<int:record_id>")
@requires("member", "office")
def patch_record(record_id):
    data = json_body()  # fields the document does not list are refused (api.openapi)
    kinds = dict.fromkeys(TEXT_FIELDS, str) | {"duration_minutes": int, "status": str}
    # A field given as null is refused: nothing can be set to null, and ignoring it would
    # answer 200 for a change not made.
    fields = {
        name: field(data, name, kind, required=False, nullable=False)
        for name, kind in kinds.items()
    }
    reason = field(data, "reason", str, required=False)
    given = {name: value for name, value in fields.items() if value is not None}
    settings = current_app.config["SETTINGS"]
    edits.edit(
        actor(),
        record_id,
        clock.now_utc(),
        given,
        reason,
        quiet_hours=settings.rules.quiet_hours,
        rules=checkin_rules(),
    )
    return jsonify(_detail(record_id))


@bp.post("/records/<int:record_id>/review")
@requires("member", "office")
def review_record(record_id):
    data = json_body()
    decision = field(data, "decision", str)
    comment = field(data, "comment", str, required=False, default="")
    quiet_hours = current_app.config["SETTINGS"].rules.quiet_hours
    edits.review(actor(), record_id, decision, comment, clock.now_utc(), quiet_hours)
    return jsonify(_detail(record_id))


@bp.get("/register/check")
@requires("office")
def register_check_view():
    """The office's view of `register verify`: entries edited behind the service's back."""
    now = clock.now_utc()
    data_dir = current_app.config["SETTINGS"].app.data_dir
    found = register_check.verify(now, register_checkpoint.path_in(data_dir))
    problems = [
        {"record_id": t.record_id, "description": t.entry or None, "problem": t.problem}
        for t in found
    ]
    return jsonify({"checked_at": iso(now), "ok": not found, "problems": problems})


@bp.post("/records")
@requires("member", "office")
def post_record():
    data = json_body()
    attendance = Attendance(
        member_id=field(data, "member_id", int),
        reason=field(data, "reason", str),
        kind=field(data, "kind", str, required=False),
        activity_id=field(data, "activity_id", int, required=False),
        checkin_at=_moment(data, "checkin_at"),
        checkout_at=_moment(data, "checkout_at"),
        request_id=field(data, "request_id", str, required=False),
        **{name: field(data, name, str, required=False, default="") for name in TEXT_FIELDS},
    )
    registered = register_attendance(actor(), attendance, clock.now_utc(), checkin_rules())
    return jsonify(_detail(registered.record.id)), 201 if registered.created else 200


def _moment(data: dict, name: str) -> datetime | None:
    """An ISO 8601 time from the client (Shanghai time when it has no offset) as naive UTC."""
    raw = field(data, name, str, required=False)
    if raw is None:
        return None
    at = moment(raw)
    if at is None:
        raise Invalid(not_a_time(name), "bad_field")
    return at


# --- OpenAPI -------------------------------------------------------------------------------

HISTORY_SCHEMA = {
    "type": "object",
    "required": ["seq", "at", "actor", "action", "changes", "reason"],
    "properties": {
        "seq": {"type": "integer"},
        "at": {"type": "string", "format": "date-time"},
        "actor": {"type": "string", "description": "姓名，或“办公室”“系统”"},
        "actor_role": {
            "type": "string",
            "enum": list(register.ACTOR_ROLES),
            "description": "leader：队长为本队队员审核、代为登记或填写其代登记的内容；"
            "队长在本人的记录上为 member",
        },
        "action": {"type": "string", "enum": list(history.ACTIONS)},
        "action_name": {"type": "string"},
        "changes": {
            "type": "object",
            "description": "字段 → [修改前, 修改后]；photos（照片文件的存放位置与指纹）只给办公室",
            "additionalProperties": {"type": "array", "minItems": 2, "maxItems": 2},
        },
        "changes_shown": {
            "type": "array",
            "description": "同一修改的中文说法，与记录本身的说法一致：状态如“待队长审核”，异常"
            "标记按记录类型（走访：“位置离结对家庭较远”），党员、活动、结对家庭写名称（户主"
            "姓名只有办公室看到全名），距离写明“距服务地点”或“距结对家庭”；不列请求编号、"
            "坐标、照片文件和由空到空的字段",
            "items": {
                "type": "object",
                "required": ["field", "label", "before", "after"],
                "properties": {
                    "field": {"type": "string"},
                    "label": {"type": "string", "example": "审核状态"},
                    "before": {"type": "string", "example": "待队长审核"},
                    "after": {"type": "string", "example": "已核验"},
                },
            },
        },
        "reason": {"type": "string"},
    },
}
ENTRY_CHECK_SCHEMA = {
    "type": "object",
    "nullable": True,
    "required": ["ok", "problem"],
    "description": "登记簿核验（只给办公室，其他人为 null）：这条记录的登记历史是否成立，"
    "不成立时 problem 说明记录或历史在系统之外被怎样改动（同 register verify）",
    "properties": {
        "ok": {"type": "boolean"},
        "problem": {"type": "string", "nullable": True},
    },
}
DETAIL_SCHEMA = {
    **RECORD_SCHEMA,
    "required": [*RECORD_SCHEMA["required"], "history", "register_check"],
    "properties": {
        **RECORD_SCHEMA["properties"],
        "history": {"type": "array", "items": HISTORY_SCHEMA},
        "register_check": ENTRY_CHECK_SCHEMA,
    },
}
LIST_SCHEMA = openapi.page_of(RECORD_SCHEMA)
TEXTS = {
    "content": {"type": "string", "maxLength": 500, "description": "服务内容"},
    "target": {"type": "string", "maxLength": 200, "description": "服务对象"},
    "outcome": {"type": "string", "maxLength": 500, "description": "取得成效"},
}
PATCH_SCHEMA = {
    "type": "object",
    "description": "党员本人只可改 content/target/outcome；办公室更正须填 reason，"
    "还可改 duration_minutes、status。已签退记录的服务时长更正后，按签退的规则重新判断"
    "late_checkout、short_service：不再成立的标记去掉，新成立的加上，记入这次更正的历史；"
    "已核验的记录因此新增标记时退回审核（flagged），待审核记录的标记全部去掉时为 pending"
    "（仍待审核）；同时给出 status 时以 status 为准。未签退的记录更正服务时长即结束这次签到："
    "签退时间记为签到时间加更正的时长，并按签退的规则判断上述标记、填入系统自动填写的内容；"
    "此后队员再签退得到 409 office_checked_out。签到至今还不到更正的时长时 409 "
    "still_in_service（请待队员签退后再更正）。未通过的记录本人不能再改（409 record_rejected），"
    "提示有异议时联系作出这一结论的人：队长，或办公室（办公室审核或确认后）。",
    "properties": {
        **TEXTS,
        "reason": {"type": "string", "maxLength": 500, "description": "更正原因（办公室必填）"},
        "duration_minutes": {"type": "integer", "minimum": 0, "maximum": 1440},
        "status": {"type": "string", "enum": list(STATUS_NAMES)},
    },
}
REVIEW_SCHEMA = {
    "type": "object",
    "required": ["decision"],
    "properties": {
        "decision": {"type": "string", "enum": list(edits.DECISIONS)},
        "comment": {"type": "string", "maxLength": 500, "description": "不通过时必填"},
    },
}
REGISTER_SCHEMA = {
    "type": "object",
    "required": ["member_id", "reason"],
    "description": "队长为不能使用手机的本队队员代为登记；来源记为 leader，永不算作照片核验。",
    "properties": {
        "member_id": {"type": "integer", "minimum": 1},
        "reason": {"type": "string", "maxLength": 200, "description": "代为登记的原因"},
        "kind": {
            "type": "string",
            "enum": list(KIND_NAMES),
            "description": "有活动时默认 activity",
        },
        "activity_id": {"type": "integer", "minimum": 1},
        "checkin_at": {"type": "string", "format": "date-time", "description": "默认活动开始"},
        "checkout_at": {"type": "string", "format": "date-time", "description": "默认活动结束"},
        "request_id": {
            "type": "string",
            "pattern": "^[!-~]{1,57}$",
            "description": "重试时返回同一条记录（200）；最长 57 个字符：存储时加前缀 leader:",
        },
        **TEXTS,
    },
}


def _query(name: str, schema: dict, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


_DETAIL_CONTENT = {"content": {"application/json": {"schema": DETAIL_SCHEMA}}}
RECORD_ID = {"name": "record_id", "in": "path", "required": True, "schema": {"type": "integer"}}
CONFLICT = {"409": openapi.error("与当前状态冲突")}
LIST_PARAMETERS = [
    _query(
        "member_id",
        {"type": "integer", "minimum": 1},
        (
            "某位党员（队长：本人或本队，他队党员 403 record_scope，没有这位党员 404 "
            "member_not_found；办公室：任一党员；普通党员只能指定本人，其他编号一律 403 "
            "record_scope）"
        ),
    ),
    _query(
        "team_id", {"type": "integer", "minimum": 1}, "某个服务队（办公室：任一队；队长：本队）"
    ),
    _query("status", {"type": "string", "enum": list(STATUS_NAMES)}, "状态"),
    _query(
        "awaiting_review_by",
        {"type": "string", "enum": list(register.REVIEWERS)},
        "待谁审核（与记录的 awaiting_review_by 相同）：leader 待队长审核，office 待办公室审核",
    ),
    _query(
        "kind",
        {"type": "string", "enum": list(KIND_NAMES)},
        "类型：按记录计入的服务类型（counted_kind），发布为分散活动的活动的签到算 individual",
    ),
    _query("activity_id", {"type": "integer", "minimum": 1}, "活动"),
    _query("from", {"type": "string", "format": "date"}, "签到日期起（北京时间，含）"),
    _query("to", {"type": "string", "format": "date"}, "签到日期止（北京时间，含）"),
    _query("mine", {"type": "boolean"}, "只看本人的登记"),
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "每页条数"),
    _query("offset", {"type": "integer", "minimum": 0, "default": 0}, "起始位置"),
]

# One finding of the register check (services.register_check): the entry it is about, named
# as a clerk finds it, and what is wrong. The full check and a report's check list these.
FINDING_SCHEMA = {
    "type": "object",
    "required": ["record_id", "description", "problem"],
    "properties": {
        "record_id": {"type": "integer"},
        "description": {
            "type": "string",
            "nullable": True,
            "example": "朱玉兰 2026-11-24「重阳节义诊」",
            "description": "这条记录是谁、哪天（北京时间）、什么活动或类型，取自记录；"
            "记录已删除时取自它最后的登记历史；记录连同历史都已删除，或是检查点本身"
            "的问题时为 null",
        },
        "problem": {"type": "string"},
    },
}
REGISTER_CHECK_SCHEMA = {
    "type": "object",
    "required": ["checked_at", "ok", "problems"],
    "properties": {
        "checked_at": {"type": "string", "format": "date-time"},
        "ok": {"type": "boolean"},
        "problems": {
            "type": "array",
            "items": FINDING_SCHEMA
            | {
                "properties": FINDING_SCHEMA["properties"]
                | {
                    "record_id": {
                        "type": "integer",
                        "nullable": True,
                        "description": "null：登记簿检查点本身的问题（文件被改动或不见了）",
                    }
                }
            },
        },
    },
}

OPENAPI = {
    "/register/check": {
        "get": {
            "summary": "办公室：核验登记簿，列出被绕过系统修改的记录",
            "responses": openapi.ok("核验结果", REGISTER_CHECK_SCHEMA),
        }
    },
    "/records": {
        "get": {
            "summary": "登记记录：党员看本人的，队长另看本队的，办公室看全部",
            "parameters": LIST_PARAMETERS,
            "responses": openapi.ok("一页登记记录", LIST_SCHEMA),
        },
        "post": {
            "summary": "队长代为登记（不能使用手机的本队队员）；同一 request_id 重试返回同一条记录",
            "requestBody": openapi.json_body(REGISTER_SCHEMA),
            "responses": openapi.ok("新登记的记录及其历史", DETAIL_SCHEMA, "201")
            | {"200": {"description": "重复请求，返回原记录及其历史"} | _DETAIL_CONTENT}
            | CONFLICT,
        },
    },
    "/records/{record_id}": {
        "get": {
            "summary": "一条登记记录及其修改历史（看不到的记录一律 404）",
            "parameters": [RECORD_ID],
            "responses": openapi.ok("登记记录及其历史", DETAIL_SCHEMA),
        },
        "patch": {
            "summary": "填写服务内容、对象、成效；办公室更正（须填原因）",
            "parameters": [RECORD_ID],
            "requestBody": openapi.json_body(PATCH_SCHEMA),
            "responses": openapi.ok("修改后的记录及其历史", DETAIL_SCHEMA) | CONFLICT,
        },
    },
    "/records/{record_id}/review": {
        "post": {
            "summary": "审核：本队队长或办公室核验通过或不通过（不通过须填理由）",
            "description": (
                "办公室审核（含办公室确认队长的结论）或更正为通过、不通过后，只有办公室可以改"
                "（队长得到 403 office_decided）；记录被改写或办公室退回待审核后，回到队长审核。"
                "未通过登记簿核验的记录（在系统之外被改动过）队长不能审核（409 "
                "register_check_failed），由办公室看过 register_check 后审核或更正。"
            ),
            "parameters": [RECORD_ID],
            "requestBody": openapi.json_body(REVIEW_SCHEMA),
            "responses": openapi.ok("审核后的记录及其历史", DETAIL_SCHEMA) | CONFLICT,
        },
    },
}
