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
