"""The JSON of a register entry, shared by the check-in and record endpoints."""

from flask import g

from models import Activity, Member, Photo, ServiceRecord
from models.record import RECORD_SOURCES
from services import activities, clock, records, service_kinds
from services.flags import FLAG_NAMES, flag_names
from services.hours_missing import MISSING, hours_hint, missing_for_hours
from services.photos import view_key
from services.record_names import COORD_NAMES, KIND_NAMES, STATUS_NAMES
from services.record_points import DATUM, checkin_point, checkout_point
from services.record_text import TEXT_FIELDS, shown_text
from services.register_words import registration_name, served_name

from .photos import photo_url
from .serialize import coordinate, iso


def photo(p: Photo, exact: bool) -> dict:
    """A photo's links; `exact` False: the full-size link is to a copy without the original's
    metadata, whose GPS would tell where the picture was taken."""
    return {
        "id": p.id,
        "url": photo_url(p.storage_key if exact else view_key(p.storage_key)),
        "thumb_url": photo_url(p.thumb_key),
        "width": p.width,
        "height": p.height,
        "taken_at": iso(p.exif_taken_at),
    }


LOCATION_FIELDS = ("checkin_lat", "checkin_lng", "checkout_lat", "checkout_lng")


def may_see_location(r: ServiceRecord) -> bool:
    """Where a visit happened is where a resident lives: only the office and the member who
    made the visit see its coordinates, in the entry or in its photo's GPS (leaders see
    whether it was in range, and the picture)."""
    viewer = g.get("actor")
    if r.kind != "visit" or viewer is None or viewer.is_office:
        return True
    return viewer.member is not None and viewer.member.id == r.member_id


def _person(m: Member) -> dict:
    return {"id": m.id, "name": m.name}


def _point(point: tuple[float, float] | None, shown: bool) -> dict:
    """A point in GCJ-02 (services.record_points), its datum named when there is one."""
    lat, lng = point if point and shown else (None, None)
    return {"lat": coordinate(lat), "lng": coordinate(lng), "coord": DATUM if point else None}


def _location(r: ServiceRecord, shown: bool) -> dict:
    """Where the member checked in, converted to GCJ-02 as the check-out's point is, so that
    a map shows both right; sent_coord keeps the datum the phone sent."""
    return _point(checkin_point(r), shown) | {
        "sent_coord": r.checkin_coord_type if r.checkin_lat is not None else None,
        "accuracy_m": r.checkin_accuracy_m,
        "distance_m": r.distance_m,
    }


def _activity(a: Activity) -> dict:
    """The activity as it stands now: a leader reviewing an entry sees that it was cancelled."""
    status = activities.phase(a, clock.now_utc())
    return {
        "id": a.id,
        "title": a.title,
        "kind": a.kind,
        "kind_name": activities.KIND_NAMES.get(a.kind, a.kind),
        "status": status,
        "status_name": activities.STATUS_NAMES[status],
        "cancel_reason": a.cancel_reason,
    }


def _hours(r: ServiceRecord) -> dict:
    """Whether the entry counts toward hours, and if not, what it still lacks."""
    missing = missing_for_hours(r)
    return {
        "counts_toward_hours": records.counts_toward_hours(r),
        "missing_for_hours": list(missing),
        "hours_hint": hours_hint(r, missing),
    }


def texts(r: ServiceRecord) -> dict:
    """content, target, outcome as the viewer may read them (services.record_text)."""
    return {name: shown_text(g.actor, r, getattr(r, name)) for name in TEXT_FIELDS}


