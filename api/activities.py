"""Activities: the list and detail a member sees, scheduling by leaders and the office,
and enrolment. Times come in as ISO 8601 (an offset, or none meaning Shanghai time)."""

from datetime import datetime

from flask import current_app, jsonify, request

from models import Activity
from services import activities, activity_creators, activity_enrolments, checkin_window, clock
from services.errors import Invalid
from services.field_labels import label

from . import bp, openapi
from .auth import actor, requires
from .request import field, json_body, moment, not_a_time, query_date
from .rules import checkin_rules
from .serialize import coordinate, iso

FIELD_TYPES = {
    "title": str,
    "category": str,
    "kind": str,
    "description": str,
    "place": str,
    "starts_at": str,
    "ends_at": str,
    "lat": float,
    "lng": float,
    "coord": str,
    "radius_m": int,
    "capacity": int,
    "team_id": int,
    "community_id": int,
    "member_ids": list,
}
NULLABLE = {"radius_m", "capacity"}  # null: no limit of our own (capacity), the default radius


def activity_json(a: Activity, now: datetime) -> dict:
    status = activities.phase(a, now)
    window = checkin_window.window_of(a.starts_at, a.ends_at, checkin_rules())
    return {
        "id": a.id,
        "title": a.title,
        "category": a.category,
        "category_name": activities.CATEGORY_NAMES.get(a.category, a.category),
        "kind": a.kind,
        "kind_name": activities.KIND_NAMES.get(a.kind, a.kind),
        "description": a.description,
        "starts_at": iso(a.starts_at),
        "ends_at": iso(a.ends_at),
        "checkin_opens_at": iso(window.opens_at),
        "checkin_closes_at": iso(window.closes_at),
        "place": a.place,
        "lat": coordinate(a.lat),
        "lng": coordinate(a.lng),
        "coord": a.coord_type,
        "radius_m": a.radius_m,
        "capacity": a.capacity,
        "enrolled_count": a.enrolled_count,
        "enrolled": bool(a.is_enrolled),
        "assigned": bool(a.is_assigned),
        "status": status,
        "status_name": activities.STATUS_NAMES[status],
        "cancel_reason": a.cancel_reason,
        "team": {"id": a.team.id, "name": a.team.name} if a.team_id else None,
        "created_by": creator_json(activity_creators.creator(a)),
    }


def creator_json(c: activity_creators.Creator | None) -> dict | None:
    if c is None:
        return None
    return {"id": c.member_id, "name": c.name, "role": c.role, "role_name": c.role_name}


def _fields(data: dict) -> dict:
    """The body's fields, typed; which of them an operation accepts (unknown ones included)
    is the service's call."""
    fields = {}
    for name, value in data.items():
        untyped = name not in FIELD_TYPES or (value is None and name in NULLABLE)
        fields[name] = value if untyped else field(data, name, FIELD_TYPES[name])
    for name in ("starts_at", "ends_at"):
        if name in fields:
            fields[name] = moment(fields[name])
            if fields[name] is None:
                raise Invalid(not_a_time(name), "bad_time")
    ids = fields.get("member_ids", [])
    if any(not isinstance(i, int) or isinstance(i, bool) for i in ids):
        raise Invalid(f"{label('member_ids')}应为党员编号的列表。", "bad_field")
    return fields


def _quiet_hours() -> str:
    """When members are not disturbed by the notices a schedule change sends them."""
    return current_app.config["SETTINGS"].rules.quiet_hours


@bp.get("/activities")
@requires("member", "office")
def list_activities():
    now, start, end = clock.now_utc(), query_date("from"), query_date("to")
    first, last = activities.resolve_window(start, end, now)
    found = activities.list_activities(actor(), first, last, now)
    items = [activity_json(a, now) for a in found]
    return jsonify({"from": first.isoformat(), "to": last.isoformat(), "activities": items})


@bp.get("/activities/<int:id>")
@requires("member", "office")
def get_activity(id):
    found = activities.get_activity(actor(), id)
    body = activity_json(found, clock.now_utc())
    listed = activity_enrolments.enrollees(actor(), found)
    if listed is not None:  # the team's leader and the office; members see the count only
        body["enrolled_members"] = [enrollee_json(e) for e in listed]
    return jsonify(body)


