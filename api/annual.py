"""The office's annual assessment (年度考核) and commendation list (表彰名单): the year's list
with each member's figures, the suggested grade and the decision; a decision per member; the
final step; the Excel file. Thin views: the rules are in services.annual_assessment."""

from flask import current_app, jsonify

from services import annual_assessment as annual
from services import annual_export, clock
from services.annual_figures import KIND_NAMES, KIND_ORDER
from services.annual_grades import GRADE_NAMES, Limits
from services.xlsx import MEDIA_TYPE

from . import bp, openapi
from .auth import actor, requires
from .exports import xlsx_response
from .request import field, json_body, query_value
from .serialize import iso


def _limits() -> Limits:
    return current_app.config["SETTINGS"].assessment


@bp.get("/office/annual/<int:year>")
@requires("office")
def annual_list(year):
    team_id = query_value("team_id", int)
    listing = annual.annual_list(actor(), year, clock.now_utc(), _limits(), team_id)
    return jsonify(list_json(listing))


@bp.post("/office/annual/<int:year>/members/<int:member_id>")
@requires("office")
def decide(year, member_id):
    data = json_body()
    choice = annual.Choice(
        field(data, "grade", str),
        field(data, "commended", bool, required=False, default=False),
        field(data, "note", str, required=False, default=""),
    )
    expected = field(data, "expected", int, required=False)
    decision = annual.decide(actor(), year, member_id, choice, clock.now_utc(), expected)
    return jsonify(decision_json(decision) | {"member_id": member_id, "year": year})


@bp.post("/office/annual/<int:year>/final")
@requires("office")
def finalise(year):
    return jsonify(state_json(annual.finalise(actor(), year, clock.now_utc(), _limits())))


@bp.get("/office/annual/<int:year>/export.xlsx")
@requires("office")
def export(year):
    team_id = query_value("team_id", int)
    made = annual_export.export_year(actor(), year, clock.now_utc(), _limits(), team_id)
    return xlsx_response(made)


def list_json(listing: annual.AnnualList) -> dict:
    return {
        **state_json(listing.state),
        "grades": [{"grade": g, "name": n} for g, n in GRADE_NAMES.items()],
        "teams": [
            {"id": t.id, "name": t.name, "members": [_line_json(x) for x in t.members]}
            for t in listing.teams
        ],
    }


def state_json(s: annual.YearState) -> dict:
    return {
        "year": s.year,
        "year_over": s.year_over,
        "final": s.final,
        "finalised_by": s.finalised_by or None,
        "finalised_at": iso(s.finalised_at),
    }


def _line_json(line: annual.MemberLine) -> dict:
    m, s = line.figures, line.suggestion
    return {
        "member": {"id": m.member_id, "name": m.name},
        "roster": {
            "name": m.roster_name,
            "active": m.active,
            "joined_on": m.joined_on.isoformat() if m.joined_on else None,
            "left_on": m.left_on.isoformat() if m.left_on else None,
            "away": [
                {"left_on": gone.isoformat() if gone else None, "back_on": back.isoformat()}
                for gone, back in m.away
            ],
            "days": m.roster_days,
        },
        "hours": m.hours,
        "minutes": m.minutes,
        "services": {k: m.services[k] for k in KIND_ORDER},
        "visits": m.visits,
        "visit_months": m.visit_months,
        "rejected": m.rejected,
        "ratings": {"count": m.ratings_count, "average": m.ratings_average},
        "suggestion": {"grade": s.grade, "grade_name": s.grade_name, "reason": s.reason},
        "decision": decision_json(line.decision) if line.decision else None,
    }


def decision_json(d: annual.Decision) -> dict:
    return {
        "grade": d.grade,
        "grade_name": d.grade_name,
        "commended": d.commended,
        "note": d.note,
        "decided_by": d.decided_by or None,
        "decided_at": iso(d.decided_at),
        "version": d.version,
    }


# --- OpenAPI -------------------------------------------------------------------------------

