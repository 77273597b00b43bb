"""Housekeeping jobs: thin wrappers that call services."""

from datetime import datetime

from flask import current_app

from services import housekeeping


def purge_expired(now: datetime) -> dict[str, int]:
    """Forget handled pushes, abandoned chats, dead login tokens and old ratings' keys."""
    keep_days = current_app.config["SETTINGS"].feedback.key_keep_days
    return housekeeping.purge_expired(now, keep_days)