def record(r: ServiceRecord) -> dict:
    """Everything the member (or their leader, or the office) may see of an entry."""
    shown = may_see_location(r)
    return {
        "id": r.id,
        "member": _person(r.member),
        "kind": r.kind,
        "counted_kind": service_kinds.counted_kind_of(r),
        "kind_name": service_kinds.kind_name(r),
        "activity": _activity(r.activity) if r.activity_id else None,
        "household_id": r.household_id,
        "served": served_name(r, g.actor.is_office),
        "checkin_at": iso(r.checkin_at),
        "checkout_at": iso(r.checkout_at),
        "duration_minutes": r.duration_minutes,
        "location": _location(r, shown),
        "checkout_location": _point(checkout_point(r), shown),
        **texts(r),
        "status": r.status,
        "status_name": records.status_name(r),
        "awaiting_review_by": records.awaiting_review_by(r),
        "flags": r.flags,
        "flag_names": flag_names(r.flags, r.kind),
        "source": r.source,
        "registered_by": _person(r.registered_by) if r.registered_by_id else None,
        "registration_reason": r.registration_reason,
        "registration_name": registration_name(r),
        "review_comment": r.review_comment,
        "registered_by_leader": records.is_registered_by_leader(r),
        "photo_verified": records.is_photo_verified(r),
        **_hours(r),
        "photos": [photo(p, exact=shown) for p in r.photos],
    }


_INT, _TEXT = {"type": "integer"}, {"type": "string"}
_NUMBER_OR_NULL = {"type": "number", "nullable": True}
_WHEN_OR_NULL = {"type": "string", "format": "date-time", "nullable": True}


def _object(required: list[str], **properties) -> dict:
    return {"type": "object", "required": required, "properties": properties}


