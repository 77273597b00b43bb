"""WeChat's dedupe rows are written without waiting for the disk: one statement each, and on
PostgreSQL in an UNLOGGED table (schema step 5), whose commits skip the WAL flush."""

import peewee
import pytest

from models import InboundMessage, db
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


def test_on_postgresql_the_dedupe_table_is_unlogged_and_the_rest_are_not():
    if not isinstance(db.obj, peewee.PostgresqlDatabase):
        pytest.skip("a PostgreSQL table setting")
    rows = db.execute_sql(
        "SELECT relname, relpersistence FROM pg_class"
        " WHERE relkind = 'r' AND relnamespace = current_schema()::regnamespace"
    ).fetchall()
    persistence = dict(rows)
    assert persistence.pop("inbound_message") == "u"
    assert set(persistence.values()) == {"p"}  # the register and everything else: logged
