"""What a request spends on the database besides its own work: WeChat's dedupe rows are one
statement each, whose commit on PostgreSQL skips the WAL flush (never a caller's); and a pooled
PostgreSQL connection costs a liveness round trip only after it has rested."""

import time

import peewee
import pytest

from models import InboundMessage, db
from models.database import RestedCheckPostgresPool, make_database
from tests.conftest import POSTGRES_URL
from tests.statements import count_queries
from wechat import dedupe

pytestmark = pytest.mark.usefixtures("database")


def test_a_claim_is_one_statement_that_commits_by_itself():
    with count_queries() as seen:
        assert dedupe.claim("msg:1", "o-1", "text", reply="你好")
        assert not dedupe.claim("msg:1", "o-1", "text", reply="别的")
    assert len(seen) == 2 and not db.in_transaction()
    db.close()  # a new connection sees the row: it was committed
    assert InboundMessage.get(InboundMessage.dedupe_key == "msg:1").reply == "你好"


def synchronous_commit() -> str:
    return db.execute_sql("SHOW synchronous_commit").fetchone()[0]


def test_on_postgresql_a_claim_relaxes_its_own_commit_and_never_a_callers():
    if not isinstance(db.obj, peewee.PostgresqlDatabase):
        pytest.skip("a PostgreSQL setting")
    with count_queries() as seen:
        dedupe.claim("msg:2", "o-1", "text")
        dedupe.save_reply("msg:2", "好的")
    assert all("set_config" in event.sql for event in seen)  # its own commit, relaxed
    assert synchronous_commit() == "on"  # and only that one
    with db.atomic(), count_queries() as seen:
        dedupe.claim("msg:3", "o-1", "text")
        dedupe.save_reply("msg:3", "好的")
        assert synchronous_commit() == "on"  # the caller's work stays durable
    assert not any("set_config" in event.sql for event in seen)


@pytest.fixture
def pool(request, monkeypatch):
    """A pool of connections to this run's PostgreSQL schema with a short rest, the list of
    liveness round trips it made, and a separate connection to kill its backends with."""
    if not POSTGRES_URL:
        pytest.skip("a PostgreSQL pool")
    url = request.getfixturevalue("postgres_url")
    database = make_database(url.replace("postgresql://", "postgresql+pool://"))
    assert isinstance(database, RestedCheckPostgresPool)
    monkeypatch.setattr(RestedCheckPostgresPool, "RESTED_SECONDS", 0.2)
    pings, check = [], database._adapter.is_connection_closed
    monkeypatch.setattr(
        database._adapter, "is_connection_closed", lambda conn: pings.append(1) or check(conn)
    )
    admin = make_database(url)
    yield database, pings, admin
    database.close_all()
    admin.close()


def test_a_connection_back_a_moment_ago_is_handed_out_without_a_round_trip(pool):
    database, pings, _ = pool
    for _ in range(5):
        database.connect()
        assert database.execute_sql("SELECT 1").fetchone() == (1,)
        database.close()
    assert pings == []  # the first was new, the others had just come back
    database.close_all()
    assert database._handed_back == {}  # closed connections leave nothing behind


def test_a_rested_connection_is_pinged_and_a_dead_one_replaced(pool):
    database, pings, admin = pool
    database.connect()
    backend = database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    database.close()
    admin.execute_sql("SELECT pg_terminate_backend(%s)", (backend,))
    time.sleep(0.25)
    database.connect()  # rested: pinged, found dead, replaced by a new connection
    assert database.execute_sql("SELECT pg_backend_pid()").fetchone()[0] != backend
    database.close()
    assert pings == [1]
