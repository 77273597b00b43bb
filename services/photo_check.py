"""Doubts about a check-in photo: the same picture handed in before, a near copy of one, or a
camera clock far from the time of the check-in. Each doubt is a flag for a leader to look at,
never a refusal: a group photo shared among the team is legitimate, a recycled one is not,
and only a person can tell them apart.
"""

from datetime import datetime

from models import Photo, ServiceRecord
from models.prepared import Prepared

from .checkin_rules import CheckinRules, is_exif_time_off
from .photos import StoredPhoto, hamming

# How many of a member's earlier photos a near-copy search looks at (newest first); years of
# monthly visits stay well under it.
SIMILAR_SEARCH_LIMIT = 500


def photo_flags(
    stored: StoredPhoto,
    member_id: int,
    activity_id: int | None,
    now: datetime,
    rules: CheckinRules,
) -> list[str]:
    """The flags a new photo earns, in a stable order."""
    flags = []
    if is_reused(stored.sha256):
        flags.append("photo_reused")
    elif is_similar(stored, member_id, activity_id, rules.similar_max_bits):
        flags.append("photo_similar")
    if is_exif_time_off(stored.exif_taken_at, now, rules):
        flags.append("exif_time_off")
    return flags


_BY_SHA = Prepared(lambda p: Photo.select(Photo.id).where(Photo.sha256 == p.sha256).limit(1))
_MEMBER_HASHES = Prepared(
    lambda p: (
        Photo.select(Photo.phash)
        .join(ServiceRecord)
        .where(ServiceRecord.member == p.member)
        .order_by(Photo.id.desc())
        .limit(SIMILAR_SEARCH_LIMIT)
    )
)
_ACTIVITY_HASHES = Prepared(
    lambda p: (
        Photo.select(Photo.phash).join(ServiceRecord).where(ServiceRecord.activity == p.activity)
    )
)


def is_reused(sha256: str) -> bool:
    """True when these exact bytes were handed in before, by anyone: the same file from two
    phones or for two services is never a coincidence. (The sha256 column is indexed.)"""
    return _BY_SHA.first(sha256=sha256) is not None


def is_similar(stored: StoredPhoto, member_id: int, activity_id: int | None, max_bits: int) -> bool:
    """True when the picture is a near copy (re-encoded, resized, lightly edited) of one of the
    member's earlier photos or of another photo of the same activity."""
    hashes = _MEMBER_HASHES.column(member=member_id)  # hex text: nothing to convert
    if activity_id is not None:
        hashes += _ACTIVITY_HASHES.column(activity=activity_id)
    return any(hamming(stored.phash, phash) <= max_bits for phash in hashes)
