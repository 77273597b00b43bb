"""Housekeeping jobs: thin wrappers that call services."""

from datetime import datetime

from flask import current_app

from services import housekeeping


def purge_expired(now: datetime) -> dict[str, int]:
    """Forget handled pushes, abandoned chats, dead login tokens and old ratings' keys; remove
    photo files no entry names."""
    settings = current_app.config["SETTINGS"]
    return housekeeping.purge_expired(
        now, settings.feedback.key_keep_days, settings.storage.photo_dir
    )
