"""Quarterly reports: the team leader reads, writes and submits the team's report; the office
reads any team's. Thin views: the rules are in services.reports (and the modules it names)
and services.report_stats."""

from flask import current_app, jsonify, request

from services import clock, report_review, report_writing
from services.register_check import Findings
from services.report_names import REPORT_STATUS_NAMES, report_state_name
from services.report_stats import KINDS, label
from services.report_view import ReportView, view_report
from services.summary import hours

from . import bp, openapi
from .auth import actor, requires
from .records import FINDING_SCHEMA
from .request import field, json_body, query_value
from .rules import report_rules
from .serialize import iso

STATUS_NAMES = REPORT_STATUS_NAMES
DECISION_NAMES = {"accepted": "通过", "returned": "退回"}


@bp.get("/team/reports/<period>")
@requires("member", "office")
def get_report(period):
    team_id = query_value("team_id", int)
    view = view_report(actor(), period, team_id, clock.now_utc(), report_rules())
    return jsonify(report_json(view))


@bp.put("/team/reports/<period>")
@requires("member")
def put_report(period):
    summary = field(json_body(), "summary", str)
    view = report_writing.save_summary(actor(), period, summary, clock.now_utc(), report_rules())
    return jsonify(report_json(view))


@bp.post("/team/reports/<period>/submit")
@requires("member")
def submit_report(period):
    """Submit, with the summary too when the body gives one (optional: PUT saves it apart)."""
    summary = field(json_body(), "summary", str, required=False) if request.get_data() else None
    view = report_writing.submit_report(actor(), period, clock.now_utc(), report_rules(), summary)
    return jsonify(report_json(view))


@bp.post("/office/reports/<int:team_id>/<period>")
@requires("office")
def decide_report(team_id, period):
    """The office accepts or returns a submitted report; answers the report as GET does."""
    data = json_body()
    decision = field(data, "decision", str)
    reason = field(data, "reason", str, required=False)
    now, quiet_hours = clock.now_utc(), current_app.config["SETTINGS"].rules.quiet_hours
    report_review.decide_report(actor(), team_id, period, decision, reason, now, quiet_hours)
    view = view_report(actor(), period, team_id, now, report_rules())
    return jsonify(report_json(view))


def report_json(v: ReportView) -> dict:
    by = v.submitted_by
    return {
        "id": v.id,
        "period": label(v.year, v.quarter),
        "year": v.year,
        "quarter": v.quarter,
        "team": {"id": v.team_id, "name": v.team_name},
        "status": v.status,
        "status_name": report_state_name(v.status, v.late),
        "late": v.late,
        "deadline": v.deadline.isoformat(),
        "summary": v.summary,
        "submitted_at": iso(v.submitted_at),
        "submitted_by": {"id": by.id, "name": by.name} if by is not None else None,
        "editable": v.editable,
        "stats_live": v.live,
        "stats": v.stats,
        "register_check": _check(v.register_check),
        "review": _review(v),
    }


def _review(v: ReportView) -> dict | None:
    """The office's last decision; a returned report submitted again keeps it (and its
    reason) until the office decides again."""
    if v.decision is None:
        return None
    by = v.decided_by
    return {
        "decision": v.decision,
        "decision_name": DECISION_NAMES[v.decision],
        "decided_by": {"id": by.id, "name": by.display_name} if by is not None else None,
        "decided_at": iso(v.decided_at),
        "return_reason": v.return_reason,
    }


def _check(check: Findings | None) -> dict | None:
    """The office's list of the report's entries that fail the register check."""
    if check is None:
        return None
    entries = [
        {"record_id": t.record_id, "description": t.entry or None, "problem": t.problem}
        for t in check.found
    ]
    return {"ok": not entries, "entries": entries, "hours": hours(check.minutes)}


# --- OpenAPI -------------------------------------------------------------------------------

