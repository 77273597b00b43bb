"""The scheduler's lock: only the process holding it runs jobs; any other stands by.

Three kinds, one small interface (acquire once, renew, release; each answers True/False):

- PostgreSQL: a session advisory lock on a connection of its own, held for as long as the
  lock is. If the process dies the server drops the connection and the lock with it (at once,
  or once its keepalives find the peer gone), so a standby takes over at its next try after
  that. Renewing checks that the connection still answers, giving up after a sixth of the
  lock's life: a check that cannot complete in time counts as the lock lost.
- SQLite: a JobLock row with a holder id and an expiry, renewed by heartbeats. Taking it is one
  conditional UPDATE (free, expired, or already ours) or an INSERT that loses to a concurrent
  one on the unique name, so two processes can never both win; a crashed holder's row is taken
  over only once it has expired.
- Redis (when configured): SET NX PX with the holder id, renewed and released by small Lua
  scripts that act only while the key still holds our id. Its socket timeouts are a sixth of
  the lock's life too, with no retries inside redis-py (the runner retries once itself).

A holder that cannot renew for longer than the lock's life (frozen, cut off from the database
or Redis) may be replaced while its scheduler still runs. It finds out at its next renewal,
which gives up in bounded time (a sixth of the lock's life for PostgreSQL and Redis, SQLite's
busy timeout for a row; the runner retries an error once), and then starts no new runs; runs
it had already started are not interrupted and go on to their end. So the runs of an old and
a new holder can overlap, for about a heartbeat plus that bound or as long as a started run
lasts, and every job is idempotent for that reason. A process frozen as a whole (suspended
VM, SIGSTOP) finds out only once it resumes.
"""

import hashlib
import logging
import os
import selectors
import socket
import time
import uuid
from datetime import timedelta

from models import JobLock, db
from services import clock

log = logging.getLogger(__name__)
LOCK_NAME = "scheduler"
POOL_ONLY = ("max_connections", "stale_timeout", "timeout")  # playhouse pool options


