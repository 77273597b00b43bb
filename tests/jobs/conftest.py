"""Scheduler test fixtures: locks of every kind the run can reach, and a way to make a holder
"die" the way each kind notices it (an expired row or key, a dropped PostgreSQL session)."""

import socket
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from jobs.lock import AdvisoryLock, RedisLock, RowLock, safely
from models import JobLock
from models.database import make_database
from services import clock
from tests.conftest import POSTGRES_URL, REDIS_PREFIX, REDIS_URL

# Lock kinds to test: the row lock always (on the suite's database), the others when reachable.
LOCK_KINDS = ["row"] + (["advisory"] if POSTGRES_URL else []) + (["redis"] if REDIS_URL else [])
NAME = "test-lock"


# The kinds that talk to a server over TCP, whose server can fall silent (see Relay).
REMOTE_KINDS = [kind for kind in LOCK_KINDS if kind != "row"]


def make_locker(kind: str, database_url: str, redis_url: str, ttl: float = 30.0, relay=None):
    """A locker of one kind on the test's database or Redis (through `relay` if given)."""
    if kind == "row":
        return RowLock(NAME, ttl)
    if kind == "advisory":
        lock = AdvisoryLock(database_url, NAME, ttl)
        if relay is not None:
            relay.connect(lock.params.get("host") or "127.0.0.1", lock.params.get("port") or 5432)
            lock.params |= {"host": "127.0.0.1", "port": relay.port}
        return lock
    if relay is not None:
        parts = urlsplit(redis_url)
        relay.connect(parts.hostname or "127.0.0.1", parts.port or 6379)
        login = parts.netloc.rpartition("@")[0]
        netloc = f"{login}@127.0.0.1:{relay.port}" if login else f"127.0.0.1:{relay.port}"
        redis_url = parts._replace(netloc=netloc).geturl()
    return RedisLock(redis_url, f"{REDIS_PREFIX}:lock:{NAME}", ttl)


@pytest.fixture(params=LOCK_KINDS)
def new_lock(request, database, database_url, redis_url):
    """A factory of competing lockers of one kind, all released afterwards."""
    made = []

    def make(ttl: float = 30.0):
        lock = make_locker(request.param, database_url, redis_url, ttl)
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


class Relay:
    """A TCP relay to a server that can fall silent: once frozen it passes nothing on, either
    way, while every connection stays open and the kernel keeps acknowledging what is sent (a
    server hung or cut off behind a middlebox: no error ever comes, only silence)."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.frozen, self.closed = threading.Event(), False
        self.sockets, self.target, self.guard = [], None, threading.Lock()

    def connect(self, host: str, port: int) -> None:
        """Start relaying connections to host:port."""
        self.target = (host, int(port))
        threading.Thread(target=self._accept, daemon=True).start()

    def freeze(self) -> None:
        self.frozen.set()

    def close(self) -> None:
        """Cut every connection (the server ends the sessions, the clients see them end)."""
        with self.guard:
            self.closed = True
        self.listener.close()
        for sock in self.sockets:  # no more are added once closed
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the pumps blocked on it
            except OSError:
                pass
            sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.guard:  # not after close() has cut the others
                if self.closed:
                    client.close()
                    server.close()
                    return
                self.sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source, sink) -> None:
        try:
            while data := source.recv(65536):
                if not self.frozen.is_set():
                    sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass


@pytest.fixture
def relay():
    """A Relay (see there), closed afterwards."""
    made = Relay()
    yield made
    made.close()
