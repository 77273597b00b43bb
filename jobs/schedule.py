"""The explicit list of scheduled jobs. Cron times are Shanghai time."""

from dataclasses import dataclass
from typing import Any

from . import housekeeping


@dataclass(frozen=True)
class JobDef:
    id: str
    func: Any
    trigger: str
    args: dict


JOBS = [
    JobDef("purge_expired", housekeeping.purge_expired, "cron", {"hour": 3, "minute": 30}),
]
