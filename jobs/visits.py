"""Visit reminders (daily): thin wrapper over services.visit_reminders."""

from dataclasses import asdict
from datetime import datetime

from flask import current_app

from services.visit_reminders import remind_overdue_visits


def visit_reminders(now: datetime) -> dict:
    """Remind overdue members and their leaders; returns the run's counts."""
    rules = current_app.config["SETTINGS"].rules
    run = remind_overdue_visits(
        now, rules.visit_interval_days, rules.visit_reminder_repeat_days, rules.quiet_hours
    )
    return asdict(run)
