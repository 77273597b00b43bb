"""Housekeeping jobs: thin wrappers that call services."""

from datetime import datetime

from services import housekeeping


def purge_expired(now: datetime) -> dict[str, int]:
    """Forget handled pushes, abandoned chats and dead login tokens."""
    return housekeeping.purge_expired(now)
