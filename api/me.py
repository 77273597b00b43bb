"""The calling member: profile, own figures, own paired household.

There is no id in these paths: a member can only ever reach their own summary and household.
"""

from dataclasses import asdict
from datetime import date

from flask import current_app, jsonify

from services import broadcast_reading, clock, grants
from services.households import HouseholdView, my_household
from services.notification_texts import template_id
from services.rows import REQUEST_ID_LONGEST
from services.summary import KINDS, PeriodStats, Summary, member_summary

from . import bp, openapi, serialize
from .auth import actor, requires
from .request import field, json_body
from .serialize import iso


@bp.get("/me")
@requires("member")
def me():
    return jsonify(serialize.member(actor().member))


@bp.get("/me/summary")
@requires("member")
def summary():
    interval = current_app.config["SETTINGS"].rules.visit_interval_days
    return jsonify(summary_json(member_summary(actor().member, clock.now_utc(), interval)))


@bp.get("/me/household")
@requires("member")
def household():
    return jsonify(household_json(my_household(actor().member)))


@bp.get("/me/notices/<int:broadcast_id>")
@requires("member")
def notice(broadcast_id):
    """A leader's notice in full, for the page a WeChat message about it opens."""
    found = broadcast_reading.notice_for(actor(), broadcast_id)
    return jsonify(
        {
            "id": found.id,
            "text": found.text,
            "sender": found.sender.name,
            "team": found.team.name,
            "sent_at": iso(found.created_at),
        }
    )


@bp.get("/me/subscriptions")
@requires("member")
def subscriptions():
    templates = _subscribe_templates()
    return jsonify(_grants_json(templates, []))


@bp.post("/me/subscriptions")
@requires("member")
def report_subscriptions():
    """The results of one wx.requestSubscribeMessage, as the mini-program received them."""
    body = json_body()
    results = field(body, "results", dict)
    request_id = field(body, "request_id", str, required=False)
    templates = _subscribe_templates()
    ignored = grants.record_results(
        actor().member.id, results, templates, clock.now_utc(), request_id
    )
    return jsonify(_grants_json(templates, ignored))


def _subscribe_templates() -> tuple[str, ...]:
    template = template_id(current_app.config["SETTINGS"], "mp_subscribe")
    return (template,) if template else ()


def _grants_json(templates: tuple[str, ...], ignored: list[str]) -> dict:
    left = grants.remaining(actor().member.id, templates)
    return {"templates": list(templates), "grants": left, "ignored": ignored}


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def period_json(p: PeriodStats) -> dict:
    return {
        "year": p.year,
        "quarter": p.quarter,
        "starts_on": _day(p.starts_on),
        "ends_on": _day(p.ends_on),
        "services": p.services,
        "hours": p.hours,
        "minutes": p.minutes,
        "by_kind": {kind: asdict(stats) for kind, stats in p.by_kind.items()},
        "pending_review": asdict(p.pending_review),
        "visits": p.visits,
    }


def summary_json(s: Summary) -> dict:
    v = s.visits
    return {
        "as_of": _day(s.as_of),
        "quarter": period_json(s.quarter),
        "year": period_json(s.year),
        "visits": {
            "paired": v.paired,
            "household_id": v.household_id,
            "paired_since": _day(v.paired_since),
            "last_visit_on": _day(v.last_visit_on),
            "next_visit_due": _day(v.next_visit_due),
            "overdue": v.overdue,
            "interval_days": v.interval_days,
        },
        "flagged_awaiting_review": s.flagged_awaiting_review,
        "open_checkins": [
            {
                "id": o.record_id,
                "kind": o.kind,
                "activity": {"id": o.activity_id, "title": o.activity_title}
                if o.activity_id
                else None,
                "checkin_at": serialize.iso(o.checkin_at),
            }
            for o in s.open_checkins
        ],
    }


