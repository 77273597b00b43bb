"""Plumbing for talking to people over WeChat: outbox, grants, inbound dedupe, chat state, audit."""

import peewee as pw

from .base import BaseModel, JSONField
from .roster import Member

NOTIFICATION_STATUSES = ("pending", "sent", "skipped", "failed")


class Notification(BaseModel):
    """An outbound message, written before it is sent; dedupe_key makes a repeat a no-op."""

    member = pw.ForeignKeyField(Member, null=True, backref="notifications", on_delete="CASCADE")
    kind = pw.CharField(max_length=40)
    channel = pw.CharField(max_length=20, default="")
    payload = JSONField(default=dict)
    dedupe_key = pw.CharField(max_length=200, unique=True)
    status = pw.CharField(max_length=10, default="pending")
    attempts = pw.IntegerField(default=0)
    last_error = pw.TextField(default="")
    next_attempt_at = pw.DateTimeField()
    created_at = pw.DateTimeField()
    sent_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "next_attempt_at"), False), (("member", "created_at"), False))


class SubscriptionGrant(BaseModel):
    """How many one-time subscribe-message sends a member has granted for a template."""

    member = pw.ForeignKeyField(Member, backref="grants", on_delete="CASCADE")
    template_id = pw.CharField(max_length=64)
    remaining = pw.IntegerField(default=0, constraints=[pw.Check("remaining >= 0")])
    updated_at = pw.DateTimeField()

    class Meta:
        indexes = ((("member", "template_id"), True),)


class InboundMessage(BaseModel):
    """A WeChat push already handled, with the reply given, so a retry gets the same answer."""

    dedupe_key = pw.CharField(max_length=200, unique=True)
    openid = pw.CharField(max_length=64)
    msg_type = pw.CharField(max_length=40)
    reply = pw.TextField(null=True)
    received_at = pw.DateTimeField(index=True)


class ChatState(BaseModel):
    """Where a multi-step chat conversation with one openid stands."""

    openid = pw.CharField(max_length=64, unique=True)
    state = pw.CharField(max_length=40)
    data = JSONField(default=dict)
    expires_at = pw.DateTimeField()


class AuditLog(BaseModel):
    """Who did what to which object, for the office."""

    at = pw.DateTimeField(index=True)
    actor = pw.CharField(max_length=60)
    action = pw.CharField(max_length=60)
    object_type = pw.CharField(max_length=40, default="")
    object_id = pw.CharField(max_length=40, default="")
    detail = JSONField(default=dict)
