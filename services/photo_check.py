"""Doubts about a check-in photo: the same picture handed in before, a near copy of one, or a
camera clock far from the time of the check-in. Each doubt is a flag for a leader to look at,
never a refusal: a group photo shared among the team is legitimate, a recycled one is not,
and only a person can tell them apart.
"""

from dataclasses import dataclass
from datetime import datetime

from models import Photo, ServiceRecord
from models.prepared import Prepared, Sent

from .checkin_rules import CheckinRules, is_exif_time_off
from .photos import StoredPhoto, hamming

# How many of a member's earlier photos a near-copy search looks at (newest first); years of
# monthly visits stay well under it.
SIMILAR_SEARCH_LIMIT = 500

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


@dataclass(frozen=True)
class Earlier:
    """The register's photos a new one is compared with, asked for and not read yet: sent
    inside `pipelined()` together with a check-in's other questions, they cost one round
    trip on PostgreSQL."""

    same_bytes: Sent
    member_hashes: Sent
    activity_hashes: Sent | None

    def hashes(self) -> list[str]:
        """The earlier photos' perceptual hashes (hex text: nothing to convert)."""
        hashes = self.member_hashes.column()
        if self.activity_hashes is not None:
            hashes += self.activity_hashes.column()
        return hashes


def ask(sha256: str, member_id: int, activity_id: int | None) -> Earlier:
    """Send the questions: the same bytes handed in by anyone (the sha256 column is indexed),
    and the perceptual hashes of the member's newest photos and of the activity's photos."""
    return Earlier(
        _BY_SHA.send(sha256=sha256),
        _MEMBER_HASHES.send(member=member_id),
        None if activity_id is None else _ACTIVITY_HASHES.send(activity=activity_id),
    )


def photo_flags(
    stored: StoredPhoto,
    member_id: int,
    activity_id: int | None,
    now: datetime,
    rules: CheckinRules,
    earlier: Earlier | None = None,
) -> list[str]:
    """The flags a new photo earns, in a stable order (`earlier`: the questions already sent).

    The same file handed in before, from two phones or for two services, is never a
    coincidence; a near copy (re-encoded, resized, lightly edited) of one of the member's
    earlier photos or of another photo of the same activity is worth a look."""
    earlier = earlier or ask(stored.sha256, member_id, activity_id)
    reused = earlier.same_bytes.first() is not None
    hashes = earlier.hashes()  # read every answer, needed or not
    flags = []
    if reused:
        flags.append("photo_reused")
    elif any(hamming(stored.phash, other) <= rules.similar_max_bits for other in hashes):
        flags.append("photo_similar")
    if is_exif_time_off(stored.exif_taken_at, now, rules):
        flags.append("exif_time_off")
    if min(stored.width, stored.height) < rules.min_photo_side_px:
        flags.append("photo_tiny")  # a thumbnail or a scrap of a picture shows no service
    return flags
