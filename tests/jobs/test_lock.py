"""The scheduler lock, on every backend the run reaches (a row on the suite's database, a
PostgreSQL advisory lock, a Redis key): exactly one holder; a standby takes over only once the
holder releases or dies; a holder that lost the lock learns it at its next renewal."""

import os
import threading

import pytest

from jobs.lock import AdvisoryLock, RedisLock, RowLock, make_lock
from settings import load_settings
from tests.jobs.conftest import REMOTE_KINDS, kill_holder, make_locker, wait_until


def test_lockers_starting_at_once_elect_exactly_one(new_lock):
    lockers = [new_lock() for _ in range(6)]
    start = threading.Barrier(len(lockers))
    won = [None] * len(lockers)

    def race(index):
        start.wait()
        won[index] = lockers[index].acquire()

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(lockers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert won.count(True) == 1


def test_the_holder_keeps_it_and_others_wait(new_lock):
    holder, standby = new_lock(), new_lock()
    assert holder.acquire()
    assert not standby.acquire()
    assert holder.renew() and holder.acquire()  # renewing, and taking it again, are fine
    assert not standby.renew()
    standby.release()  # a non-holder's release frees nothing
    assert not standby.acquire()


def test_a_standby_takes_over_after_a_release(new_lock):
    holder, standby = new_lock(), new_lock()
    assert holder.acquire()
    holder.release()
    assert standby.acquire()
    assert not holder.renew()
    assert not holder.acquire()


def test_a_standby_takes_over_when_the_holder_dies(new_lock):
    holder, standby = new_lock(), new_lock()
    assert holder.acquire()
    kill_holder(holder)
    assert wait_until(standby.acquire)
    assert not holder.renew()  # the old holder finds out and stops its jobs
    assert standby.renew()


@pytest.mark.parametrize("kind", REMOTE_KINDS)
def test_a_holder_whose_server_falls_silent_gives_up_well_within_the_lock_life(
    kind, database, database_url, redis_url, relay
):
    ttl = 3.0  # a renewal may wait half a second for its answer
    holder = make_locker(kind, database_url, redis_url, ttl, relay=relay)
    assert holder.acquire() and holder.renew()
    relay.freeze()
    outcome = []

    def renew():
        try:
            outcome.append(holder.renew())
        except Exception as exc:  # the runner counts an error as a failed renewal
            outcome.append(exc)

    thread = threading.Thread(target=renew, daemon=True)
    thread.start()
    thread.join(ttl)  # before the lock could have expired (row, key) or been taken over
    assert outcome and outcome[0] is not True


@pytest.mark.parametrize(
    ("overrides", "kind"),
    [
        ({}, RowLock),
        ({"redis": {"url": "redis://127.0.0.1:6379/0"}}, RedisLock),
        (
            {"redis": {"url": "redis://127.0.0.1:6379/0"}, "scheduler": {"lock": "database"}},
            RowLock,
        ),
        ({"database": {"url": "postgresql://u@127.0.0.1:5432/db"}}, AdvisoryLock),
        (
            {"database": {"url": "postgresql+pool://u@h:5432/db?max_connections=8"}},
            AdvisoryLock,
        ),
    ],
)
def test_the_settings_choose_the_lock(overrides, kind):
    settings = load_settings(os.devnull, env={}, overrides={"app": {"demo": "true"}} | overrides)
    lock = make_lock(settings)
    assert isinstance(lock, kind)
    if kind is AdvisoryLock:
        assert "max_connections" not in lock.params  # pool options are not connect options
