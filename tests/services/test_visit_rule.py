"""The programme's one rule for a household visit (services.summary.counts_as_visit): written
once in services/, and matched by the partial index servicerecord_visits so that the
last-visit lookups read only the visits that count, on SQLite and on PostgreSQL."""

import ast
from datetime import date
from pathlib import Path

import peewee as pw
import pytest

from models import db
from services.households import last_visit_at
from services.visit_reminders import overdue_members
from tests.factories import make_household, make_member, make_team, pair
from tests.statements import count_queries

SERVICES = Path(__file__).resolve().parents[2] / "services"
RULE = ("kind == 'visit'", "status != 'rejected'")


def _inline_rules(path: Path) -> list[str]:
    """The expressions in a module that spell the visit rule out instead of calling it."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitAnd):
            text = ast.unparse(node)
            if all(part in text for part in RULE) and "counts_as_visit" not in text:
                found.append(path.name)
    return found


def test_the_visit_rule_is_written_once():
    paths = sorted(SERVICES.glob("*.py"))
    inline = [site for path in paths for site in _inline_rules(path)]
    assert inline == ["summary.py"]  # counts_as_visit itself


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