def household_json(h: HouseholdView) -> dict:
    """The member's view: personal data arrives masked from the service; no coordinates."""
    return {
        "id": h.id,
        "community": h.community,
        "head_name": h.head_name,
        "phone": h.phone,
        "address": h.address,
        "size": h.size,
        "situation": h.situation,
        "paired_since": _day(h.paired_since),
        "last_visit_on": _day(h.last_visit_on),
        "masked": h.masked,
    }


def _nullable(kind: str, **extra) -> dict:
    return {"type": kind, "nullable": True, **extra}


def _object(properties: dict) -> dict:
    return {"type": "object", "required": list(properties), "properties": properties}


DATE = {"type": "string", "format": "date"}
MEMBER_SCHEMA = _object(
    {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "phone": {"type": "string"},
        "role": {"type": "string", "enum": ["member", "leader"]},
        "role_name": {"type": "string"},
        "team": _object({"id": {"type": "integer"}, "name": {"type": "string"}})
        | {"nullable": True},
        "branch": _nullable("string"),
    }
)
MINUTES = {
    "type": "integer",
    "minimum": 0,
    "description": "服务时长的精确值（分钟），hours 由它换算",
}
STATS_SCHEMA = _object(
    {"services": {"type": "integer"}, "hours": {"type": "number"}, "minutes": MINUTES}
)
PERIOD_SCHEMA = _object(
    {
        "year": {"type": "integer"},
        "quarter": _nullable("integer", minimum=1, maximum=4),
        "starts_on": DATE,
        "ends_on": DATE,
        "services": {"type": "integer", "description": "计入时长的服务次数"},
        "hours": {
            "type": "number",
            "description": "服务时长（小时）：minutes 换算后四舍五入到一位小数，与季度报告、"
            "公众号「我的」回复的时长相同",
        },
        "minutes": MINUTES,
        "by_kind": _object({kind: STATS_SCHEMA for kind in KINDS})
        | {
            "description": "按类型分列：各类的 hours 相加等于本期 hours（各类先舍去到一位小数，"
            "合计四舍五入后余下的 0.1 依次补给零头最大的类型，每类与精确值相差不到 0.1；"
            "季度报告的 by_kind 用同一算法）；精确值见各类的 minutes"
        },
        "pending_review": STATS_SCHEMA
        | {
            "description": "其中尚待审核的部分：待队长审核的，和队长代为登记、待办公室审核的"
            "（hours 由其 minutes 单独换算）"
        },
        "visits": {"type": "integer", "description": "结对走访次数"},
    }
)
SUMMARY_SCHEMA = _object(
    {
        "as_of": DATE,
        "quarter": PERIOD_SCHEMA,
        "year": PERIOD_SCHEMA,
        "visits": _object(
            {
                "paired": {"type": "boolean"},
                "household_id": _nullable("integer"),
                "paired_since": _nullable("string", format="date"),
                "last_visit_on": _nullable("string", format="date"),
                "next_visit_due": _nullable("string", format="date"),
                "overdue": {"type": "boolean"},
                "interval_days": {"type": "integer"},
            }
        ),
        "flagged_awaiting_review": {
            "type": "integer",
            "description": "签到被标记疑点、待审核的记录数（含未计入时长的；不含队长代为登记的）",
        },
        "open_checkins": {
            "type": "array",
            "items": _object(
                {
                    "id": {"type": "integer"},
                    "kind": {"type": "string", "enum": list(KINDS)},
                    "activity": _object({"id": {"type": "integer"}, "title": {"type": "string"}})
                    | {"nullable": True},
                    "checkin_at": {"type": "string", "format": "date-time"},
                }
            ),
        },
    }
)
HOUSEHOLD_SCHEMA = _object(
    {
        "id": {"type": "integer"},
        "community": {"type": "string"},
        "head_name": {"type": "string", "description": "户主姓名（部分隐藏）"},
        "phone": {"type": "string", "description": "联系电话（部分隐藏）"},
        "address": {"type": "string", "description": "住址（隐藏门牌号）"},
        "size": _nullable("integer"),
        "situation": {"type": "string"},
        "paired_since": _nullable("string", format="date"),
        "last_visit_on": _nullable("string", format="date"),
        "masked": {"type": "boolean"},
    }
)
SUBSCRIPTIONS_SCHEMA = _object(
    {
        "templates": {
            "type": "array",
            "items": {"type": "string"},
            "description": "请用 wx.requestSubscribeMessage 申请的订阅消息模板",
        },
        "grants": {
            "type": "object",
            "additionalProperties": {"type": "integer", "minimum": 0},
            "description": "模板编号 → 剩余可发送次数（每次同意加一次，每发一条减一次）",
        },
        "ignored": {
            "type": "array",
            "items": {"type": "string"},
            "description": "本服务未使用、已忽略的模板编号",
        },
    }
)
SUBSCRIPTION_RESULTS_SCHEMA = {
    "type": "object",
    "required": ["results"],
    "properties": {
        "results": {
            "type": "object",
            "description": "wx.requestSubscribeMessage 的结果：模板编号 → accept、reject、ban "
            "或 filter（errMsg 键忽略）",
            "additionalProperties": {"type": "string"},
        },
        "request_id": {
            "type": "string",
            "pattern": f"^[!-~]{{1,{REQUEST_ID_LONGEST}}}$",
            "description": "客户端为每次 wx.requestSubscribeMessage 生成的编号（如 UUID），"
            "网络重试时不变：同一编号再次上报不重复加次数，返回当前剩余次数；"
            "同一编号上报不同的结果返回 409 request_id_reused。"
            "请务必提供；不提供时每次上报都会计数（兼容旧版小程序），重试会多算授权次数",
        },
    },
}

