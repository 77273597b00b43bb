"""The programme's one rule for a household visit (services.summary.counts_as_visit): every
place that counts visits or finds the last one leaves a rejected visit out, and the partial
index servicerecord_visits matches the rule so that the last-visit lookups read only the
visits that count, on SQLite and on PostgreSQL."""

from datetime import date, timedelta

import peewee as pw
import pytest

from models import db
from services import clock, report_stats
from services.households import last_visit_at
from services.summary import member_summary
from services.visit_reminders import overdue_members
from tests.factories import NOW, make_household, make_member, make_record, make_team, pair
from tests.statements import count_queries

INTERVAL = 30
COUNTED = NOW - timedelta(days=20)
REJECTED = NOW - timedelta(days=2)  # later: whoever counted it would see a more recent visit


@pytest.fixture
def visits(database):
    """A paired member with a counted visit and, after it, a rejected one."""
    team = make_team()
    member = make_member(team=team)
    household = pair(member, make_household(community=team.community)).household
    for at, status in ((COUNTED, "verified"), (REJECTED, "rejected")):
        out = at + timedelta(hours=1)
        kw = {"kind": "visit", "household": household, "checkout_at": out, "duration_minutes": 60}
        make_record(member, checkin_at=at, status=status, **kw)
    return member, household


def test_every_visit_count_sees_only_the_visit_that_was_not_rejected(visits):
    member, household = visits
    counted_on = clock.to_local(COUNTED).date()
    summary = member_summary(member, NOW, INTERVAL)
    assert (summary.quarter.visits, summary.visits.last_visit_on) == (1, counted_on)
    report = report_stats.team_stats(2026, 4, NOW, INTERVAL, [member.team_id])[member.team_id]
    assert (report["visits"]["done"], report["visits"]["members_visited"]) == (1, 1)
    assert last_visit_at(household.id) == last_visit_at(household.id, member.id) == COUNTED
    # Overdue counting from the counted visit; the rejected one would have made it recent.
    today = clock.to_local(COUNTED).date() + timedelta(days=INTERVAL + 5)
    [overdue] = overdue_members(today, INTERVAL)
    assert (overdue.member_id, overdue.last_visit_on) == (member.id, counted_on)


@pytest.fixture
def member(database):
    team = make_team()
    member = make_member(team=team)
    pair(member, make_household(community=team.community))
    return member


def _plan(sql: str, params) -> str:
    if isinstance(db.obj, pw.SqliteDatabase):
        return "\n".join(row[-1] for row in db.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params))
    with db.atomic():
        db.execute_sql("SET LOCAL enable_seqscan = off")  # a few rows: a scan would win
        return "\n".join(row[0] for row in db.execute_sql(f"EXPLAIN {sql}", params))


LOOKUPS = {
    "reminders": lambda member: overdue_members(date(2026, 6, 1), 30),
    "my_household": lambda member: last_visit_at(member.pairings.get().household_id, member.id),
}


@pytest.mark.parametrize("lookup", LOOKUPS.values(), ids=LOOKUPS)
def test_the_last_visit_lookups_read_the_partial_index(member, lookup):
    with count_queries() as seen:
        lookup(member)
    [event] = [e for e in seen if '"service_record"' in e.sql]
    assert "servicerecord_visits" in _plan(event.sql, event.params)