PHOTO_SCHEMA = _object(
    ["id", "url", "thumb_url", "width", "height", "taken_at"],
    id=_INT,
    url=_TEXT | {"description": "相对于接口主机的签名链接，过期失效；重新获取记录即得新链接"},
    thumb_url=_TEXT | {"description": "缩略图的签名链接，同上"},
    width=_INT,
    height=_INT,
    taken_at=_WHEN_OR_NULL | {"description": "照片 EXIF 中的拍摄时间"},
)
_COORD = {"type": "string", "nullable": True, "enum": [DATUM, None]}
LOCATION_SCHEMA = _object(
    ["lat", "lng", "coord", "sent_coord", "accuracy_m", "distance_m"],
    lat=_NUMBER_OR_NULL
    | {"description": "签到纬度（GCJ-02，与签退位置同一坐标系）；队长查看走访记录时为 null"},
    lng=_NUMBER_OR_NULL | {"description": "签到经度；同上"},
    coord=_COORD | {"description": "lat、lng 的坐标系：gcj02；没有签到位置（队长代为登记）为 null"},
    sent_coord={
        "type": "string",
        "nullable": True,
        "enum": [*COORD_NAMES, None],
        "description": "签到时手机发送的坐标系（gcj02 或 wgs84），已换算为 GCJ-02 返回；"
        "没有签到位置为 null",
    },
    accuracy_m=_NUMBER_OR_NULL | {"description": "定位精度（米）"},
    distance_m=_NUMBER_OR_NULL
    | {"description": "距服务地点（走访：距结对家庭）（米）；地点未知时为 null"},
)
CHECKOUT_LOCATION_SCHEMA = _object(
    ["lat", "lng", "coord"],
    lat=_NUMBER_OR_NULL
    | {"description": "签退纬度（GCJ-02）；签退时未发送位置或队长查看走访记录时为 null"},
    lng=_NUMBER_OR_NULL | {"description": "签退经度；同上"},
    coord=_COORD | {"description": "gcj02；签退时未发送位置为 null"},
)
ACTIVITY_SCHEMA = _object(
    ["id", "title", "kind", "kind_name", "status", "status_name", "cancel_reason"],
    id=_INT,
    title=_TEXT,
    kind={"type": "string", "enum": list(activities.KIND_NAMES)},
    kind_name=_TEXT,
    status={"type": "string", "enum": list(activities.STATUS_NAMES)}
    | {"description": "活动现在的状态；签到后被取消的活动为 cancelled（已取消）"},
    status_name=_TEXT,
    cancel_reason=_TEXT | {"description": "取消原因；未取消或未说明为空字符串"},
)
_MASKED_TEXT = (
    "办公室、记录本人和代为登记的队长看到原文；其他人（本队队长）看到的结对家庭户主姓名、"
    "地址、电话和文中的手机号已部分隐藏，与导出的登记簿相同"
)
PERSON_SCHEMA = _object(["id", "name"], id=_INT, name=_TEXT)
RECORD_SCHEMA = {
    "type": "object",
    "required": ["id", "kind", "status", "flags", "flag_names", "checkin_at", "photos"],
    "properties": {
        "id": _INT,
        "kind": {"type": "string", "enum": list(KIND_NAMES)},
        "status": {"type": "string", "enum": list(STATUS_NAMES)},
        "flags": {
            "type": "array",
            "items": {"type": "string", "enum": list(FLAG_NAMES)},
            "description": "需队长审核的原因（代码）",
        },
        "flag_names": {
            "type": "array",
            "items": {"type": "string"},
            "description": (
                "flags 的中文说明，顺序与 flags 相同（走访按走访的说法，如“位置离结对家庭较远”）"
            ),
        },
        "checkin_at": {"type": "string", "format": "date-time"},
        "checkout_at": _WHEN_OR_NULL,
        "duration_minutes": {"type": "integer", "nullable": True},
        "member": PERSON_SCHEMA,
        "counted_kind": {
            "type": "string",
            "enum": list(service_kinds.KINDS),
            "description": "计入哪类服务，与“我的统计”by_kind、季度报告和年度考核同一口径："
            "发布为分散活动的活动签到计为 individual（分散活动），不随 kind 记为 activity",
        },
        "kind_name": _TEXT | {"description": "counted_kind 的中文：集中活动、结对走访、分散活动"},
        "activity": ACTIVITY_SCHEMA | {"nullable": True},
        "household_id": {"type": "integer", "nullable": True},
        "served": _TEXT
        | {
            "description": "活动/对象，与导出的登记簿同一说法：活动名称，或走访的结对家庭"
            "（如“结对家庭 杨玉珍户”；户主姓名只有办公室看到全名，其他人看到的已部分隐藏，"
            "如“结对家庭 杨**户”）；两者都没有时为这类服务的名称，如“个人服务（分散活动）”"
        },
        "location": LOCATION_SCHEMA,
        "checkout_location": CHECKOUT_LOCATION_SCHEMA,
        "content": _TEXT | {"description": "服务内容；" + _MASKED_TEXT},
        "target": _TEXT | {"description": "服务对象；同上"},
        "outcome": _TEXT | {"description": "取得成效；同上"},
        "status_name": _TEXT
        | {"description": "待审核的记录写明等谁审核：待队长审核、待办公室审核"},
        "awaiting_review_by": {
            "type": "string",
            "enum": list(records.REVIEWERS),
            "nullable": True,
            "description": "待谁审核：leader 本队队长；office 办公室（队长本人的记录、"
            "队长代为登记的记录）；已核验或未通过时为 null",
        },
        "source": {"type": "string", "enum": list(RECORD_SOURCES)},
        "registered_by": PERSON_SCHEMA
        | {"nullable": True, "description": "代为登记的队长；队员本人签到的记录为 null"},
        "registration_reason": _TEXT,
        "registration_name": _TEXT
        | {"description": "登记方式，与导出的登记簿同一说法：本人签到，或“队长某某代登记：原因”"},
        "review_comment": _TEXT,
        "registered_by_leader": {"type": "boolean"},
        "photo_verified": {"type": "boolean"},
        "counts_toward_hours": {
            "type": "boolean",
            "description": "是否计入服务时长：已签退，服务内容、服务对象、取得成效都已填写，"
            "且未被驳回；未计入的记录见 missing_for_hours 和 hours_hint",
        },
        "missing_for_hours": {
            "type": "array",
            "items": {"type": "string", "enum": list(MISSING)},
            "description": "计入服务时长还缺什么：checkout 签退，target 服务对象，"
            "content 服务内容，outcome 取得成效；已计入或已驳回时为空。"
            "未签退的记录不列签退时自动填写的项（集中活动的服务内容、走访的服务对象）",
        },
        "hours_hint": _TEXT
        | {
            "description": "可直接显示的提示，如"
            "“还需填写：服务对象、取得成效，填写后计入服务时长”；已驳回为“记录未通过审核，不计入服务时长”；已计入时为空字符串"
        },
        "photos": {"type": "array", "items": PHOTO_SCHEMA},
    },
}
