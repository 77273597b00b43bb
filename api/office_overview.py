"""The office dashboard's overview: every team with this quarter's figures, what waits for
review, the last quarter's report, and what the office must act on. Thin view: the rules are
in services.office_overview."""

from flask import current_app, jsonify

from services import clock
from services import office_overview as overview

from . import bp, openapi
from .auth import actor, requires
from .reports import STATUS_NAMES
from .serialize import iso


@bp.get("/office/overview")
@requires("office")
def office_overview():
    rules = current_app.config["SETTINGS"].rules
    view = overview.office_overview(
        actor(), clock.now_utc(), rules.visit_interval_days, rules.report_deadline_days
    )
    return jsonify(overview_json(view))


def overview_json(v: overview.Overview) -> dict:
    a = v.alerts
    return {
        "today": v.today.isoformat(),
        "period": v.period,
        "report_period": v.report_period,
        "teams": [_team_json(t) for t in v.teams],
        "alerts": {
            "undelivered": a.undelivered,
            "inbox_unread": a.inbox_unread,
            "spot_checks_pending": a.spot_checks_pending,
            "late_reports": a.late_reports,
            "reports_returned": [_returned_json(r) for r in a.returned],
            "reports_awaiting_decision": [_awaiting_json(r) for r in a.awaiting_decision],
        },
    }


def _returned_json(r: overview.Returned) -> dict:
    return {
        "team": {"id": r.team_id, "name": r.team_name},
        "period": r.period,
        "returned_at": iso(r.returned_at),
        "reason": r.reason,
        "late": r.late,
    }


def _awaiting_json(r: overview.AwaitingDecision) -> dict:
    return {
        "team": {"id": r.team_id, "name": r.team_name},
        "period": r.period,
        "submitted_at": iso(r.submitted_at),
        "late": r.late,
        "resubmitted": r.resubmitted,
    }


def _team_json(t: overview.TeamOverview) -> dict:
    leader = {"id": t.leader_id, "name": t.leader_name} if t.leader_id else None
    return {
        "id": t.id,
        "name": t.name,
        "community": t.community,
        "leader": leader,
        "members": t.members,
        "services": t.services,
        "hours": t.hours,
        "minutes": t.minutes,
        "flagged": t.flagged,
        "awaiting_review": {"leader": t.awaiting_leader, "office": t.awaiting_office},
        "report": _report_json(t.report),
    }


def _report_json(r: overview.ReportState | None) -> dict | None:
    if r is None:
        return None
    return {
        "period": r.period,
        "status": r.status,
        "status_name": r.status_name,
        "late": r.late,
        "owed": r.owed,
        "deadline": r.deadline.isoformat(),
        "submitted_at": iso(r.submitted_at),
    }


# --- OpenAPI -------------------------------------------------------------------------------