def enrollee_json(e: activity_enrolments.Enrollee) -> dict:
    return {
        "id": e.member_id,
        "name": e.name,
        "assigned": e.assigned,
        "checked_in": e.checked_in,
        "enrolled": e.enrolled,
        "registered_by_leader": e.registered_by_leader,
    }


@bp.post("/activities")
@requires("member", "office")
def create_activity():
    now = clock.now_utc()
    created = activities.create_activity(actor(), _fields(json_body()), now, _quiet_hours())
    return jsonify(activity_json(created, now)), 201


@bp.patch("/activities/<int:id>")
@requires("member", "office")
def update_activity(id):
    now = clock.now_utc()
    fields = _fields(json_body())
    updated = activities.update_activity(actor(), id, fields, now, _quiet_hours(), checkin_rules())
    return jsonify(activity_json(updated, now))


@bp.post("/activities/<int:id>/cancel")
@requires("member", "office")
def cancel_activity(id):
    reason = field(json_body(), "reason", str, False, "") if request.get_data() else ""
    now = clock.now_utc()
    cancelled = activities.cancel_activity(actor(), id, reason, now, _quiet_hours())
    return jsonify(activity_json(cancelled, now))


@bp.post("/activities/<int:id>/enrollment")
@requires("member")
def enroll(id):
    now = clock.now_utc()
    result = activities.enroll(actor(), id, now)
    return jsonify(activity_json(result.activity, now)), 201 if result.created else 200


@bp.delete("/activities/<int:id>/enrollment")
@requires("member")
def unenroll(id):
    now = clock.now_utc()
    return jsonify(activity_json(activities.unenroll(actor(), id, now), now))


def _ref(description: str) -> dict:
    return {
        "type": "object",
        "nullable": True,
        "description": description,
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    }


