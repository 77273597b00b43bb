"""The JSON of a register entry, shared by the check-in and record endpoints."""

from flask import g

from models import Photo, ServiceRecord
from services import records
from services.photos import view_key

from .photos import photo_url
from .serialize import iso

KIND_NAMES = {"activity": "集中活动", "visit": "结对走访", "individual": "分散活动"}
STATUS_NAMES = {
    "pending": "待完善",
    "verified": "已核验",
    "flagged": "待审核",
    "rejected": "未通过",
}


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


def record(r: ServiceRecord) -> dict:
    """Everything the member (or their leader, or the office) may see of an entry."""
    shown = may_see_location(r)
    return {
        "id": r.id,
        "member": {"id": r.member_id, "name": r.member.name},
        "kind": r.kind,
        "kind_name": KIND_NAMES.get(r.kind, r.kind),
        "activity": {"id": r.activity_id, "title": r.activity.title} if r.activity_id else None,
        "household_id": r.household_id,
        "checkin_at": iso(r.checkin_at),
        "checkout_at": iso(r.checkout_at),
        "duration_minutes": r.duration_minutes,
        "location": {
            "lat": r.checkin_lat if shown else None,
            "lng": r.checkin_lng if shown else None,
            "coord": r.checkin_coord_type,
            "accuracy_m": r.checkin_accuracy_m,
            "distance_m": r.distance_m,
        },
        "content": r.content,
        "target": r.target,
        "outcome": r.outcome,
        "status": r.status,
        "status_name": STATUS_NAMES.get(r.status, r.status),
        "flags": r.flags,
        "source": r.source,
        "registered_by": r.registered_by_id,
        "registration_reason": r.registration_reason,
        "review_comment": r.review_comment,
        "registered_by_leader": records.is_registered_by_leader(r),
        "photo_verified": records.is_photo_verified(r),
        "counts_toward_hours": records.counts_toward_hours(r),
        "photos": [photo(p, exact=shown) for p in r.photos],
    }


RECORD_SCHEMA = {
    "type": "object",
    "required": ["id", "kind", "status", "flags", "checkin_at", "photos"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": list(KIND_NAMES)},
        "status": {"type": "string", "enum": list(STATUS_NAMES)},
        "flags": {"type": "array", "items": {"type": "string"}},
        "checkin_at": {"type": "string", "format": "date-time"},
        "checkout_at": {"type": "string", "format": "date-time", "nullable": True},
        "duration_minutes": {"type": "integer", "nullable": True},
        "member": {"type": "object"},
        "kind_name": {"type": "string"},
        "activity": {"type": "object", "nullable": True},
        "household_id": {"type": "integer", "nullable": True},
        "location": {"type": "object"},
        "content": {"type": "string"},
        "target": {"type": "string"},
        "outcome": {"type": "string"},
        "status_name": {"type": "string"},
        "source": {"type": "string"},
        "registered_by": {"type": "integer", "nullable": True},
        "registration_reason": {"type": "string"},
        "review_comment": {"type": "string"},
        "registered_by_leader": {"type": "boolean"},
        "photo_verified": {"type": "boolean"},
        "counts_toward_hours": {"type": "boolean"},
        "photos": {"type": "array", "items": {"type": "object"}},
    },
}
