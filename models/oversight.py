"""What the office watches: residents' feedback, quarterly reports, spot checks, assessment."""

import peewee as pw

from .activity import Activity
from .base import BaseModel, JSONField
from .record import ServiceRecord
from .roster import Account, Member, Team

REPORT_STATUSES = ("draft", "submitted", "late", "returned", "accepted")
# A resident's feedback is shown to its team's leader once approved: at once when its comment
# passes the local filter (or it has none), after the office's look when the filter held it.
MODERATION_STATES = ("pending", "approved", "rejected")
# A spot check waits (pending) until the office records what it found: nothing wrong, or a
# problem.
SPOT_CHECK_RESULTS = ("pending", "confirmed", "problem")


class Feedback(BaseModel):
    """A resident's rating (1-5) and comment on an activity, a member or a team."""

    target_kind = pw.CharField(max_length=10)
    activity = pw.ForeignKeyField(Activity, null=True, backref="feedback", on_delete="CASCADE")
    member = pw.ForeignKeyField(Member, null=True, backref="feedback", on_delete="CASCADE")
    team = pw.ForeignKeyField(Team, null=True, backref="feedback", on_delete="CASCADE")
    rating = pw.SmallIntegerField(constraints=[pw.Check("rating BETWEEN 1 AND 5")])
    comment = pw.TextField(default="")
    moderation = pw.CharField(max_length=10, default="pending")
    created_at = pw.DateTimeField(index=True)
    # The page's form id: a re-post of the same form records nothing more (unique).
    form_id = pw.CharField(max_length=64, null=True, unique=True)
    # A keyed hash of who sent it (the page's cookie), for the rate limit only; never shown.
    client_key = pw.CharField(max_length=64, default="")
    held_reason = pw.CharField(max_length=20, default="")  # why it waits for the office
    moderation_note = pw.TextField(default="")
    moderated_by = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")
    moderated_at = pw.DateTimeField(null=True)
    # What was rated, as one value ('member:12'), and the Shanghai day of a page's rating (none
    # for other rows): the unique index keeps one rating per phone per target a day, however
    # many posts race for it.
    target_key = pw.CharField(max_length=40, default="")
    rated_on = pw.DateField(null=True)
    # A keyed hash of the address a held rating came from, when the page saw the resident's
    # own: the daily ceiling on held ratings per address (services.feedback). '' otherwise.
    ip_key = pw.CharField(max_length=64, default="")

    class Meta:
        indexes = (
            (("client_key", "created_at"), False),
            (("target_key", "rated_on", "client_key"), True),
            (("ip_key", "rated_on"), False),
        )


class FeedbackForm(BaseModel):
    """The last answer each page form posted, and the rating it went to: a post that brings
    exactly that answer again is the phone's retry (however late, even after a newer form of
    the phone changed the rating), not a change of mind. Deleted with the phone's keys after
    feedback.key_keep_days (services.housekeeping): a form id is signed with the cookie."""

    form_id = pw.CharField(max_length=64, unique=True)
    feedback = pw.ForeignKeyField(Feedback, backref="forms", on_delete="CASCADE")
    rating = pw.SmallIntegerField()
    comment = pw.TextField(default="")
    at = pw.DateTimeField(index=True)


class FeedbackCode(BaseModel):
    """The random code in a feedback QR card's address, one per rated target (target_key,
    e.g. 'member:12'): the page finds the target by it, so nobody can rate another target by
    changing a number in the address."""

    code = pw.CharField(max_length=32, unique=True)
    target_key = pw.CharField(max_length=40, unique=True)
    target_kind = pw.CharField(max_length=10)
    activity = pw.ForeignKeyField(Activity, null=True, on_delete="CASCADE")
    member = pw.ForeignKeyField(Member, null=True, on_delete="CASCADE")
    team = pw.ForeignKeyField(Team, null=True, on_delete="CASCADE")
    created_at = pw.DateTimeField()


class QuarterlyReport(BaseModel):
    """A team's quarterly report (每季度上报) with the statistics frozen when it was drafted."""

    team = pw.ForeignKeyField(Team, backref="reports", on_delete="RESTRICT")
    year = pw.SmallIntegerField()
    quarter = pw.SmallIntegerField(constraints=[pw.Check("quarter BETWEEN 1 AND 4")])
    stats = JSONField(default=dict)
    summary = pw.TextField(default="")
    status = pw.CharField(max_length=10, default="draft")
    deadline = pw.DateField()
    submitted_at = pw.DateTimeField(null=True)
    submitted_by = pw.ForeignKeyField(Member, null=True, on_delete="SET NULL")
    updated_at = pw.DateTimeField()
    # The office's last decision (services.report_review): who and when, and why it was
    # returned; kept once the leader submits again, so they still see what was asked.
    decided_by = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")
    decided_at = pw.DateTimeField(null=True)
    return_reason = pw.TextField(default="")

    class Meta:
        indexes = ((("team", "year", "quarter"), True),)


class SpotCheck(BaseModel):
    """A register entry picked for the office's daily spot check (日常抽查)."""

    record = pw.ForeignKeyField(ServiceRecord, unique=True, on_delete="CASCADE")
    sampled_on = pw.DateField(index=True)
    result = pw.CharField(max_length=10, default="pending")
    note = pw.TextField(default="")
    checked_by = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")
    checked_at = pw.DateTimeField(null=True)


class SpotCheckResult(BaseModel):
    """One result the office recorded for a spot check, by whom and when. Append-only: a
    result changed later keeps the earlier one here, while SpotCheck holds the one standing."""

    spot_check = pw.ForeignKeyField(SpotCheck, backref="results", on_delete="CASCADE")
    result = pw.CharField(max_length=10)
    note = pw.TextField(default="")
    recorded_by = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")
    recorded_at = pw.DateTimeField()


ASSESSMENT_GRADES = ("excellent", "pass", "basic", "fail")  # 优秀 合格 基本合格 不合格


class Assessment(BaseModel):
    """The annual assessment (年度考核) of a member or a team, and any commendation.

    A member's row is the office's decision (services.annual_assessment): the grade, whether
    they are commended (表彰), a note, who decided and when. `version` counts the decisions,
    so a clerk deciding on what another clerk has changed since is refused, not overwritten.
    Score and rank are kept from the first schema and unused: nobody is ranked."""

    year = pw.SmallIntegerField()
    member = pw.ForeignKeyField(Member, null=True, on_delete="CASCADE")
    team = pw.ForeignKeyField(Team, null=True, on_delete="CASCADE")
    score = pw.DoubleField(null=True)
    rank = pw.IntegerField(null=True)
    note = pw.TextField(default="")
    grade = pw.CharField(max_length=10, default="")
    commended = pw.BooleanField(default=False)
    decided_by = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")
    decided_at = pw.DateTimeField(null=True)
    version = pw.IntegerField(default=0)

    class Meta:
        indexes = ((("year", "member"), True), (("year", "team"), True))
        constraints = [pw.SQL("CHECK ((member_id IS NULL) <> (team_id IS NULL))")]


class AssessmentYear(BaseModel):
    """A year whose assessment the office has made final (定稿): its decisions no longer
    change. No row: the year is still open. `snapshot` keeps each member's figures and
    suggestion as they were at 定稿 (services.annual_snapshot), so later reviews of the year's
    entries do not change a final year."""

    year = pw.SmallIntegerField(unique=True)
    finalised_by = pw.ForeignKeyField(Account, null=True, on_delete="SET NULL")
    finalised_at = pw.DateTimeField()
    snapshot = pw.TextField(null=True)
