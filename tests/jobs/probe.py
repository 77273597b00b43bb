"""A job for scheduler tests: it counts its runs and says when it ran."""

import threading
from datetime import datetime

RUNS: list[datetime] = []
RAN = threading.Event()


def record(now: datetime) -> dict:
    RUNS.append(now)
    RAN.set()
    return {"runs": len(RUNS)}


def reset() -> None:
    RUNS.clear()
    RAN.clear()


# A job that blocks until GO is set, for tests of runs still going on when the lock is lost.
GO = threading.Event()
STARTS: list[datetime] = []
STARTED = threading.Event()
_running = {"now": 0, "most": 0}
_counting = threading.Lock()


def hold(now: datetime) -> dict:
    with _counting:
        STARTS.append(now)
        _running["now"] += 1
        _running["most"] = max(_running["most"], _running["now"])
    STARTED.set()
    try:
        GO.wait(60)
    finally:
        with _counting:
            _running["now"] -= 1
    return {"starts": len(STARTS)}


def most_at_once() -> int:
    """The most runs of `hold` that were going on at the same time."""
    return _running["most"]


def reset_hold() -> None:
    GO.clear()
    STARTS.clear()
    STARTED.clear()
    _running.update(now=0, most=0)
