"""Plumbing for talking to people over WeChat: outbox, grants, inbound dedupe, chat state, audit."""

import peewee as pw

from .base import BaseModel, JSONField
from .roster import Member, Team

NOTIFICATION_STATUSES = ("pending", "sent", "skipped", "failed")


class Broadcast(BaseModel):
    """A leader's notice to the whole team; its per-member deliveries are Notifications.
    request_key (the chat MsgId or the API's request id) makes a repeated send a no-op."""

    team = pw.ForeignKeyField(Team, backref="broadcasts", on_delete="CASCADE")
    sender = pw.ForeignKeyField(Member, backref="broadcasts_sent", on_delete="CASCADE")
    text = pw.TextField()
    request_key = pw.CharField(max_length=120, unique=True)
    created_at = pw.DateTimeField(index=True)


class Notification(BaseModel):
    """An outbound message, written before it is sent; dedupe_key makes a repeat a no-op.
    No member means the office's own inbox (shown on the dashboard). claimed_until is a
    sender's lease, so two senders never deliver the same row; held_change is a withdrawal
    or a revision asked while a sender held the row, which it honours before it sends
    (services.outbox)."""

    member = pw.ForeignKeyField(Member, null=True, backref="notifications", on_delete="CASCADE")
    broadcast = pw.ForeignKeyField(
        Broadcast, null=True, backref="deliveries", on_delete="CASCADE", index=True
    )
    kind = pw.CharField(max_length=40)
    channel = pw.CharField(max_length=20, default="")
    payload = JSONField(default=dict)
    dedupe_key = pw.CharField(max_length=200, unique=True)
    status = pw.CharField(max_length=10, default="pending")
    attempts = pw.IntegerField(default=0)
    last_error = pw.TextField(default="")
    urgent = pw.BooleanField(default=False)
    next_attempt_at = pw.DateTimeField()
    claimed_until = pw.DateTimeField(null=True)
    held_change = JSONField(null=True)
    created_at = pw.DateTimeField()
    sent_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = (
            (("status", "next_attempt_at"), False),
            (("member", "created_at"), False),
            (("kind", "created_at"), False),
        )


class SubscriptionGrant(BaseModel):
    """How many one-time subscribe-message sends a member has granted for a template."""

    member = pw.ForeignKeyField(Member, backref="grants", on_delete="CASCADE")
    template_id = pw.CharField(max_length=64)
    remaining = pw.IntegerField(default=0, constraints=[pw.Check("remaining >= 0")])
    updated_at = pw.DateTimeField()

    class Meta:
        indexes = ((("member", "template_id"), True),)


class SubscriptionReport(BaseModel):
    """A wx.requestSubscribeMessage result the mini-program reported under its request_id,
    so a retried report adds no grant a second time (WeChat gave one per accept, not two).

    The (member, request_id) key serves every lookup, the member's own too; the daily purge
    by reported_at (services.housekeeping) scans a small table."""

    member = pw.ForeignKeyField(Member, on_delete="CASCADE", index=False)
    request_id = pw.CharField(max_length=64)
    results = JSONField()
    reported_at = pw.DateTimeField()

    class Meta:
        indexes = ((("member", "request_id"), True),)


class InboundMessage(BaseModel):
    """A WeChat push already handled, with the reply given, so a retry gets the same answer.

    Every push writes one, so the table carries no index beyond its key: the daily purge by
    received_at scans two days of rows."""

    dedupe_key = pw.CharField(max_length=200, unique=True)
    openid = pw.CharField(max_length=64)
    msg_type = pw.CharField(max_length=40)
    reply = pw.TextField(null=True)
    received_at = pw.DateTimeField()


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


class JobLock(BaseModel):
    """The scheduler's lock row on SQLite: one holder at a time, kept alive by heartbeats."""

    name = pw.CharField(max_length=40, unique=True)
    holder = pw.CharField(max_length=100)
    expires_at = pw.DateTimeField()
