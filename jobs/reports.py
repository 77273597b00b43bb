"""Quarterly reports (daily): thin wrapper over services.report_deadlines."""

from dataclasses import asdict
from datetime import datetime

from flask import current_app

from services.report_deadlines import run_quarterly
from services.reports import ReportRules


def quarterly_reports(now: datetime) -> dict:
    """Draft the ended quarter's reports, remind leaders, mark late ones; returns counts."""
    rules = current_app.config["SETTINGS"].rules
    report_rules = ReportRules(rules.report_deadline_days, rules.visit_interval_days)
    return asdict(run_quarterly(now, report_rules, rules.quiet_hours))