_COUNT = {"type": "integer", "minimum": 0}
_PERSON = {
    "type": "object",
    "nullable": True,
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    "description": "在任队长；没有时为 null",
}
_REPORT_PROPERTIES = {
    "period": {"type": "string", "example": "2026-Q3"},
    "status": {"type": "string", "enum": list(STATUS_NAMES)},
    "status_name": {"type": "string", "description": "如：草稿、逾期未交、已提交、逾期提交"},
    "late": {"type": "boolean", "description": "已过截止日期未交，或逾期后提交"},
    "owed": {"type": "boolean", "description": "队长尚未提交（草稿、逾期未交或已退回）"},
    "deadline": {"type": "string", "format": "date"},
    "submitted_at": {"type": "string", "format": "date-time", "nullable": True},
}
_REPORT = {
    "type": "object",
    "nullable": True,
    "required": list(_REPORT_PROPERTIES),
    "properties": _REPORT_PROPERTIES,
    "description": "上一季度（正在填报的季度）的报告。该季度有队员在册的服务队即应交报告："
    "报告尚未生成时也照样列出（status 为 draft，过了截止日期算逾期未交）；"
    "该季度没有队员在册、不用交报告时为 null",
}
_AWAITING_PROPERTIES = {
    "team": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    },
    "period": {"type": "string", "example": "2026-Q3", "description": "报告所属季度"},
    "submitted_at": {"type": "string", "format": "date-time", "nullable": True},
    "late": {"type": "boolean", "description": "逾期后提交"},
    "resubmitted": {"type": "boolean", "description": "办公室退回后，队长重新提交的"},
}
_AWAITING = {
    "type": "array",
    "description": "队长已提交、等待办公室通过或退回的季度报告（任何季度），提交早的在前；"
    "用 GET /team/reports/{period}?team_id= 打开，POST /office/reports/{team_id}/{period} 审阅",
    "items": {
        "type": "object",
        "required": list(_AWAITING_PROPERTIES),
        "properties": _AWAITING_PROPERTIES,
    },
}
_RETURNED_PROPERTIES = {
    "team": _AWAITING_PROPERTIES["team"],
    "period": {"type": "string", "example": "2026-Q3", "description": "报告所属季度"},
    "returned_at": {"type": "string", "format": "date-time", "nullable": True},
    "reason": {"type": "string", "description": "退回原因"},
    "late": {"type": "boolean", "description": "第一次提交时已过截止日期（退回不改变这一点）"},
}
_RETURNED = {
    "type": "array",
    "description": "办公室已退回、等待队长修改后重新提交的季度报告（任何季度），退回早的在前；"
    "已经交过，不算逾期未交",
    "items": {
        "type": "object",
        "required": list(_RETURNED_PROPERTIES),
        "properties": _RETURNED_PROPERTIES,
    },
}
_TEAM_PROPERTIES = {
    "id": {"type": "integer"},
    "name": {"type": "string"},
    "community": {"type": "string", "description": "结对社区"},
    "leader": _PERSON,
    "members": {**_COUNT, "description": "现在在册的队员人数"},
    "services": {**_COUNT, "description": "本季度计入时长的服务次数（与季度报告相同）"},
    "hours": {"type": "number", "minimum": 0, "description": "本季度服务时长（小时，一位小数）"},
    "minutes": {**_COUNT, "description": "hours 的精确值（分钟）"},
    "flagged": {**_COUNT, "description": "存疑待审核的记录（全部登记，不限本季度）"},
    "awaiting_review": {
        "type": "object",
        "required": ["leader", "office"],
        "description": "待审核的记录（待核实和待审核，全部登记）：待队长审核、待办公室审核",
        "properties": {"leader": _COUNT, "office": _COUNT},
    },
    "report": _REPORT,
}
OVERVIEW_SCHEMA = {
    "type": "object",
    "required": ["today", "period", "report_period", "teams", "alerts"],
    "properties": {
        "today": {"type": "string", "format": "date", "description": "今天（北京时间）"},
        "period": {"type": "string", "description": "本季度，各队统计所属的季度"},
        "report_period": {"type": "string", "description": "正在填报报告的季度（上一季度）"},
        "teams": {
            "type": "array",
            "items": {
                "type": "object",
                "required": list(_TEAM_PROPERTIES),
                "properties": _TEAM_PROPERTIES,
            },
        },
        "alerts": {
            "type": "object",
            "required": [
                "undelivered",
                "inbox_unread",
                "spot_checks_pending",
                "late_reports",
                "reports_returned",
                "reports_awaiting_decision",
            ],
            "description": "办公室需要处理的事项（登记簿核验另见 GET /register/check）",
            "properties": {
                "undelivered": {**_COUNT, "description": "未送达和发送失败的消息"},
                "inbox_unread": {**_COUNT, "description": "收件箱未读消息"},
                "spot_checks_pending": {**_COUNT, "description": "尚未记录结果的抽查"},
                "late_reports": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "报告已过截止日期、从未提交的服务队（已退回的见 "
                    "reports_returned）",
                },
                "reports_returned": _RETURNED,
                "reports_awaiting_decision": _AWAITING,
            },
        },
    },
}

OPENAPI = {
    "/office/overview": {
        "get": {
            "summary": "办公室工作台总览：各服务队本季度的服务和时长、待审核记录、上季度报告，"
            "以及办公室需要处理的事项",
            "responses": openapi.ok("总览", OVERVIEW_SCHEMA),
        }
    },
}
