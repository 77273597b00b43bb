"""Commits that need not wait for the disk relax only themselves, never a caller's work."""

import peewee
import pytest

from models import db
from models.database import commit_without_flush

pytestmark = pytest.mark.usefixtures("database")


def synchronous_commit() -> str:
    return db.execute_sql("SHOW synchronous_commit").fetchone()[0]


def test_only_the_block_skips_the_flush_on_postgresql():
    if not isinstance(db.obj, peewee.PostgresqlDatabase):
        with commit_without_flush():  # SQLite: nothing to relax, nothing run
            assert not db.in_transaction()
        return
    with commit_without_flush():
        assert synchronous_commit() == "off"
    assert synchronous_commit() == "on"


def test_inside_a_transaction_it_leaves_the_transaction_durable():
    if not isinstance(db.obj, peewee.PostgresqlDatabase):
        pytest.skip("a PostgreSQL setting")
    with db.atomic():
        with commit_without_flush():
            pass
        assert synchronous_commit() == "on"
