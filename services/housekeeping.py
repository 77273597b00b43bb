"""Forgetting what is no longer needed: handled-push records and abandoned chat states."""

from datetime import datetime, timedelta

from models import ApiToken, ChatState, InboundMessage

INBOUND_KEEP = timedelta(days=2)
TOKEN_KEEP = timedelta(days=7)  # after expiry or revocation, for the audit trail


def purge_expired(now: datetime) -> dict[str, int]:
    """Delete dedupe records older than WeChat's retry window (with margin), stale chats, and
    dead login tokens (each holds a WeChat session_key we no longer need)."""
    inbound = InboundMessage.delete().where(InboundMessage.received_at < now - INBOUND_KEEP)
    chats = ChatState.delete().where(ChatState.expires_at < now)
    dead = (ApiToken.expires_at < now - TOKEN_KEEP) | (ApiToken.revoked_at < now - TOKEN_KEEP)
    tokens = ApiToken.delete().where(dead)
    return {
        "inbound_messages": inbound.execute(),
        "chat_states": chats.execute(),
        "api_tokens": tokens.execute(),
    }
