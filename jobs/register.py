"""Register jobs: closing forgotten check-ins and the office's daily spot-check sample."""

from datetime import datetime

from flask import current_app

from services.checkin_closing import ClosingRules
from services.checkin_closing import close_open_checkins as close_overdue
from services.spot_check import sample_spot_checks


def close_open_checkins(now: datetime) -> dict:
    """Close and flag check-ins left open after their activity (or too long)."""
    rules = current_app.config["SETTINGS"].rules
    return close_overdue(now, ClosingRules.from_settings(rules))


def spot_check_sample(now: datetime) -> dict:
    """Pick today's spot-check sample from yesterday's verified entries."""
    settings = current_app.config["SETTINGS"]
    return sample_spot_checks(
        now, settings.rules.spot_check_share, settings.app.secret_key, settings.rules.quiet_hours
    )
