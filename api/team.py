"""A leader's notices to the team: send one, list them, and see who got each. Thin views over
services.broadcast, the same service the chat's 「通知」 command uses.

The preview's `reachable_channels`, sent back with the notice as `previewed`, let the answer
name the members the preview counted who can no longer receive it, and why (a subscribe grant
the preview counted, spent by another notice meanwhile; a closed 48-hour window): the answer
is what was queued, not what was previewed. An older client sends back the preview's
`reachable_member_ids` instead: the answer then names them without knowing which channel
counted them (never grant_used)."""

import re

from flask import current_app, jsonify

from services import broadcast, broadcast_reach, broadcast_reading, broadcast_text, clock
from services.broadcast_reading import BroadcastView, MemberDelivery
from services.errors import Invalid
from services.notification_texts import CHANNEL_NAMES, UNREACHABLE_NAMES
from services.outbox_delivery import Policy
from services.reach import CHANNELS, Audience, Unreached
from services.rows import MAX_ID, REQUEST_ID_LONGEST, is_id
from wechat import CONTENT_SCREEN

from . import bp, openapi
from .auth import actor, requires
from .request import field, json_body, query_flag, query_value
from .serialize import iso, list_page

PREVIEWED_MAX = 1000  # members a previewed list or object may hold
MEMBER_KEY = re.compile(r"[1-9][0-9]{0,18}")  # a member id as a JSON object's key
STATUS_NAMES = {"pending": "待发送", "sent": "已发送", "skipped": "未送达", "failed": "发送失败"}


@bp.post("/team/broadcasts")
@requires("member")
def send_broadcast():
    body = json_body()
    text = field(body, "text", str)
    request_id = field(body, "request_id", str)
    urgent = field(body, "urgent", bool, required=False, default=False)
    previewed = _previewed(body.get("previewed"))
    me, policy, now = actor().member, _policy(), clock.now_utc()
    key = broadcast.api_request_key(me, request_id)
    screen = current_app.extensions[CONTENT_SCREEN]()
    sent = broadcast.send(
        me, text, key, now, policy, urgent=urgent, expected=previewed, screen=screen
    )
    view = broadcast_reading.get(actor(), sent.broadcast.id)
    reach = audience_json(sent.audience) | {"no_longer_reachable": unreached_json(sent.lost)}
    return jsonify(broadcast_json(view) | {"reach": reach}), 201 if sent.created else 200


def _previewed(value) -> dict[int, str | None]:
    """{member id: channel} from the preview's reachable_channels; from an older client's
    reachable_member_ids, the ids with no channel known; absent (or null), nobody."""
    if value is None:
        return {}
    if isinstance(value, list) and len(value) <= PREVIEWED_MAX and all(map(is_id, value)):
        return dict.fromkeys(value)
    if (
        isinstance(value, dict)
        and len(value) <= PREVIEWED_MAX
        and all(_is_member_key(k) and v in CHANNELS for k, v in value.items())
    ):
        return {int(k): v for k, v in value.items()}
    raise Invalid("参数 previewed 应为预览返回的 reachable_channels。", "bad_field")


def _is_member_key(key: str) -> bool:
    return MEMBER_KEY.fullmatch(key) is not None and is_id(int(key))


@bp.get("/team/broadcasts/audience")
@requires("member")
def broadcast_audience():
    """Who a notice would reach, shown before the leader sends it."""
    urgent = query_flag("urgent")
    found = broadcast_reach.preview(actor().member, _policy(), clock.now_utc(), urgent=urgent)
    return jsonify(audience_json(found))


@bp.get("/team/broadcasts")
@requires("member", "office")
def list_broadcasts():
    team_id = query_value("team_id", int)
    limit = query_value("limit", int, broadcast_reading.PAGE_DEFAULT)
    offset = query_value("offset", int, 0)
    views, total = broadcast_reading.list_broadcasts(actor(), team_id, limit, offset)
    items = [broadcast_json(v) for v in views]
    return jsonify(list_page(items, total, limit, offset))


@bp.get("/team/broadcasts/<int:broadcast_id>")
@requires("member", "office")
def get_broadcast(broadcast_id):
    view = broadcast_reading.get(actor(), broadcast_id)
    deliveries = [delivery_json(d) for d in broadcast_reading.delivery(actor(), view.broadcast)]
    return jsonify(broadcast_json(view) | {"deliveries": deliveries})


def _policy() -> Policy:
    return Policy.from_settings(current_app.config["SETTINGS"])


def broadcast_json(view: BroadcastView) -> dict:
    b = view.broadcast
    return {
        "id": b.id,
        "text": b.text,
        "created_at": iso(b.created_at),
        "team": {"id": b.team.id, "name": b.team.name},
        "sender": {"id": b.sender.id, "name": b.sender.name},
        "recipients": sum(view.counts.values()),
        "counts": view.counts,
    }


def audience_json(audience: Audience) -> dict:
    return {
        "recipients": audience.total,
        "reachable": audience.reachable,
        "reachable_member_ids": list(audience.reached),
        "reachable_channels": {str(k): v for k, v in audience.channels.items()},
        "unreachable": unreached_json(audience.unreached),
    }