_INT, _NUM, _STR = {"type": "integer"}, {"type": "number"}, {"type": "string"}
CREATOR_SCHEMA = {
    "type": "object",
    "nullable": True,
    "description": "发布者：队长或办公室（小程序可显示为“name（role_name）”）；"
    "null 为不知道由谁发布（如早期数据）",
    "required": ["id", "name", "role", "role_name"],
    "properties": {
        "id": {
            "type": "integer",
            "nullable": True,
            "description": "发布的队长的党员编号；办公室发布的为 null",
        },
        "name": {"type": "string", "description": "队长姓名，或办公室账号的显示名称"},
        "role": {
            "type": "string",
            "enum": list(activity_creators.ROLE_NAMES),
            "description": "发布时的身份：leader 队长，office 办公室",
        },
        "role_name": {"type": "string", "enum": list(activity_creators.ROLE_NAMES.values())},
    },
}
_TIME = {"type": "string", "format": "date-time"}
ACTIVITY_SCHEMA = {
    "type": "object",
    "required": [
        "id",
        "title",
        "category",
        "kind",
        "starts_at",
        "ends_at",
        "checkin_opens_at",
        "checkin_closes_at",
        "status",
    ],
    "properties": {
        "id": _INT,
        "title": _STR,
        "category": {"type": "string", "enum": list(activities.CATEGORY_NAMES)},
        "category_name": _STR,
        "kind": {"type": "string", "enum": list(activities.KIND_NAMES)},
        "kind_name": _STR,
        "description": _STR,
        "starts_at": _TIME,
        "ends_at": _TIME,
        "checkin_opens_at": _TIME
        | {
            "description": "签到开始时间（按签到规则，默认开始前 30 分钟）；此前不久签到会被标记为"
            "不在活动时间内，再早（超出 checkin_hard_limit_hours）为 409 checkin_not_open，"
            "提示中附上此时间"
        },
        "checkin_closes_at": _TIME
        | {
            "description": "签到截止时间（默认结束后 30 分钟）；此后不久签到会被标记，"
            "再晚为 409 checkin_closed，提示中附上此时间"
        },
        "place": _STR,
        "lat": {"type": "number", "nullable": True},
        "lng": {"type": "number", "nullable": True},
        "coord": {"type": "string", "enum": ["gcj02"]},
        "radius_m": {"type": "integer", "nullable": True, "description": "null：按默认签到范围"},
        "capacity": {"type": "integer", "nullable": True, "description": "null：不限人数"},
        "enrolled_count": _INT,
        "enrolled": {"type": "boolean", "description": "调用者是否已报名（或被指派）"},
        "assigned": {
            "type": "boolean",
            "description": "调用者是否由队长或办公室指派：被指派的不能自行取消报名（409 assigned）",
        },
        "status": {"type": "string", "enum": list(activities.STATUS_NAMES)},
        "status_name": _STR,
        "cancel_reason": {"type": "string", "description": "取消原因；未取消或未填写时为空"},
        "team": _ref("所属服务队；null 为办公室发布的活动或任务"),
        "created_by": CREATOR_SCHEMA,
    },
}
ENROLLEE_SCHEMA = {
    "type": "object",
    "required": ["id", "name", "assigned", "checked_in", "enrolled", "registered_by_leader"],
    "properties": {
        "id": _INT,
        "name": _STR,
        "assigned": {"type": "boolean", "description": "由队长或办公室指派；false 为本人报名"},
        "checked_in": {"type": "boolean", "description": "已签到（或已由队长代为登记）"},
        "enrolled": {
            "type": "boolean",
            "description": "已报名；false 为未报名、由队长代为登记出勤的党员",
        },
        "registered_by_leader": {"type": "boolean", "description": "出勤由队长代为登记"},
    },
}
DETAIL_SCHEMA = {
    **ACTIVITY_SCHEMA,
    "properties": {
        **ACTIVITY_SCHEMA["properties"],
        "enrolled_members": {
            "type": "array",
            "items": ENROLLEE_SCHEMA,
            "description": "参加的党员：已报名的按报名先后，其后是未报名、由队长代为登记出勤的；"
            "仅本队队长和办公室可见，队员只看到人数",
        },
    },
}
_WRITE_PROPERTIES = {
    "title": {"type": "string", "minLength": 1, "maxLength": 100},
    "category": {"type": "string", "enum": list(activities.CATEGORY_NAMES)},
    "kind": {"type": "string", "enum": list(activities.KIND_NAMES)},
    "description": {"type": "string", "maxLength": 2000},
    "place": {"type": "string", "maxLength": 200},
    "starts_at": {"type": "string", "description": "ISO 8601；不带时区按北京时间"},
    "ends_at": {"type": "string", "description": "ISO 8601；不带时区按北京时间，晚于开始"},
    "lat": _NUM,
    "lng": _NUM,
    "coord": {"type": "string", "enum": ["gcj02", "wgs84"], "default": "gcj02"},
    "radius_m": {"type": "integer", "minimum": 20, "maximum": 5000, "nullable": True},
    "capacity": {"type": "integer", "minimum": 1, "maximum": 200, "nullable": True},
}
_CREATE_ONLY = {
    "team_id": {"type": "integer", "description": "办公室指定服务队；队长只能是本队"},
    "community_id": {
        "type": "integer",
        "description": "默认为服务队的结对社区；队长只能是本队的结对社区（否则 403 "
        "other_community），办公室可指定任一社区；发布后不能再改",
    },
    "member_ids": {"type": "array", "items": _INT, "description": "指派的党员（临时突击任务）"},
}
CREATE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "starts_at", "ends_at"],
    "properties": _WRITE_PROPERTIES | _CREATE_ONLY,
}
UPDATE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": _WRITE_PROPERTIES,
}
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_CONFLICT = {"409": openapi.error("与活动当前状态冲突")}
_ACTIVITY = openapi.ok("活动", ACTIVITY_SCHEMA)
OPENAPI = {
    "/activities": {
        "get": {
            "summary": "我能看到的活动（本队、公开的、指派给我的），按开始时间排序",
            "parameters": [
                {"name": n, "in": "query", "schema": {"type": "string", "format": "date"}}
                for n in ("from", "to")
            ],
            "responses": openapi.ok(
                "活动列表",
                {
                    "type": "object",
                    "required": ["from", "to", "activities"],
                    "properties": {
                        "from": {"type": "string", "format": "date"},
                        "to": {"type": "string", "format": "date"},
                        "activities": {"type": "array", "items": ACTIVITY_SCHEMA},
                    },
                },
            ),
        },
        "post": {
            "summary": "发布活动（队长：本队；办公室：任意服务队，或指派党员的临时突击任务）",
            "requestBody": openapi.json_body(CREATE_SCHEMA),
            "responses": openapi.ok("已发布", ACTIVITY_SCHEMA, "201"),
        },
    },
    "/activities/{id}": {
        "get": {
            "summary": "活动详情（本队队长和办公室另见报名名单）",
            "parameters": _ID,
            "responses": openapi.ok("活动", DETAIL_SCHEMA),
        },
        "patch": {
            "summary": "修改活动（只传要改的字段）",
            "description": (
                "按值判断改了什么：原样传回的字段（时间按解析后的时刻、坐标换算为 GCJ-02 后"
                "相差不超过 0.000001 度）不算修改，整张表单传回只改说明也可以。"
                "活动一旦有人签到（或由队长代为登记），队长不能再改签到地点（lat、lng、coord）、"
                "签到范围 radius_m 和开始时间（409 activity_checked_in_locked），结束时间仍可改为"
                "以后的时间。活动结束后（含已取消而时间已过的），队长只能改说明 description，"
                "其余字段是登记记录的依据（409 activity_ended_locked）。以上两种情况由办公室更正；"
                "办公室更正已结束的活动时，时间须仍在过去（400 would_reopen）。"
                "签到地点、签到范围或时间改动后，已有的签到记录按改后的活动重新核对签到距离和"
                "相关异常标记（超出签到范围、签退超出范围、不在活动时间内、签退过晚），有变化的"
                "记录在其历史中记一行“重新核对”（recheck）；改后的时间若使已有的签到（已驳回的"
                "除外）落在签到本不会接受的时间，返回 409 checkins_outside_times。"
                "已取消而未结束的活动不能再改时间、地点（含签到位置）、签到范围、人数上限和"
                "活动形式（409 activity_closed），标题、类别和说明仍可修改。"
                "改了开始或结束时间、地点，或把签到点移动超过 100 米时，已报名和被指派的党员"
                "会收到“活动有变更”通知（修改者本人不会收到自己所改的内容，只会收到此前他人"
                "所改、尚未通知到本人的部分）；短时间内连续修改只发一条。"
            ),
            "parameters": _ID,
            "requestBody": openapi.json_body(UPDATE_SCHEMA),
            "responses": _ACTIVITY | _CONFLICT,
        },
    },
    "/activities/{id}/cancel": {
        "post": {
            "summary": "取消活动并通知已报名和被指派的党员（重复取消无副作用，不再通知）",
            "description": (
                "已取消的活动再次取消：原因相同或不填原因（重试）时照常返回 200；"
                "原因不同时返回 409 activity_cancelled，提示中附上当初的取消原因，原因不变。"
            ),
            "parameters": _ID,
            "requestBody": {
                "required": False,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {"reason": {"type": "string", "maxLength": 200}},
                        }
                    }
                },
            },
            "responses": _ACTIVITY | _CONFLICT,
        }
    },
    "/activities/{id}/enrollment": {
        "post": {
            "summary": "报名（首次 201，重复 200）",
            "parameters": _ID,
            "responses": openapi.ok("已报名", ACTIVITY_SCHEMA, "201")
            | {"200": {"description": "此前已报名", "content": _ACTIVITY["200"]["content"]}}
            | _CONFLICT,
        },
        "delete": {
            "summary": "取消报名（未报名时无副作用；已签到或被指派的不能取消）",
            "parameters": _ID,
            "responses": _ACTIVITY | _CONFLICT,
        },
    },
}
