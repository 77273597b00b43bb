"""Calls made at the same moment from several threads, for tests that show a rule holds when
requests race (each thread on its own connection to the test's database)."""

import threading
from collections.abc import Callable

from models import db
from services.errors import DomainError


def at_once(calls: list[Callable], caught: tuple[type[DomainError], ...]) -> list:
    """Run the calls in threads, each on its own connection, released together; their results,
    or the code of a `caught` refusal, in the order they finished. Anything else raised is
    kept as an "unexpected ..." text, which no assertion on outcomes expects."""
    barrier, outcomes, lock = threading.Barrier(len(calls)), [], threading.Lock()

    def run(call):
        with db.connection_context():
            barrier.wait()
            try:
                outcome = call()
            except caught as exc:
                outcome = exc.code
            except Exception as exc:  # reported by the caller's assertion as a failure
                outcome = f"unexpected {exc!r}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(outcomes) == len(calls)
    return outcomes