NOTICE_SCHEMA = {
    "type": "object",
    "required": ["id", "text", "sender", "team", "sent_at"],
    "properties": {
        "id": {"type": "integer"},
        "text": {"type": "string"},
        "sender": {"type": "string", "description": "发出通知的队长"},
        "team": {"type": "string"},
        "sent_at": {"type": "string", "format": "date-time"},
    },
}

OPENAPI = {
    "/me": {
        "get": {
            "summary": "当前党员的基本信息",
            "responses": openapi.ok("党员信息", MEMBER_SCHEMA),
        }
    },
    "/me/summary": {
        "get": {
            "summary": "本人本季度、本年度的服务次数与时长，结对走访情况",
            "responses": openapi.ok("服务统计", SUMMARY_SCHEMA),
        }
    },
    "/me/subscriptions": {
        "get": {
            "summary": "订阅消息：要申请的模板和剩余的授权次数",
            "responses": openapi.ok("订阅授权", SUBSCRIPTIONS_SCHEMA),
        },
        "post": {
            "summary": "上报一次 wx.requestSubscribeMessage 的结果（同意的模板各加一次授权；"
            "同一 request_id 只计一次）",
            "requestBody": openapi.json_body(SUBSCRIPTION_RESULTS_SCHEMA),
            "responses": openapi.ok("剩余的授权次数", SUBSCRIPTIONS_SCHEMA)
            | {"409": openapi.error("request_id_reused：该请求编号已用于另一次订阅结果")},
        },
    },
    "/me/notices/{broadcast_id}": {
        "get": {
            "summary": "本队队长发出的一条通知全文（微信消息只显示开头，点开即到此）",
            "parameters": [
                {
                    "name": "broadcast_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer"},
                }
            ],
            "responses": openapi.ok("通知全文", NOTICE_SCHEMA),
        }
    },
    "/me/household": {
        "get": {
            "summary": "本人的结对家庭（个人信息部分隐藏）",
            "description": "未结对时返回 404，错误代码 not_paired。",
            "responses": openapi.ok("结对家庭", HOUSEHOLD_SCHEMA),
        }
    },
}