GRADES = list(GRADE_NAMES)
_YEAR = {
    "name": "year",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 2000, "maximum": 2099},
    "description": "年度（北京时间的自然年），不晚于今年",
}
_TEAM = {
    "name": "team_id",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 1},
    "description": "只看这个服务队",
}
_MEMBER = {"name": "member_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_COUNT = {"type": "integer", "minimum": 0}
_WHEN = {"type": "string", "format": "date-time", "nullable": True}
_NAME = {"type": "string", "nullable": True}
DECISION_SCHEMA = {
    "type": "object",
    "required": ["grade", "grade_name", "commended", "note", "decided_by", "decided_at", "version"],
    "properties": {
        "grade": {"type": "string", "enum": GRADES},
        "grade_name": {"type": "string", "description": "优秀、合格、基本合格、不合格"},
        "commended": {"type": "boolean", "description": "列入表彰名单"},
        "note": {"type": "string"},
        "decided_by": _NAME,
        "decided_at": _WHEN,
        "version": {"type": "integer", "description": "第几次确定；保存时作为 expected 带回"},
    },
}
STATE_PROPERTIES = {
    "year": {"type": "integer"},
    "year_over": {"type": "boolean", "description": "该年度已结束，可以定稿"},
    "final": {"type": "boolean", "description": "已定稿，不能再修改"},
    "finalised_by": _NAME,
    "finalised_at": _WHEN,
}
STATE_SCHEMA = {
    "type": "object",
    "required": list(STATE_PROPERTIES),
    "properties": STATE_PROPERTIES,
}
_LINE_PROPERTIES = {
    "member": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    },
    "roster": {
        "type": "object",
        "required": ["name", "active", "joined_on", "left_on", "away", "days"],
        "properties": {
            "name": {"type": "string", "description": "全年在册，或几月几日加入、离开、重新加入"},
            "active": {"type": "boolean"},
            "joined_on": {"type": "string", "format": "date", "nullable": True},
            "left_on": {
                "type": "string",
                "format": "date",
                "nullable": True,
                "description": "最后一次离开的日期（年内或年前）；之后回来的为空",
            },
            "away": {
                "type": "array",
                "description": "年内结束的离队期：离开日期（年前离开的为空）和回来的日期",
                "items": {
                    "type": "object",
                    "required": ["left_on", "back_on"],
                    "properties": {
                        "left_on": {"type": "string", "format": "date", "nullable": True},
                        "back_on": {"type": "string", "format": "date"},
                    },
                },
            },
            "days": {"type": "integer", "description": "年内在册天数"},
        },
    },
    "hours": {"type": "number", "description": "计入时长的服务，一位小数"},
    "minutes": _COUNT,
    "services": {
        "type": "object",
        "description": "按类型的服务次数：" + "、".join(f"{k} {n}" for k, n in KIND_NAMES.items()),
        "required": list(KIND_ORDER),
        "properties": dict.fromkeys(KIND_ORDER, _COUNT),
    },
    "visits": _COUNT,
    "visit_months": {"type": "integer", "minimum": 0, "maximum": 12},
    "rejected": _COUNT,
    "ratings": {
        "type": "object",
        "required": ["count", "average"],
        "properties": {"count": _COUNT, "average": {"type": "number", "nullable": True}},
    },
    "suggestion": {
        "type": "object",
        "required": ["grade", "grade_name", "reason"],
        "properties": {
            "grade": {"type": "string", "enum": GRADES},
            "grade_name": {"type": "string"},
            "reason": {"type": "string"},
        },
    },
    "decision": DECISION_SCHEMA | {"nullable": True},
}
LIST_SCHEMA = {
    "type": "object",
    "required": [*STATE_PROPERTIES, "grades", "teams"],
    "properties": STATE_PROPERTIES
    | {
        "grades": {"type": "array", "items": {"type": "object"}},
        "teams": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name", "members"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "members": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": list(_LINE_PROPERTIES),
                            "properties": _LINE_PROPERTIES,
                        },
                    },
                },
            },
        },
    },
}
CHOICE_BODY = {
    "type": "object",
    "required": ["grade"],
    "properties": {
        "grade": {"type": "string", "enum": GRADES},
        "commended": {
            "type": "boolean",
            "default": False,
            "description": "列入表彰名单（仅优秀、合格）",
        },
        "note": {"type": "string", "maxLength": annual.NOTE_LIMIT},
        "expected": {
            "type": "integer",
            "minimum": 0,
            "description": "页面显示时的 version（尚未确定为 0）；已被他人改动时返回 409 "
            "assessment_changed",
        },
    },
}

OPENAPI = {
    "/office/annual/{year}": {
        "get": {
            "summary": "办公室：年度考核名单，按服务队列出每名党员的全年数字、建议等次和确定的结果",
            "description": (
                "数字按季度报告的口径（北京时间的自然年）：计入时长的服务时长与按类型的次数"
                "（集中活动、结对走访、分散活动、临时任务）、入户走访次数和有走访的月数、被退回"
                "的登记、居民对本人的评价（已通过的）条数与平均分。建议等次按设置 [assessment]"
                "中的标准给出并写明理由；年中加入或离开的党员注明在册情况，时长和走访月数标准"
                "按在册天数折算。党员按名单顺序排列，不排名。"
            ),
            "parameters": [_YEAR, _TEAM],
            "responses": openapi.ok("年度考核名单", LIST_SCHEMA),
        }
    },
    "/office/annual/{year}/members/{member_id}": {
        "post": {
            "summary": "办公室：确定一名党员的年度考核等次、是否表彰和备注（记录确定人和时间）",
            "description": (
                "每次确定记入审计日志；相同内容再次提交不重复记录。带上 expected（页面显示时的"
                "version）时，若已被他人改动，不作改动并返回 409 assessment_changed。"
                "基本合格、不合格不能表彰（400 bad_commendation）。定稿后返回 409 "
                "assessment_final。"
            ),
            "parameters": [_YEAR, _MEMBER],
            "requestBody": openapi.json_body(CHOICE_BODY),
            "responses": openapi.ok("确定的结果", DECISION_SCHEMA)
            | {"409": openapi.error("已被他人改动，或该年度已定稿")},
        }
    },
    "/office/annual/{year}/final": {
        "post": {
            "summary": "办公室：年度考核定稿，之后不能再修改",
            "description": (
                "年度结束后（次年起），且名单上每名党员都已确定等次时才能定稿：年度未结束返回 "
                "409 year_not_ended，尚有未确定的返回 409 assessment_undecided，已定稿返回 409 "
                "assessment_final。定稿记入审计日志。"
            ),
            "parameters": [_YEAR],
            "responses": openapi.ok("定稿后的年度状态", STATE_SCHEMA)
            | {"409": openapi.error("年度未结束、名单中没有党员、尚有未确定的党员，或已定稿")},
        }
    },
    "/office/annual/{year}/export.xlsx": {
        "get": {
            "summary": "办公室：导出年度考核（Excel）：“年度考核”和“表彰名单”两个工作表",
            "description": "与名单相同的数字；页眉注明定稿或未定稿，便于打印。",
            "parameters": [_YEAR, _TEAM],
            "responses": openapi.download("年度考核 Excel 文件", MEDIA_TYPE),
        }
    },
}