def unreached_json(unreached: tuple[Unreached, ...]) -> list[dict]:
    return [
        {
            "member": {"id": u.member_id, "name": u.name},
            "reason": u.reason,
            "reason_name": UNREACHABLE_NAMES.get(u.reason, u.reason),
        }
        for u in unreached
    ]


def delivery_json(d: MemberDelivery) -> dict:
    return {
        "member": {"id": d.member_id, "name": d.name, "phone": d.phone},
        "status": d.status,
        "status_name": STATUS_NAMES.get(d.status, d.status),
        "channel": d.channel or None,
        "channel_name": CHANNEL_NAMES.get(d.channel) if d.channel else None,
        "reason": d.reason,
        "attempts": d.attempts,
        "sent_at": iso(d.sent_at),
    }


# --- OpenAPI -------------------------------------------------------------------------------

_COUNTS = {
    "type": "object",
    "required": list(STATUS_NAMES),
    "properties": {s: {"type": "integer", "minimum": 0} for s in STATUS_NAMES},
    "description": "各状态的人数：待发送、已发送、未送达（无可用渠道）、发送失败",
}
_REF = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}
BROADCAST_SCHEMA = {
    "type": "object",
    "required": ["id", "text", "created_at", "team", "sender", "recipients", "counts"],
    "properties": {
        "id": {"type": "integer"},
        "text": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "team": _REF,
        "sender": _REF,
        "recipients": {"type": "integer", "minimum": 0},
        "counts": _COUNTS,
    },
}
_UNREACHED = {
    "type": "object",
    "required": ["member", "reason", "reason_name"],
    "properties": {
        "member": _REF,
        "reason": {"type": "string", "enum": list(UNREACHABLE_NAMES)},
        "reason_name": {"type": "string", "description": "如：未绑定微信"},
    },
}
AUDIENCE_SCHEMA = {
    "type": "object",
    "required": [
        "recipients",
        "reachable",
        "reachable_member_ids",
        "reachable_channels",
        "unreachable",
    ],
    "description": "通知的接收人：本队在职队员中能通过微信收到的人数，以及收不到的队员和原因",
    "properties": {
        "recipients": {"type": "integer", "minimum": 0, "description": "本队在职队员人数"},
        "reachable": {"type": "integer", "minimum": 0, "description": "能通过微信收到的人数"},
        "reachable_member_ids": {
            "type": "array",
            "items": {"type": "integer"},
            "description": "能收到的队员编号",
        },
        "reachable_channels": {
            "type": "object",
            "additionalProperties": {"type": "string", "enum": list(CHANNELS)},
            "description": (
                "能收到的队员编号 → 预计经哪个渠道收到（mp_subscribe 小程序订阅消息、"
                "oa_template 公众号模板消息、oa_custom 公众号客服消息）；"
                "发送时原样作为 previewed 传回"
            ),
        },
        "unreachable": {
            "type": "array",
            "description": "收不到微信消息、需另行通知的队员",
            "items": _UNREACHED,
        },
    },
}
SENT_REACH_SCHEMA = {
    **AUDIENCE_SCHEMA,
    "required": [*AUDIENCE_SCHEMA["required"], "no_longer_reachable"],
    "description": "实际进入发送队列的情况（以此为准，而非预览）",
    "properties": {
        **AUDIENCE_SCHEMA["properties"],
        "reachable": {"type": "integer", "minimum": 0, "description": "实际能通过微信收到的人数"},
        "no_longer_reachable": {
            "type": "array",
            "description": "预览时能收到、现在收不到的队员（如订阅消息次数已被其他通知用完）",
            "items": _UNREACHED,
        },
    },
}
SENT_SCHEMA = {
    **BROADCAST_SCHEMA,
    "required": [*BROADCAST_SCHEMA["required"], "reach"],
    "properties": {**BROADCAST_SCHEMA["properties"], "reach": SENT_REACH_SCHEMA},
}
DELIVERY_SCHEMA = {
    "type": "object",
    "required": ["member", "status", "status_name", "channel", "reason", "attempts", "sent_at"],
    "properties": {
        "member": {
            "type": "object",
            "required": ["id", "name", "phone"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "phone": {
                    "type": "string",
                    "description": "手机号；队长看到的部分隐藏，如 138****0001，办公室看到完整的",
                },
            },
        },
        "status": {"type": "string", "enum": list(STATUS_NAMES)},
        "status_name": {"type": "string"},
        "channel": {"type": "string", "enum": list(CHANNEL_NAMES), "nullable": True},
        "channel_name": {"type": "string", "nullable": True},
        "reason": {"type": "string", "description": "未送达或失败的原因；发送中为上次的错误"},
        "attempts": {"type": "integer", "minimum": 0},
        "sent_at": {"type": "string", "format": "date-time", "nullable": True},
    },
}
DETAIL_SCHEMA = {
    **BROADCAST_SCHEMA,
    "required": [*BROADCAST_SCHEMA["required"], "deliveries"],
    "properties": {
        **BROADCAST_SCHEMA["properties"],
        "deliveries": {"type": "array", "items": DELIVERY_SCHEMA},
    },
}
SEND_SCHEMA = {
    "type": "object",
    "required": ["text", "request_id"],
    "properties": {
        "text": {
            "type": "string",
            # JSON Schema counts characters; WeChat, and so the service, counts UTF-8 bytes.
            # No valid notice has more characters than bytes, so the bytes bound both.
            "maxLength": broadcast_text.MAX_BYTES,
            "x-max-utf8-bytes": broadcast_text.MAX_BYTES,
            "description": (
                f"通知内容：UTF-8 编码不超过 {broadcast_text.MAX_BYTES} 字节，"
                f"约 {broadcast_text.MAX_CHINESE} 个汉字（汉字占 3 字节，字母、数字占 1 字节）"
            ),
        },
        "request_id": {
            "type": "string",
            "pattern": f"^[!-~]{{1,{REQUEST_ID_LONGEST}}}$",
            "description": "客户端生成的请求编号；重试时用同一个，只发一次",
        },
        "urgent": {"type": "boolean", "description": "紧急通知：免打扰时段也立即发送"},
        "previewed": {
            "oneOf": [
                {
                    "type": "object",
                    "maxProperties": PREVIEWED_MAX,
                    "additionalProperties": {"type": "string", "enum": list(CHANNELS)},
                },
                {
                    "type": "array",
                    "maxItems": PREVIEWED_MAX,
                    "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                },
            ],
            "description": (
                "预览（GET /team/broadcasts/audience）返回的 reachable_channels，原样传回；"
                "其中已收不到的队员列在响应的 reach.no_longer_reachable 中，并说明原因。"
                "旧版客户端传回的 reachable_member_ids（编号列表）仍可用，"
                "但不知预览经哪个渠道算上他们，原因按现在各渠道为何都收不到给出"
            ),
        },
    },
}
_ID = [{"name": "broadcast_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_PAGE_SIZE = {
    "type": "integer",
    "minimum": 1,
    "maximum": broadcast_reading.PAGE_MAX,
    "default": broadcast_reading.PAGE_DEFAULT,
}
_QUERY = [
    {
        "name": "team_id",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1},
        "description": (
            "只看某个服务队的：办公室可指定任一队（没有这个队为 404 team_not_found），"
            "队长只能指定本队（他队为 403 other_team）"
        ),
    },
    {"name": "limit", "in": "query", "schema": _PAGE_SIZE, "description": "每页条数"},
    {
        "name": "offset",
        "in": "query",
        "schema": {"type": "integer", "minimum": 0, "default": 0},
        "description": "起始位置",
    },
]
CONFLICT = {"409": openapi.error("请求编号已用于另一条通知")}

OPENAPI = {
    "/team/broadcasts": {
        "post": {
            "summary": "队长向本队全体队员发送通知（经微信逐人发送，可查看送达情况）",
            "description": (
                "同一 request_id 重复提交返回同一条通知（200），不重复发送。"
                "本队队员都收不到微信消息时不发送，返回 400 nobody_reachable"
                "（名单见 GET /team/broadcasts/audience）。"
                "通知内容未通过内容安全检查（本地词表，配置小程序时另经微信内容安全接口）时"
                "不发送，返回 400 content_refused，请修改后再发送。"
            ),
            "requestBody": openapi.json_body(SEND_SCHEMA),
            "responses": openapi.ok("已进入发送队列", SENT_SCHEMA, "201")
            | {
                "200": {
                    "description": "此前已提交的同一通知",
                    "content": {"application/json": {"schema": SENT_SCHEMA}},
                }
            }
            | CONFLICT,
        },
        "get": {
            "summary": "最近的通知：队长看本队的，办公室看全部（可按 team_id 筛选）",
            "parameters": _QUERY,
            "responses": openapi.ok("一页通知，新的在前", openapi.page_of(BROADCAST_SCHEMA))
            | {"404": openapi.error("没有这个服务队")},
        },
    },
    "/team/broadcasts/audience": {
        "get": {
            "summary": "发送前预览：本队有多少队员能通过微信收到通知，哪些队员收不到及原因",
            "description": "与发送时的判断一致；收不到的队员请队长另行通知。",
            "parameters": [
                {
                    "name": "urgent",
                    "in": "query",
                    "schema": {"type": "boolean"},
                    "description": "按紧急通知（免打扰时段也立即发送）的发送时间判断",
                }
            ],
            "responses": openapi.ok("通知的接收人", AUDIENCE_SCHEMA),
        }
    },
    "/team/broadcasts/{broadcast_id}": {
        "get": {
            "summary": "一条通知及每位队员的送达情况（本队队长或办公室；队长看到的手机号部分隐藏）",
            "parameters": _ID,
            "responses": openapi.ok("通知及送达情况", DETAIL_SCHEMA),
        }
    },
}
