"""Forgetting what is no longer needed: handled-push records, abandoned chat states, dead
login tokens, tries at bind codes no limit counts any more, old subscribe reports and photo
files no entry names."""

import os
from datetime import datetime, timedelta

from models import ApiToken, ChatState, InboundMessage, SubscriptionReport

from . import bind_limits
from .photo_sweep import sweep_photos

INBOUND_KEEP = timedelta(days=2)
TOKEN_KEEP = timedelta(days=7)  # after expiry or revocation, for the audit trail
# A retried subscribe report comes within seconds; a month later the same id is a new one.
SUBSCRIPTION_REPORT_KEEP = timedelta(days=30)


def purge_expired(now: datetime, photo_root: str | os.PathLike | None = None) -> dict[str, int]:
    """Delete dedupe records older than WeChat's retry window (with margin), stale chats,
    dead login tokens (each holds a WeChat session_key we no longer need), tries at bind codes
    older than every limit's window, subscribe reports long past any retry and, given the
    photo folder, photo files no entry names (services.photo_sweep)."""
    inbound = InboundMessage.delete().where(InboundMessage.received_at < now - INBOUND_KEEP)
    chats = ChatState.delete().where(ChatState.expires_at < now)
    dead = (ApiToken.expires_at < now - TOKEN_KEEP) | (ApiToken.revoked_at < now - TOKEN_KEEP)
    tokens = ApiToken.delete().where(dead)
    old_reports = SubscriptionReport.reported_at < now - SUBSCRIPTION_REPORT_KEEP
    reports = SubscriptionReport.delete().where(old_reports)
    return {
        "inbound_messages": inbound.execute(),
        "chat_states": chats.execute(),
        "api_tokens": tokens.execute(),
        "bind_tries": bind_limits.purge(now),
        "subscription_reports": reports.execute(),
    } | ({"photo_files": sweep_photos(photo_root, now)} if photo_root is not None else {})
