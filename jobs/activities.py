"""Activity jobs: thin wrappers that call services with the settings."""

from datetime import datetime

from flask import current_app

from services.activity_reminders import ReminderRules, remind_activities


def activity_reminders(now: datetime) -> dict:
    """Remind enrolled members of tomorrow's activities (evening) and of the next hour's."""
    rules = current_app.config["SETTINGS"].rules
    return remind_activities(now, ReminderRules.from_settings(rules))
