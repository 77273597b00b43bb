"""Housekeeping jobs: thin wrappers that call services."""

from services import clock, housekeeping


def purge_expired() -> dict[str, int]:
    return housekeeping.purge_expired(clock.now_utc())
