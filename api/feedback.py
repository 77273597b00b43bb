"""Residents' feedback: the office reads and moderates all of it and fetches a target's QR
code; a team leader reads the team's approved feedback, a member their own. Thin views: the
rules are in services.feedback_review, services.feedback_targets, services.feedback_cards,
services.feedback_card_pick and services.card_sheet (the printable pile)."""

from flask import current_app, jsonify

from models.oversight import MODERATION_STATES
from services import card_sheet, clock, feedback_cards
from services import feedback_card_pick as card_pick
from services import feedback_review as review
from services.feedback_targets import KIND_NAMES, KINDS

from . import bp, openapi
from .auth import actor, requires
from .exports import file_response
from .request import field, json_body, query_date, query_flag, query_value
from .serialize import iso, list_page

MODERATION_NAMES = {"pending": "待办公室审阅", "approved": "已通过", "rejected": "未通过"}
HELD_NAMES = {
    "content_filter": "留言含有不宜展示的词语",
    "burst": "一小时内评价过多，可能有人刷分，请核实",
    "": "",
}


@bp.get("/office/feedback")
@requires("office")
def list_feedback():
    team_id, moderation = query_value("team_id", int), query_value("moderation", str)
    held_first = query_flag("held_first")
    filters = _filters(team_id=team_id, moderation=moderation, held_first=held_first)
    items, total = review.list_feedback(actor(), filters)
    rows = [office_json(v) for v in items]
    return jsonify(list_page(rows, total, filters.limit, filters.offset))


@bp.post("/office/feedback/<int:feedback_id>")
@requires("office")
def moderate_feedback(feedback_id):
    data = json_body()
    decision = field(data, "decision", str)
    note = field(data, "note", str, required=False)
    expected = field(data, "expected", str, required=False)
    view = review.moderate(actor(), feedback_id, decision, note, clock.now_utc(), expected)
    return jsonify(office_json(view))


@bp.get("/office/feedback/qr/<kind>/<int:target_id>")
@requires("office")
def feedback_qr(kind, target_id):
    base = feedback_cards.public_base(current_app.config["SETTINGS"])
    card = feedback_cards.target_qr(actor(), base, kind, target_id, clock.now_utc())
    return file_response(card.png, card.file_name, "image/png", disposition="inline")


@bp.get("/office/feedback/cards.pdf")
@requires("office")
def feedback_cards_pdf():
    cards, stem = _picked_cards()
    return file_response(card_sheet.pdf(cards, stem), f"{stem}.pdf", "application/pdf")


@bp.get("/office/feedback/cards.zip")
@requires("office")
def feedback_cards_zip():
    cards, stem = _picked_cards()
    return file_response(card_sheet.zip_of(cards), f"{stem}.zip", "application/zip")


def _picked_cards() -> tuple[list[feedback_cards.Card], str]:
    pick = card_pick.CardPick(
        kind=query_value("kind", str),
        team_id=query_value("team_id", int),
        date_from=query_date("from"),
        date_to=query_date("to"),
    )
    base = feedback_cards.public_base(current_app.config["SETTINGS"])
    now = clock.now_utc()
    cards = card_pick.pick_cards(actor(), base, pick, now)
    return cards, card_pick.file_stem(pick, now)


@bp.get("/team/feedback")
@requires("member", "office")
def team_feedback():
    filters = _filters()
    team, items, total, ratings = review.team_feedback(
        actor(), query_value("team_id", int), filters
    )
    return jsonify(
        {
            "team": {"id": team.id, "name": team.name},
            "ratings": {"count": ratings.count, "average": ratings.average},
            "items": [leader_json(v) for v in items],
            "total": total,
            "limit": filters.limit,
            "offset": filters.offset,
        }
    )


@bp.get("/me/feedback")
@requires("member")
def my_feedback():
    filters = _filters()
    items, total, ratings = review.member_feedback(actor(), filters)
    return jsonify(
        {
            "ratings": {"count": ratings.count, "average": ratings.average},
            "items": [leader_json(v) for v in items],
            "total": total,
            "limit": filters.limit,
            "offset": filters.offset,
        }
    )


def _filters(**given) -> review.FeedbackFilters:
    return review.FeedbackFilters(
        date_from=query_date("from"),
        date_to=query_date("to"),
        limit=query_value("limit", int, review.PAGE_DEFAULT),
        offset=query_value("offset", int, 0),
        **given,
    )


def leader_json(v: review.FeedbackView) -> dict:
    return {
        "id": v.id,
        "target": {
            "kind": v.target_kind,
            "kind_name": KIND_NAMES[v.target_kind],
            "id": v.target_id,
            "name": v.target_name,
        },
        "rating": v.rating,
        "comment": v.comment,
        "created_at": iso(v.created_at),
    }


