"""Opening the database named by a URL, per-request connections, and schema versioning."""

import logging
import sqlite3
import time
from pathlib import Path

import peewee
from playhouse.db_url import connect, register_database
from playhouse.migrations import Runner
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

from settings import ConfigError

from .base import db

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
HISTORY_TABLE = "schema_migration"  # playhouse.migrations' default


class RestedCheckPostgresPool(PooledPostgresqlDatabase):
    """Pooled PostgreSQL connections, checked with a round trip only after they have rested.

    peewee's pool sends `SELECT 1` each time it hands out a connection: a third of a chat
    push's time on PostgreSQL. A connection handed back less than RESTED_SECONDS ago is taken
    on what psycopg knows locally (open, idle, not in a transaction), as HikariCP does within
    its 500 ms window; one that rested longer, which a database restart or a firewall may have
    cut meanwhile, is pinged as before."""

    RESTED_SECONDS = 1.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._handed_back: dict[int, float] = {}

    def _can_reuse(self, conn):
        """Checked (under the pool's lock) as a connection comes back, before others can take
        it: when it goes back into the pool, note when."""
        reusable = super()._can_reuse(conn)
        if reusable:
            self._handed_back[self.conn_key(conn)] = time.monotonic()
        return reusable

    def _close_raw(self, conn):
        self._handed_back.pop(self.conn_key(conn), None)
        super()._close_raw(conn)

    def _is_closed(self, conn):
        handed_back = self._handed_back.pop(self.conn_key(conn), None)
        recent = handed_back is not None and time.monotonic() - handed_back < self.RESTED_SECONDS
        idle = not conn.closed and self._adapter.txn_status(conn) == self._adapter.txn_idle
        return False if recent and idle else super()._is_closed(conn)


register_database(RestedCheckPostgresPool, "postgres+pool", "postgresql+pool")


SQLITE = "sqlite:///"


class DatabaseMissing(ConfigError, peewee.OperationalError):
    """The SQLite file the settings name is not there. Opening it would make a new, empty
    database (and, in demo mode, new keys beside it): what a command run from the wrong
    folder used to do. ConfigError first, so peewee passes it through unwrapped."""

    def __init__(self, path: Path):
        super().__init__(
            f"config key database.url: the database {path} does not exist; only serving "
            "(python app.py) or `python app.py db upgrade` creates one"
        )
        self.path = path


class _ExistingSqliteFile(peewee.SqliteDatabase):
    """Opens a database file only if it is already there; checked when the pool opens a new
    connection, not each time it hands one out."""

    def _connect(self):
        if self.database != ":memory:" and not Path(self.database).exists():
            raise DatabaseMissing(Path(self.database))
        return super()._connect()


class SqliteFile(PooledSqliteDatabase, _ExistingSqliteFile):
    """Pooled connections to an existing SQLite file (the pool comes first in the MRO, so its
    new connections go through the existence check)."""


def sqlite_path(url: str) -> Path | None:
    """The file a sqlite:/// URL names; None for other databases and for :memory:."""
    if not url.startswith(SQLITE) or url == SQLITE + ":memory:":
        return None
    return Path(url.removeprefix(SQLITE))


def is_missing(url: str) -> bool:
    """Whether the URL names a SQLite file that is not there yet."""
    path = sqlite_path(url)
    return path is not None and not path.exists()


def create_if_missing(url: str) -> bool:
    """Make the SQLite file (and its folder) the URL names, empty, if it is not there: only
    the commands that prepare a database (serving, db upgrade) do; True when made."""
    path = sqlite_path(url)
    if path is None or path.exists():
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        sqlite3.connect(path).close()
    except (OSError, sqlite3.Error) as exc:
        raise ConfigError(f"config key database.url: cannot create {path}: {exc}") from None
    log.info("created the database %s", path)
    return True


def make_database(url: str, busy_timeout_ms: int = 15000) -> peewee.Database:
    """Open (lazily) the database a URL names: sqlite:///path or postgresql://... A SQLite
    file must exist (create_if_missing): connecting never makes one."""
    if url.startswith(SQLITE):
        path = Path(url.removeprefix(SQLITE))
        # synchronous=normal is WAL's usual pairing: a commit survives the process dying (a
        # crashed worker loses nothing it acknowledged) without an fsync per commit; only a
        # power cut can undo the last commits. An fsync per commit tripled a chat push's cost.
        pragmas = {
            "journal_mode": "wal",
            "synchronous": "normal",
            "foreign_keys": 1,
            "busy_timeout": busy_timeout_ms,
        }
        # IMMEDIATE: a transaction takes the write lock when it begins, so concurrent writers
        # wait their turn (busy timeout) instead of failing when a read turns into a write.
        # Pooled: a request reuses an open connection instead of opening the file and setting
        # the pragmas again (closing returns it to the pool).
        return SqliteFile(
            str(path),
            pragmas=pragmas,
            timeout=busy_timeout_ms / 1000,
            lock_type="IMMEDIATE",
            max_connections=32,
            stale_timeout=300,
            check_same_thread=False,  # a pooled connection serves one thread at a time
        )
    return connect(url, prefer_psycopg3=True)


def bind(database: peewee.Database) -> None:
    """Point every model at this database."""
    db.initialize(database)


def release() -> None:
    """Close this thread's connection and every idle pooled one (tests, shutdown, copies of the
    database file: a pooled SQLite connection left open keeps recent writes in the WAL)."""
    if db.obj is None:
        return
    if not db.is_closed():
        db.close()
    close_all = getattr(db.obj, "close_all", None)
    if close_all is not None:
        close_all()


def is_reachable() -> bool:
    """Open a connection and run one query; False instead of an exception."""
    return probe() is not None


def probe() -> int | None:
    """The schema version, read over a fresh connection; None when the database is down."""
    try:
        with db.connection_context():
            return schema_version()
    except peewee.DatabaseError:
        return None


def runner() -> Runner:
    return Runner(db.obj, directory=str(MIGRATIONS_DIR))


def pending_migrations() -> list[str]:
    """Names of schema steps not yet applied to the bound database."""
    return [m.name for m in runner().status() if not m.applied and m.path]


def upgrade() -> list[str]:
    """Apply every pending schema step in order, each in its own transaction."""
    applied = runner().up()
    for name in applied:
        log.info("schema step applied: %s", name)
    return applied


def schema_version() -> int:
    """The number of the newest applied schema step (0 for an empty database).

    Read straight from the history table in one query: the health check calls it often."""
    if not db.table_exists(HISTORY_TABLE):
        return 0
    names = db.execute_sql(f"SELECT name FROM {HISTORY_TABLE}").fetchall()
    return max((int(name[:4]) for (name,) in names if name[:4].isdigit()), default=0)


def init_app(app) -> None:
    """Close each request's connection afterwards (it opens on the first query, so the health
    check can report a database that is down); add the `db` commands."""
    from .cli import db_cli

    app.cli.add_command(db_cli)

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()
