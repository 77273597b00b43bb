"""Register jobs: closing forgotten check-ins, the office's daily spot-check sample, and the
register's daily checkpoint."""

from datetime import datetime

from flask import current_app

from services import register_checkpoint as checkpoint
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


def register_checkpoint(now: datetime) -> dict:
    """Write the register's checkpoint in the data folder, so that an entry deleted with its
    history, or rolled back, is found by `register verify` from tomorrow on."""
    path = checkpoint.path_in(current_app.config["SETTINGS"].app.data_dir)
    done = checkpoint.advance(path, now)
    return {"written": done.written, "entries": done.entries, "carried": len(done.carried)}