def office_json(v: review.FeedbackView) -> dict:
    by = v.moderated_by
    return leader_json(v) | {
        "team": {"id": v.team.id, "name": v.team.name} if v.team else None,
        "resident_sees": v.resident_name,
        "moderation": v.moderation,
        "moderation_name": MODERATION_NAMES[v.moderation],
        "held_reason": v.held_reason,
        "held_reason_name": HELD_NAMES.get(v.held_reason, v.held_reason),
        "moderation_note": v.moderation_note,
        "moderated_by": {"id": by.id, "name": by.display_name} if by else None,
        "moderated_at": iso(v.moderated_at),
    }


# --- OpenAPI -------------------------------------------------------------------------------


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "schema": schema, "description": description}


def _path(name: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema}


_DATES = [
    _query("from", {"type": "string", "format": "date"}, "评价日期起（含，北京时间）"),
    _query("to", {"type": "string", "format": "date"}, "评价日期止（含）"),
]
_PAGE = [
    _query(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": review.PAGE_MAX, "default": 50},
        "每页条数",
    ),
    _query("offset", {"type": "integer", "minimum": 0, "default": 0}, "起始位置"),
]
_TEAM = {
    "type": "object",
    "nullable": True,
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}
_LEADER_PROPERTIES = {
    "id": {"type": "integer"},
    "target": {
        "type": "object",
        "required": ["kind", "kind_name", "id", "name"],
        "properties": {
            "kind": {"type": "string", "enum": list(KINDS)},
            "kind_name": {"type": "string", "description": "结对党员、活动或服务队"},
            "id": {"type": "integer"},
            "name": {"type": "string", "description": "党员姓名、活动名称或服务队名称"},
        },
    },
    "rating": {"type": "integer", "minimum": 1, "maximum": 5},
    "comment": {"type": "string", "description": "居民留言（队长看到的手机号已打码）"},
    "created_at": {"type": "string", "format": "date-time"},
}
LEADER_SCHEMA = {
    "type": "object",
    "required": list(_LEADER_PROPERTIES),
    "properties": _LEADER_PROPERTIES,
}
_OFFICE_PROPERTIES = _LEADER_PROPERTIES | {
    "team": _TEAM,
    "resident_sees": {"type": "string", "description": "评价页面上的称呼，如 王同志"},
    "moderation": {"type": "string", "enum": list(MODERATION_STATES)},
    "moderation_name": {"type": "string"},
    "held_reason": {
        "type": "string",
        "description": "content_filter：本地过滤发现不宜展示；burst：同一对象一小时内评价过多",
    },
    "held_reason_name": {"type": "string"},
    "moderation_note": {"type": "string"},
    "moderated_by": {**_TEAM, "description": "审阅的办公室账号"},
    "moderated_at": {"type": "string", "format": "date-time", "nullable": True},
}
OFFICE_SCHEMA = {
    "type": "object",
    "required": list(_OFFICE_PROPERTIES),
    "properties": _OFFICE_PROPERTIES,
}
TEAM_SCHEMA = openapi.page_of(LEADER_SCHEMA)
TEAM_SCHEMA = TEAM_SCHEMA | {
    "required": [*TEAM_SCHEMA["required"], "team", "ratings"],
    "properties": TEAM_SCHEMA["properties"]
    | {
        "team": _TEAM,
        "ratings": {
            "type": "object",
            "required": ["count", "average"],
            "properties": {
                "count": {"type": "integer"},
                "average": {"type": "number", "nullable": True, "description": "一位小数"},
            },
        },
    },
}
_RATINGS = TEAM_SCHEMA["properties"]["ratings"]
MINE_SCHEMA = openapi.page_of(LEADER_SCHEMA)
MINE_SCHEMA = MINE_SCHEMA | {
    "required": [*MINE_SCHEMA["required"], "ratings"],
    "properties": MINE_SCHEMA["properties"] | {"ratings": _RATINGS},
}
DECISION_BODY = {
    "type": "object",
    "required": ["decision"],
    "properties": {
        "decision": {"type": "string", "enum": list(review.DECISIONS)},
        "note": {
            "type": "string",
            "maxLength": review.NOTE_LIMIT,
            "description": "说明；不通过（reject）时必填",
        },
        "expected": {
            "type": "string",
            "enum": list(MODERATION_STATES),
            "description": "页面显示时的审阅状态；若已被他人改动，返回 409 feedback_changed",
        },
    },
}
PNG = {"type": "string", "format": "binary"}
_CARD_PICK = [
    _query(
        "kind",
        {"type": "string", "enum": list(KINDS)},
        "只要一种：member 结对党员（在岗且已结对的）、team 服务队、activity 活动；不填为全部",
    ),
    _query("team_id", {"type": "integer", "minimum": 1}, "只要这个服务队的；不填为全部服务队"),
    _query("from", {"type": "string", "format": "date"}, "活动开始日期起（含，北京时间）"),
    _query("to", {"type": "string", "format": "date"}, "活动开始日期止（含）"),
]
_CARDS_DESCRIPTION = (
    "按服务队排列：服务队的卡、队员的卡、活动的卡。名字（全名）印在虚线框外，裁下的卡片上"
    "只有“王同志”。日期只筛选活动（按开始日期，最多相隔 "
    f"{card_pick.WINDOW_MAX_DAYS} 天），不填日期时为今天及以后的活动；已取消的活动不出卡。"
    f"一次最多 {card_pick.CARDS_MAX} 张，超过时返回 400 too_many_cards；没有符合条件的卡时"
    "返回 404 no_cards；未配置公网地址时返回 409 public_url_missing。"
)

