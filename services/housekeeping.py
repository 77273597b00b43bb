"""Forgetting what is no longer needed: handled-push records, abandoned chat states, dead
login tokens and tries at bind codes no limit counts any more."""

from datetime import datetime, timedelta

from models import ApiToken, ChatState, InboundMessage

from . import bind_limits

INBOUND_KEEP = timedelta(days=2)
TOKEN_KEEP = timedelta(days=7)  # after expiry or revocation, for the audit trail


def purge_expired(now: datetime) -> dict[str, int]:
    """Delete dedupe records older than WeChat's retry window (with margin), stale chats, and
    dead login tokens (each holds a WeChat session_key we no longer need), and tries at bind
    codes older than every limit's window."""
    inbound = InboundMessage.delete().where(InboundMessage.received_at < now - INBOUND_KEEP)
    chats = ChatState.delete().where(ChatState.expires_at < now)
    dead = (ApiToken.expires_at < now - TOKEN_KEEP) | (ApiToken.revoked_at < now - TOKEN_KEEP)
    tokens = ApiToken.delete().where(dead)
    return {
        "inbound_messages": inbound.execute(),
        "chat_states": chats.execute(),
        "api_tokens": tokens.execute(),
        "bind_tries": bind_limits.purge(now),
    }
