"""Check-in and check-out from the mini-program: parse the form, call the service, answer
with the register entry."""

from pathlib import Path

from flask import current_app, jsonify, request

from services import checkin, clock
from services.checkin_rules import COORD_TYPES, CheckinRules, Point
from services.checkin_targets import TARGET_KINDS, target_of
from services.errors import DomainError, Invalid
from services.rows import MAX_ID

from . import bp, openapi, record_json
from .auth import actor, requires
from .request import field, form_value, json_body
from .rules import checkin_rules


def _target():
    """An activity id, or 'visit' / 'individual' from the kind field."""
    kind = form_value("kind", str, required=False, default="activity")
    return target_of(kind, form_value("activity_id", int, required=False))


def _form_point() -> Point:
    return Point(
        lat=form_value("lat", float),
        lng=form_value("lng", float),
        coord=form_value("coord", str),
        accuracy_m=form_value("accuracy", float, required=False),
    )


def _photo(rules: CheckinRules) -> bytes:
    upload = request.files.get("photo")
    if upload is None:
        raise Invalid("请拍摄或选择一张照片。", "missing_photo")
    return upload.read(rules.max_photo_bytes + 1)  # one byte over is enough to refuse


def _details() -> dict:
    return {name: request.form.get(name) for name in checkin.TEXT_LIMITS}


class NotAForm(DomainError):
    status, code = 415, "not_multipart"


def _require_readable_form() -> None:
    """Invalid for a form with nothing in it. The request parser reads a body it cannot
    parse (no boundary, cut off on the way) as an empty form, which would otherwise be
    answered as if the member had not picked an activity."""
    if not request.form and not request.files:
        raise Invalid("上传内容不完整，请重新提交。", "bad_upload")


@bp.post("/checkins")
@requires("member")
def create_checkin():
    if request.mimetype != "multipart/form-data":  # a photo only travels in a form
        raise NotAForm("签到须以表单（multipart/form-data）上传照片和位置。")
    _require_readable_form()
    rules = checkin_rules()
    result = checkin.check_in(
        actor(),
        _target(),
        _form_point(),
        _photo(rules),
        form_value("request_id", str),
        clock.now_utc(),
        rules,
        Path(current_app.config["SETTINGS"].storage.photo_dir),
        source="mp",
        details=_details(),
    )
    return jsonify(record_json.record(result.record)), 201 if result.created else 200


def _json_point() -> Point | None:
    """The check-out position from an optional JSON body; no body or no lat/lng: none."""
    if not request.get_data():
        return None
    data = json_body()
    if data.get("lat") is None and data.get("lng") is None:
        return None
    return Point(
        lat=field(data, "lat", float),
        lng=field(data, "lng", float),
        coord=field(data, "coord", str),
        accuracy_m=field(data, "accuracy", float, required=False),
    )


@bp.post("/checkins/<int:record_id>/checkout")
@requires("member")
def checkout(record_id: int):
    point = _json_point()
    record = checkin.check_out(actor(), record_id, point, clock.now_utc(), checkin_rules())
    return jsonify(record_json.record(record))


_TEXT = {"type": "string"}
CHECKIN_FORM = {
    "type": "object",
    "required": ["lat", "lng", "coord", "photo", "request_id"],
    "properties": {
        "activity_id": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_ID,
            "description": "集中活动或临时任务",
        },
        "kind": {
            "type": "string",
            "enum": ["activity", *TARGET_KINDS],
            "default": "activity",
            "description": "visit：结对走访；individual：分散活动（均不带 activity_id）",
        },
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lng": {"type": "number", "minimum": -180, "maximum": 180},
        "coord": {"type": "string", "enum": list(COORD_TYPES)},
        "accuracy": {"type": "number", "minimum": 0, "description": "定位精度（米）"},
        "photo": {"type": "string", "format": "binary", "description": "JPG/PNG/WebP"},
        "request_id": {
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
            "pattern": "^[\\x21-\\x7e]+$",
            "description": "客户端生成；重试时不变，服务端据此去重",
        },
        "content": _TEXT | {"maxLength": checkin.TEXT_LIMITS["content"]},
        "target": _TEXT | {"maxLength": checkin.TEXT_LIMITS["target"]},
        "outcome": _TEXT | {"maxLength": checkin.TEXT_LIMITS["outcome"]},
    },
}
CHECKOUT_BODY = {
    "type": "object",
    "description": (
        "签退位置，可不给（无请求体，或不带 lat/lng）；给出位置时 lat、lng、coord 三项都要给"
    ),
    "properties": {
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lng": {"type": "number", "minimum": -180, "maximum": 180},
        "coord": {
            "type": "string",
            "enum": list(COORD_TYPES),
            "description": "给出 lat/lng 时必填：wx.getLocation 的 type（默认 wgs84）",
        },
        "accuracy": {"type": "number", "minimum": 0},
    },
}
_RECORD_RESPONSE = {"content": {"application/json": {"schema": record_json.RECORD_SCHEMA}}}

OPENAPI = {
    "/checkins": {
        "post": {
            "summary": "签到：拍照 + 定位；同一 request_id 重试返回同一条记录",
            "requestBody": {
                "required": True,
                "content": {"multipart/form-data": {"schema": CHECKIN_FORM}},
            },
            "responses": openapi.ok("已签到", record_json.RECORD_SCHEMA, "201")
            | {
                "200": {"description": "重复请求，返回原记录"} | _RECORD_RESPONSE,
                "400": openapi.error(
                    "参数错误；bad_upload：表单无法读取（缺少 boundary 或内容不完整），请重新提交"
                ),
                "409": openapi.error("已签到未签退、活动已取消或不在签到时间"),
                "413": openapi.error("上传内容太大"),
                "415": openapi.error("不是 multipart/form-data 表单"),
            },
        }
    },
    "/checkins/{record_id}/checkout": {
        "post": {
            "summary": "签退：计算服务时长；重复签退返回原记录",
            "description": (
                "空白时由系统填入：集中活动的服务内容为「参加「活动名称」」，"
                "结对走访的服务对象为「结对家庭 王**户」；已填写的内容不会被覆盖。"
                "本人已签退的记录再次签退返回 200 与原记录；已由系统自动签退的记录返回 "
                "409 auto_checked_out（服务时长只能由办公室更正："
                "PATCH /records/{id}，须填 reason）；办公室更正服务时长时已结束签到的记录返回 "
                "409 office_checked_out（以办公室核定的时长为准）；未通过审核（已退回）的记录返回 "
                "409 record_rejected（与补填登记相同的提示，说明联系队长或办公室）。"
            ),
            "parameters": [
                {
                    "name": "record_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer"},
                }
            ],
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": CHECKOUT_BODY}},
            },
            "responses": openapi.ok("已签退", record_json.RECORD_SCHEMA)
            | {
                "409": openapi.error(
                    "auto_checked_out：已由系统自动签退；"
                    "office_checked_out：办公室已核定服务时长并结束签到；"
                    "record_rejected：记录未通过审核，不能签退"
                )
            },
        }
    },
}