def holder_id() -> str:
    """Who holds a lock: host, process id and a random part (a pid can come back)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class RowLock:
    """A lock row in the database (SQLite): expires unless renewed."""

    def __init__(self, name: str, ttl_seconds: float, holder: str | None = None):
        self.name, self.ttl = name, timedelta(seconds=ttl_seconds)
        self.holder = holder or holder_id()

    def acquire(self) -> bool:
        """Take the row if it is free, expired or ours; one transaction, so two takers at
        once cannot both succeed."""
        now = clock.now_utc()
        mine = JobLock.holder == self.holder
        with db.connection_context(), db.atomic():
            taken = (
                JobLock.update(holder=self.holder, expires_at=now + self.ttl)
                .where((JobLock.name == self.name) & (mine | (JobLock.expires_at < now)))
                .execute()
            )
            if not taken:
                JobLock.insert(
                    name=self.name, holder=self.holder, expires_at=now + self.ttl
                ).on_conflict_ignore().execute()
            return JobLock.select().where((JobLock.name == self.name) & mine).exists()

    def renew(self) -> bool:
        """Push the expiry on; False when the row is no longer ours (it expired and another
        runner took it). An expired row nobody took is still ours: nobody ran jobs meanwhile."""
        now = clock.now_utc()
        with db.connection_context():
            query = JobLock.update(expires_at=now + self.ttl).where(
                (JobLock.name == self.name) & (JobLock.holder == self.holder)
            )
            return query.execute() == 1

    def release(self) -> None:
        with db.connection_context():
            JobLock.delete().where(
                (JobLock.name == self.name) & (JobLock.holder == self.holder)
            ).execute()


# A lock held by a host that vanished (power cut, network split) lasts until the server
# notices the dead connection: by default hours of TCP keepalive. These make both ends give
# up on a silent peer within about the lock's life, so a standby can take over.
SERVER_KEEPALIVES = (
    "SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3"
)


def _dead_peer_limits(ttl_seconds: float) -> dict:
    """libpq options: give up connecting, and on an unanswered connection, in bounded time."""
    return {
        "connect_timeout": 10,
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        "tcp_user_timeout": int(ttl_seconds * 1000),
    }


def _ping(connection, seconds: float) -> None:
    """Run SELECT 1 on a psycopg connection, raising TimeoutError when the answer has not come
    within `seconds`. A blocking query on a silent connection waits until TCP gives up (up to
    tcp_user_timeout, or forever when a middlebox keeps acknowledging), so this drives libpq's
    non-blocking calls and waits on the socket with a deadline instead."""
    from psycopg import OperationalError, pq

    pgconn = connection.pgconn
    if connection.closed or pgconn.status != pq.ConnStatus.OK:
        raise OperationalError("the connection is closed")
    deadline = time.monotonic() + seconds
    pgconn.nonblocking = 1  # psycopg's own setting; made sure of, as send and flush need it
    with selectors.DefaultSelector() as selector:

        def wait(events: int) -> None:
            selector.modify(pgconn.socket, events)
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                raise TimeoutError(f"no answer from the server within {seconds:g} s")
            pgconn.consume_input()

        selector.register(pgconn.socket, selectors.EVENT_READ)
        pgconn.send_query(b"SELECT 1")
        while pgconn.flush():  # 1 while part of the query is still unsent
            wait(selectors.EVENT_READ | selectors.EVENT_WRITE)
        results = []
        while True:
            while pgconn.is_busy():
                wait(selectors.EVENT_READ)
            result = pgconn.get_result()
            if result is None:
                break
            results.append(result)
    if [result.status for result in results] != [pq.ExecStatus.TUPLES_OK]:
        raise OperationalError(f"SELECT 1 failed: {pgconn.get_error_message()}")


class AdvisoryLock:
    """A PostgreSQL session advisory lock on a dedicated connection (autocommit, so no
    transaction is left open while it is held)."""

    def __init__(self, url: str, name: str, ttl_seconds: float = 30.0):
        from playhouse.db_url import parse

        given = {k: v for k, v in parse(url).items() if k not in POOL_ONLY}
        given["dbname"] = given.pop("database")  # libpq's name for it
        self.params = _dead_peer_limits(ttl_seconds) | given
        self.name, self.connection = name, None
        self.holder = holder_id()
        self.check_seconds = ttl_seconds / 6  # how long a renewal may wait for an answer

    def acquire(self) -> bool:
        if self.connection is not None:
            return self.renew()
        import psycopg

        connection = psycopg.connect(autocommit=True, **self.params)
        try:
            with connection.cursor() as cursor:
                cursor.execute(SERVER_KEEPALIVES)
                cursor.execute("SELECT pg_try_advisory_lock(%s)", (self._key(cursor),))
                (won,) = cursor.fetchone()
        except BaseException:
            connection.close()
            raise
        if won:
            self.connection = connection
        else:
            connection.close()
        return won

    def _key(self, cursor) -> int:
        """A 64-bit key from the lock's name and the schema, so deployments (or test runs)
        sharing one server in separate schemas do not block each other."""
        cursor.execute("SELECT current_database() || '.' || current_schema()")
        (where,) = cursor.fetchone()
        digest = hashlib.sha256(f"xianfeng:{where}:{self.name}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    def renew(self) -> bool:
        """The lock lives as long as its session: check that the server still answers on it
        within `check_seconds`. When it does not (the connection is broken, or silent: the
        server may have dropped the session and a standby taken the lock meanwhile) the
        connection is closed and the lock counts as lost."""
        if self.connection is None:
            return False
        import psycopg

        try:
            _ping(self.connection, self.check_seconds)
            return True
        except (psycopg.Error, TimeoutError) as exc:
            log.warning("scheduler lock connection lost: %s", exc)
            self._drop()
            return False

    def release(self) -> None:
        self._drop()  # closing the session releases every advisory lock it held

    def _drop(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            finally:
                self.connection = None


RENEW = """if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"""
RELEASE = """if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1]) else return 0 end"""


class RedisLock:
    """A Redis key holding our id, with an expiry renewed by heartbeats."""

    def __init__(self, url: str, key: str, ttl_seconds: float, holder: str | None = None):
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # A renewal must fail well within the key's life, not after redis-py's default ten
        # retries of a 5 s timeout: the key would have expired and a standby taken it over.
        timeout = ttl_seconds / 6
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
        )
        self.key, self.ttl_ms = key, int(ttl_seconds * 1000)
        self.holder = holder or holder_id()
        self._renew = self.client.register_script(RENEW)
        self._release = self.client.register_script(RELEASE)

    def acquire(self) -> bool:
        if self.renew():
            return True
        return bool(self.client.set(self.key, self.holder, nx=True, px=self.ttl_ms))

    def renew(self) -> bool:
        return self._renew(keys=[self.key], args=[self.holder, self.ttl_ms]) == 1

    def release(self) -> None:
        self._release(keys=[self.key], args=[self.holder])


def make_lock(settings, name: str = LOCK_NAME):
    """The lock the settings call for: Redis when configured (or asked for), otherwise the
    database's own (advisory on PostgreSQL, a row on SQLite)."""
    config = settings.scheduler
    use_redis = config.lock == "redis" or (config.lock == "auto" and settings.redis.url)
    if use_redis:
        key = f"{settings.redis.key_prefix}:lock:{name}"
        return RedisLock(settings.redis.url, key, config.lock_ttl_seconds)
    if settings.database.url.startswith("sqlite:"):
        return RowLock(name, config.lock_ttl_seconds)
    return AdvisoryLock(settings.database.url, name, config.lock_ttl_seconds)


def safely(action, what: str) -> bool:
    """Run a lock action at the runner's boundary: any error (database or Redis down) counts
    as not holding the lock, so the runner stands by and tries again instead of dying."""
    try:
        return bool(action())
    except Exception as exc:
        log.warning("scheduler lock %s failed: %s", what, exc)
        return False