_COUNT = {"type": "integer", "minimum": 0}
_HOURS = {"type": "number", "minimum": 0}
_MINUTES = {
    **_COUNT,
    "description": "hours 的精确值（分钟）；hours 只保留一位小数，逐项相加可能与合计差 0.1。"
    "早先提交的报告没有这一项",
}
_SERVICES = {
    "type": "object",
    "required": ["services", "hours"],
    "properties": {"services": _COUNT, "hours": _HOURS, "minutes": _MINUTES},
}
STATS_SCHEMA = {
    "type": "object",
    "description": "统计数据：报告未提交时为实时数据，提交后冻结",
    "required": ["year", "quarter", "members", "activities", "participants", "services", "hours"],
    "properties": {
        "year": {"type": "integer"},
        "quarter": {"type": "integer", "minimum": 1, "maximum": 4},
        "starts_on": {"type": "string", "format": "date"},
        "ends_on": {"type": "string", "format": "date"},
        "computed_at": {"type": "string", "format": "date-time"},
        "members": {
            **_COUNT,
            "description": "本季度在册队员：本季度内任何一天在名册上的队员"
            "（从入队或归队之日到离队之日算在名册上，中途离队的期间不算；"
            "在名册上的时段与本季度有重叠即计），加上本季度有服务记录的队员；"
            "季度结束后加入的不计，此后离队的仍计",
        },
        "activities": {**_COUNT, "description": "开展活动次数（本队已开始且未取消的活动）"},
        "activities_cancelled": {
            **_COUNT,
            "description": "已取消的活动场数（本队计划在本季度开展、后来取消的活动，不计入 "
            "activities）；早先提交、未统计此项的报告没有此项",
        },
        "cancelled_activities": {
            "type": "array",
            "description": "已取消的活动，按计划开始时间排列，附取消原因及取消前本队队员"
            "计入时长的登记",
            "items": {
                "type": "object",
                "properties": {
                    "activity_id": {"type": "integer"},
                    "title": {"type": "string"},
                    "starts_at": {"type": "string", "description": "计划开始时间（上海时间）"},
                    "reason": {"type": "string", "description": "取消原因；未填写时为空"},
                    "services": _COUNT,
                    "hours": _HOURS,
                    "minutes": _MINUTES,
                },
            },
        },
        "cancelled_entries": {
            **_SERVICES,
            "description": "已取消活动上取消前的登记（已签退并填写完整），已计入 services 和 hours",
        },
        "participants": {**_COUNT, "description": "参加活动的党员人数"},
        "services": {**_COUNT, "description": "计入时长的服务次数"},
        "hours": {**_HOURS, "description": "服务时长（小时，一位小数）"},
        "minutes": _MINUTES,
        "by_kind": {
            "type": "object",
            "description": "按类型分列：各类的 hours 相加等于合计 hours（各类先舍去到一位小数，"
            "合计四舍五入后余下的 0.1 依次补给零头最大的类型，与“我的”统计 /me/summary "
            "相同的算法，同样的分钟数显示同样的小时数）；精确值见各类的 minutes。"
            "早先提交的报告各类单独四舍五入",
            "properties": {kind: _SERVICES for kind in KINDS},
        },
        "visits": {
            "type": "object",
            "description": "走访：done 实际次数，due 应走访次数",
            "properties": {name: _COUNT for name in ("done", "due", "pairings", "members_visited")},
        },
        "flagged": {**_COUNT, "description": "待核实的记录"},
        "rejected": {**_COUNT, "description": "未通过审核的记录"},
        "ratings": {
            "type": "object",
            "properties": {
                "count": _COUNT,
                "average": {"type": "number", "nullable": True, "minimum": 1, "maximum": 5},
            },
        },
        "urgent_broadcasts": {
            **_COUNT,
            "description": "本季度队长发出的紧急通知条数（免打扰时段也立即发送）；"
            "早先提交、未统计此项的报告没有此项",
        },
        "per_member": {
            "type": "array",
            "description": "members 所计的每位队员，按名册顺序（不排名）",
            "items": {
                "type": "object",
                "properties": {
                    "member_id": {"type": "integer"},
                    "name": {"type": "string"},
                    "active": {"type": "boolean", "description": "现在是否在册"},
                    "left_on": {
                        "type": "string",
                        "format": "date",
                        "nullable": True,
                        "description": "离队日期（上海时间）；在册时为空。早先提交的报告没有这一项",
                    },
                    "services": _COUNT,
                    "hours": _HOURS,
                    "minutes": _MINUTES,
                    "visits": _COUNT,
                },
            },
        },
    },
}
REPORT_CHECK_SCHEMA = {
    "type": "object",
    "nullable": True,
    "required": ["ok", "entries", "hours"],
    "description": "登记簿核验（只给办公室，队长看到 null）：本季度统计所依据的记录中，"
    "登记历史不成立（在系统之外被改动过）的记录；每次查看时现场核验，不随报告冻结",
    "properties": {
        "ok": {"type": "boolean"},
        "entries": {"type": "array", "items": FINDING_SCHEMA},
        "hours": {**_HOURS, "description": "这些记录计入统计的服务时长（小时）"},
    },
}
_DECIDER = {
    "type": "object",
    "nullable": True,
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    "description": "作出决定的办公室账号",
}
REVIEW_SCHEMA = {
    "type": "object",
    "nullable": True,
    "required": ["decision", "decision_name", "decided_by", "decided_at", "return_reason"],
    "description": "办公室最近一次审阅（尚未审阅为 null）。退回后队长重新提交的报告仍显示上次退回"
    "及其原因，直到办公室再次审阅",
    "properties": {
        "decision": {"type": "string", "enum": list(DECISION_NAMES)},
        "decision_name": {"type": "string", "description": "通过或退回"},
        "decided_by": _DECIDER,
        "decided_at": {"type": "string", "format": "date-time"},
        "return_reason": {
            "type": "string",
            "description": "最近一次退回的原因（从未退回为空字符串）",
        },
    },
}
REPORT_SCHEMA = {
    "type": "object",
    "required": ["period", "team", "status", "status_name", "late", "deadline", "stats"],
    "properties": {
        "id": {"type": "integer", "nullable": True, "description": "本季度进行中时为空"},
        "period": {"type": "string", "example": "2026-Q4"},
        "year": {"type": "integer"},
        "quarter": {"type": "integer", "minimum": 1, "maximum": 4},
        "team": {
            "type": "object",
            "required": ["id", "name"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        },
        "status": {"type": "string", "enum": list(STATUS_NAMES)},
        "status_name": {"type": "string", "description": "如：草稿、逾期未交、逾期提交"},
        "late": {"type": "boolean", "description": "已过截止日期未交，或逾期后提交"},
        "deadline": {"type": "string", "format": "date", "description": "截止日期（北京时间）"},
        "summary": {"type": "string", "description": "工作小结"},
        "submitted_at": {"type": "string", "format": "date-time", "nullable": True},
        "submitted_by": {
            "type": "object",
            "nullable": True,
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        },
        "editable": {"type": "boolean", "description": "队长现在能否修改和提交"},
        "stats_live": {"type": "boolean"},
        "stats": STATS_SCHEMA,
        "register_check": REPORT_CHECK_SCHEMA,
        "review": REVIEW_SCHEMA,
    },
}
PERIOD = {
    "name": "period",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9]{4}-Q[1-4]$"},
    "description": "季度，如 2026-Q4",
}
TEAM_ID = {
    "name": "team_id",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 1},
    "description": "服务队（办公室必填；队长只能是本队）",
}
SUMMARY_SCHEMA = {
    "type": "object",
    "required": ["summary"],
    "properties": {
        "summary": {
            "type": "string",
            "maxLength": report_writing.SUMMARY_MAX,
            "description": "工作小结（提交前必填）",
        }
    },
}
SUBMIT_SCHEMA = {
    "type": "object",
    "description": "可不带请求体（工作小结已用 PUT 保存时）；带 summary 时先保存再提交，"
    "一步完成；提交不成功则不保存",
    "properties": {
        "summary": SUMMARY_SCHEMA["properties"]["summary"]
        | {
            "description": "工作小结（可选）：给出时与报告一同提交；"
            "报告已提交后再次提交须与已提交的小结相同（重试），否则返回 409 report_submitted"
        }
    },
}
CONFLICT = {"409": openapi.error("报告已提交，或本季度尚未结束")}
TEAM_IN_PATH = {
    "name": "team_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
    "description": "服务队",
}
DECISION_SCHEMA = {
    "type": "object",
    "required": ["decision"],
    "properties": {
        "decision": {
            "type": "string",
            "enum": list(report_review.DECISIONS),
            "description": "accept 通过（最终决定）或 return 退回队长修改",
        },
        "reason": {
            "type": "string",
            "maxLength": report_review.REASON_LIMIT,
            "description": "退回原因（退回时必填，会发给队长）",
        },
    },
}

