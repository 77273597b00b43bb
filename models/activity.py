"""Activities a team runs and who enrolled in them."""

import peewee as pw

from .base import BaseModel
from .roster import Account, Community, Member, Team

CATEGORIES = ("policy_legal", "rights", "assistance", "health", "environment", "other")
KINDS = ("centralised", "individual", "adhoc")


class Activity(BaseModel):
    """A service activity: centralised (集中), or an ad-hoc task (临时突击) from the office."""

    team = pw.ForeignKeyField(Team, null=True, backref="activities", on_delete="RESTRICT")
    community = pw.ForeignKeyField(Community, null=True, on_delete="RESTRICT")
    title = pw.CharField(max_length=100)
    category = pw.CharField(max_length=20, default="other")
    kind = pw.CharField(max_length=12, default="centralised")
    description = pw.TextField(default="")
    starts_at = pw.DateTimeField()
    ends_at = pw.DateTimeField()
    place = pw.CharField(max_length=200, default="")
    lat = pw.DoubleField(null=True)
    lng = pw.DoubleField(null=True)
    coord_type = pw.CharField(max_length=8, default="gcj02")
    radius_m = pw.IntegerField(null=True)
    capacity = pw.IntegerField(null=True)
    status = pw.CharField(max_length=10, default="scheduled")
    cancel_reason = pw.CharField(max_length=200, default="")  # as the canceller gave it
    created_by = pw.ForeignKeyField(Member, null=True, on_delete="SET NULL")  # a leader
    # an office login: the office publishes too (ad-hoc tasks), and has no member row
    created_by_account = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField()

    class Meta:
        indexes = ((("team", "starts_at"), False), (("starts_at",), False))


class Enrollment(BaseModel):
    """A member's place in an activity; assigned=True when the office or leader put them there."""

    activity = pw.ForeignKeyField(Activity, backref="enrollments", on_delete="CASCADE")
    member = pw.ForeignKeyField(Member, backref="enrollments", on_delete="CASCADE")
    assigned = pw.BooleanField(default=False)
    created_at = pw.DateTimeField()

    class Meta:
        indexes = ((("activity", "member"), True), (("member",), False))
