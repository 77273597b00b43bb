"""Scheduler test fixtures: locks of every kind the run can reach, and a way to make a holder
"die" the way each kind notices it (an expired row or key, a dropped PostgreSQL session)."""

import time
from datetime import timedelta

import pytest

from jobs.lock import AdvisoryLock, RedisLock, RowLock, safely
from models import JobLock
from models.database import make_database
from services import clock
from tests.conftest import POSTGRES_URL, REDIS_PREFIX, REDIS_URL

# Lock kinds to test: the row lock always (on the suite's database), the others when reachable.
LOCK_KINDS = ["row"] + (["advisory"] if POSTGRES_URL else []) + (["redis"] if REDIS_URL else [])
NAME = "test-lock"


@pytest.fixture(params=LOCK_KINDS)
def new_lock(request, database, database_url, redis_url):
    """A factory of competing lockers of one kind, all released afterwards."""
    made = []

    def make(ttl: float = 30.0):
        factories = {
            "row": lambda: RowLock(NAME, ttl),
            "advisory": lambda: AdvisoryLock(database_url, NAME),
            "redis": lambda: RedisLock(redis_url, f"{REDIS_PREFIX}:lock:{NAME}", ttl),
        }
        lock = factories[request.param]()
        made.append(lock)
        return lock

    make.kind = request.param
    yield make
    for lock in made:
        safely(lock.release, "release")


def kill_holder(lock) -> None:
    """Make a holder stop holding as if its process had died: its row or key expires, or its
    PostgreSQL session is ended by the server."""
    if isinstance(lock, RowLock):
        past = clock.now_utc() - timedelta(seconds=1)
        JobLock.update(expires_at=past).where(JobLock.name == lock.name).execute()
    elif isinstance(lock, RedisLock):
        lock.client.pexpire(lock.key, 1)
        wait_until(lambda: not lock.client.exists(lock.key))
    else:
        pid = lock.connection.info.backend_pid
        admin = make_database(POSTGRES_URL)
        admin.execute_sql("SELECT pg_terminate_backend(%s)", (pid,))
        admin.close()


def wait_until(condition, seconds: float = 30.0, every: float = 0.05):
    """Poll a condition until it holds (a deadline, not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(every)
