"""Peewee models for the whole programme; MODELS lists them in dependency order."""

from .activity import Activity, Enrollment
from .auth import ApiToken
from .base import BaseModel, JSONField, db
from .messaging import (
    AuditLog,
    Broadcast,
    ChatState,
    InboundMessage,
    JobLock,
    Notification,
    SubscriptionGrant,
    SubscriptionReport,
)
from .oversight import (
    Assessment,
    AssessmentYear,
    Feedback,
    FeedbackCode,
    FeedbackForm,
    QuarterlyReport,
    SpotCheck,
    SpotCheckResult,
)
from .record import Photo, RecordHistory, ServiceRecord
from .roster import (
    Account,
    BindCode,
    BindTry,
    Branch,
    Community,
    Household,
    Member,
    MemberSpell,
    Pairing,
    Team,
)

MODELS = [
    Branch,
    Community,
    Team,
    Member,
    MemberSpell,
    BindCode,
    BindTry,
    Household,
    Pairing,
    Account,
    Activity,
    Enrollment,
    ServiceRecord,
    Photo,
    RecordHistory,
    Feedback,
    FeedbackCode,
    FeedbackForm,
    QuarterlyReport,
    SpotCheck,
    SpotCheckResult,
    Assessment,
    AssessmentYear,
    Broadcast,
    Notification,
    SubscriptionGrant,
    SubscriptionReport,
    InboundMessage,
    ChatState,
    AuditLog,
    ApiToken,
    JobLock,
]

__all__ = [m.__name__ for m in MODELS] + ["BaseModel", "JSONField", "MODELS", "db"]
