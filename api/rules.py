"""The programme's rules as this app's settings configure them, for every view that applies
them: one place that reads the settings into the services' rule objects."""

from flask import current_app

from services.checkin_rules import CheckinRules
from services.reports import ReportRules


def checkin_rules() -> CheckinRules:
    return CheckinRules.from_settings(current_app.config["SETTINGS"])


def report_rules() -> ReportRules:
    return ReportRules.from_settings(current_app.config["SETTINGS"])