OPENAPI = {
    "/office/feedback": {
        "get": {
            "summary": "办公室：居民评价，新的在前",
            "description": (
                "评分 1–5 与留言。留言经本地过滤，发现不宜展示的词语时暂不展示"
                "（moderation 为 pending，held_reason 为 content_filter）；同一对象一小时内"
                "新评价超过设定数量时，其后的评价也暂不展示（held_reason 为 burst）。"
                "暂不展示的评价由办公室通过或不通过，之前不计入平均分和季度报告；"
                "其余评价提交即通过，队长可以看到。"
            ),
            "parameters": [
                _query("team_id", {"type": "integer", "minimum": 1}, "服务队"),
                _query(
                    "moderation", {"type": "string", "enum": list(MODERATION_STATES)}, "审阅状态"
                ),
                *_DATES,
                _query(
                    "held_first",
                    {"type": "boolean", "default": False},
                    "暂不展示（待审阅）的评价排在前面，其余仍按时间新的在前",
                ),
                *_PAGE,
            ],
            "responses": openapi.ok("一页居民评价", openapi.page_of(OFFICE_SCHEMA)),
        }
    },
    "/office/feedback/{feedback_id}": {
        "post": {
            "summary": "办公室：通过或不通过一条居民评价（记录审阅人和时间）",
            "description": (
                "不通过须写明原因。相同结论再次提交（不带说明或说明相同）不重复记录；"
                "每次审阅记入审计日志。只有通过的评价计入季度报告，队长也只看到通过的。"
                "带上 expected（页面显示时的审阅状态）时，若这条评价已被他人改为其他状态，"
                "不作改动并返回 409 feedback_changed。"
            ),
            "parameters": [_path("feedback_id", {"type": "integer"})],
            "requestBody": openapi.json_body(DECISION_BODY),
            "responses": openapi.ok("审阅后的评价", OFFICE_SCHEMA),
        }
    },
    "/office/feedback/qr/{kind}/{target_id}": {
        "get": {
            "summary": "办公室：某个评价对象的二维码（PNG），居民扫码即可评价",
            "description": (
                "二维码指向 feedback.public_url 下的 /r/<code>；code 随机生成，每个对象一个。"
                "未配置公网地址时返回 409 public_url_missing。已离队的党员（409 member_left）"
                "和已取消的活动（409 activity_cancelled）不提供二维码：居民扫码只会看到“无需评价”。"
            ),
            "parameters": [
                _path("kind", {"type": "string", "enum": list(KINDS)}),
                _path("target_id", {"type": "integer"}),
            ],
            "responses": openapi.ok("二维码 PNG", PNG)
            | {"200": {"description": "二维码 PNG", "content": {"image/png": {"schema": PNG}}}},
        }
    },
    "/office/feedback/cards.pdf": {
        "get": {
            "summary": "办公室：批量打印评价卡（A4 PDF，每页 6 张，沿虚线裁开）",
            "description": _CARDS_DESCRIPTION,
            "parameters": _CARD_PICK,
            "responses": openapi.download("评价卡 PDF（A4）", "application/pdf"),
        }
    },
    "/office/feedback/cards.zip": {
        "get": {
            "summary": "办公室：批量下载评价卡图片（PNG 的 ZIP 压缩包，顺序与 PDF 相同）",
            "description": _CARDS_DESCRIPTION,
            "parameters": _CARD_PICK,
            "responses": openapi.download("评价卡 PNG 压缩包", "application/zip"),
        }
    },
    "/me/feedback": {
        "get": {
            "summary": "我的居民评价：结对家庭等居民对本人的评价（已通过的），及条数和平均分",
            "parameters": [*_DATES, *_PAGE],
            "responses": openapi.ok("一页居民评价及平均分", MINE_SCHEMA),
        }
    },
    "/team/feedback": {
        "get": {
            "summary": "居民评价：队长看本队已通过的评价（本队、队员和本队活动），办公室用 team_id",
            "description": "不含居民的任何信息；被过滤暂缓展示或未通过的评价不列出。",
            "parameters": [
                _query("team_id", {"type": "integer", "minimum": 1}, "办公室必填；队长可省略"),
                *_DATES,
                *_PAGE,
            ],
            "responses": openapi.ok("一页居民评价及平均分", TEAM_SCHEMA),
        }
    },
}
