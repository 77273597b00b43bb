"""Forgetting what is no longer needed: handled-push records and abandoned chat states."""

from datetime import datetime, timedelta

from models import ChatState, InboundMessage

INBOUND_KEEP = timedelta(days=2)


def purge_expired(now: datetime) -> dict[str, int]:
    """Delete dedupe records older than WeChat's retry window (with margin) and stale chats."""
    inbound = InboundMessage.delete().where(InboundMessage.received_at < now - INBOUND_KEEP)
    chats = ChatState.delete().where(ChatState.expires_at < now)
    return {"inbound_messages": inbound.execute(), "chat_states": chats.execute()}