OPENAPI = {
    "/team/reports/{period}": {
        "get": {
            "summary": "季度报告：队长看本队的，办公室看任一服务队的（刚结束的季度自动生成草稿）",
            "parameters": [PERIOD, TEAM_ID],
            "responses": openapi.ok("季度报告", REPORT_SCHEMA),
        },
        "put": {
            "summary": "队长填写工作小结（草稿、逾期或退回时）",
            "parameters": [PERIOD],
            "requestBody": openapi.json_body(SUMMARY_SCHEMA),
            "responses": openapi.ok("修改后的季度报告", REPORT_SCHEMA) | CONFLICT,
        },
    },
    "/team/reports/{period}/submit": {
        "post": {
            "summary": "队长提交季度报告（统计数据随之冻结；重复提交不变）",
            "parameters": [PERIOD],
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": SUBMIT_SCHEMA}},
            },
            "responses": openapi.ok("已提交的季度报告", REPORT_SCHEMA) | CONFLICT,
        }
    },
    "/office/reports/{team_id}/{period}": {
        "post": {
            "summary": "办公室审阅已提交（含逾期提交）的季度报告：通过或退回（须写明原因），"
            "并通知队长；重复同一决定不变",
            "parameters": [TEAM_IN_PATH, PERIOD],
            "requestBody": openapi.json_body(DECISION_SCHEMA),
            "responses": openapi.ok("审阅后的季度报告", REPORT_SCHEMA)
            | {"409": openapi.error("报告尚未提交、已退回等待重新提交，或已通过不能退回")},
        }
    },
}
