"""Housekeeping jobs: thin wrappers that call services."""

from datetime import datetime

from flask import current_app

from services import housekeeping


def purge_expired(now: datetime) -> dict[str, int]:
    """Forget handled pushes, abandoned chats and dead login tokens; remove photo files no
    entry names."""
    photo_root = current_app.config["SETTINGS"].storage.photo_dir
    return housekeeping.purge_expired(now, photo_root)
