"""The service register (登记): one entry per service, and the photos that prove it."""

import peewee as pw

from .activity import Activity
from .base import BaseModel, JSONField
from .roster import Household, Member

RECORD_KINDS = ("activity", "visit", "individual")
RECORD_STATUSES = ("pending", "verified", "flagged", "rejected")
# A review's decisions and the statuses they set; those statuses settle an entry, while
# 'pending' and 'flagged' mean it waits for review.
DECISIONS = {"verify": "verified", "reject": "rejected"}
DECIDED = frozenset(DECISIONS.values())
# Waiting for review: 'flagged' (a check-in or an edit raised a doubt) and 'pending' (a
# leader's registration, which has no photo to check, or an office correction back to review).
AWAITING_REVIEW = frozenset(set(RECORD_STATUSES) - DECIDED)
RECORD_SOURCES = ("mp", "chat", "web", "leader")


class ServiceRecord(BaseModel):
    """A register entry: who served, where and when, what was done, for whom, with what result."""

    # member, activity and household lead two-column indexes (Meta), which serve their lookups.
    member = pw.ForeignKeyField(Member, backref="records", on_delete="RESTRICT", index=False)
    kind = pw.CharField(max_length=12)
    activity = pw.ForeignKeyField(
        Activity, null=True, backref="records", on_delete="RESTRICT", index=False
    )
    household = pw.ForeignKeyField(
        Household, null=True, backref="records", on_delete="RESTRICT", index=False
    )
    checkin_at = pw.DateTimeField()
    checkin_lat = pw.DoubleField(null=True)
    checkin_lng = pw.DoubleField(null=True)
    checkin_coord_type = pw.CharField(max_length=8, default="gcj02")
    checkin_accuracy_m = pw.DoubleField(null=True)
    checkout_at = pw.DateTimeField(null=True)
    checkout_lat = pw.DoubleField(null=True)
    checkout_lng = pw.DoubleField(null=True)
    duration_minutes = pw.IntegerField(null=True)
    content = pw.TextField(default="")
    target = pw.CharField(max_length=200, default="")
    outcome = pw.TextField(default="")
    status = pw.CharField(max_length=10, default="pending")
    flags = JSONField(default=list)
    source = pw.CharField(max_length=8)
    registered_by = pw.ForeignKeyField(
        Member, null=True, backref="registered_records", on_delete="SET NULL"
    )
    registration_reason = pw.CharField(max_length=200, default="")
    distance_m = pw.DoubleField(null=True)
    review_comment = pw.TextField(default="")
    request_id = pw.CharField(max_length=64, null=True)
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()

    class Meta:
        indexes = (
            (("member", "request_id"), True),
            (("member", "checkin_at"), False),
            (("activity", "member"), False),
            (("household", "checkin_at"), False),
            (("status", "checkin_at"), False),
            (("checkin_at",), False),
        )


# The visit reminders' last-visit lookup reads only this index: visits that count. Its WHERE
# is services.summary.counts_as_visit written as SQL (models cannot import services): change
# the two together, with a migration (as 0004_job_indexes), or the lookups stop matching it
# (tests/services/test_visit_rule.py checks they use it).
ServiceRecord.add_index(
    ServiceRecord.index(
        ServiceRecord.household,
        ServiceRecord.member,
        ServiceRecord.checkin_at,
        where=pw.SQL("kind = 'visit' AND status != 'rejected'"),
        name="servicerecord_visits",
    )
)


class Photo(BaseModel):
    """A check-in photo: the original and a thumbnail in storage, with hashes to spot reuse."""

    record = pw.ForeignKeyField(ServiceRecord, backref="photos", on_delete="CASCADE")
    # Not unique: content-addressed, so a photo reused on two records shares one file (and
    # the check-in flags the reuse).
    storage_key = pw.CharField(max_length=200)
    thumb_key = pw.CharField(max_length=200)
    sha256 = pw.CharField(max_length=64, index=True)
    phash = pw.CharField(max_length=16)  # compared in Python (services.photo_check)
    content_type = pw.CharField(max_length=20)
    width = pw.IntegerField()
    height = pw.IntegerField()
    size_bytes = pw.IntegerField()
    exif_taken_at = pw.DateTimeField(null=True)
    exif_lat = pw.DoubleField(null=True)
    exif_lng = pw.DoubleField(null=True)
    created_at = pw.DateTimeField()


class RecordHistory(BaseModel):
    """One change to a register entry: who, when, what, why. Append-only; each entry's hash
    (HMAC-SHA256 under the history key, which the database does not hold) covers the previous
    entry's hash and the entry's state after the change, so an edit made behind the service's
    back breaks the chain and is found by `register verify`."""

    record = pw.ForeignKeyField(
        ServiceRecord, backref="history", on_delete="CASCADE", index=False
    )  # (record, seq) below serves its lookups
    seq = pw.IntegerField()
    at = pw.DateTimeField()
    actor = pw.CharField(max_length=60)
    action = pw.CharField(max_length=20)
    changes = JSONField(default=dict)
    reason = pw.TextField(default="")
    state = JSONField(default=dict)
    prev_hash = pw.CharField(max_length=64)
    hash = pw.CharField(max_length=64)

    class Meta:
        indexes = ((("record", "seq"), True),)
