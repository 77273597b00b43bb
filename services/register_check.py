"""Checking the whole register against its hash-chained history, for the `register verify`
command and the office dashboard: finds entries changed behind the service's back (say,
hours added straight in the database) and history entries edited or deleted; with the
register's checkpoint (services.register_checkpoint), also entries deleted together with
their history or rolled back since the checkpoint was written."""

import logging
from datetime import datetime
from pathlib import Path

from .clock import to_local
from .history import Tampering, named, read_snapshot, verify_all
from .register_checkpoint import compare

log = logging.getLogger(__name__)


def verify(now: datetime, checkpoint: Path | None = None) -> list[Tampering]:
    """Every entry whose history does not hold and, given the checkpoint file, every entry it
    names that is gone or rolled back, each entry named as a clerk finds it; read in one
    snapshot so that a legitimate change committed while the check runs is not mistaken for
    tampering. The checkpoint file is read before the snapshot's first query: one written
    later could name an entry the snapshot is too old to see, and report it deleted."""
    with read_snapshot():
        since = compare(checkpoint).found if checkpoint is not None else ()
        found = _merged(named(verify_all()), since)  # compare names its own
    for t in found:
        log.warning("register entry %s fails verification: %s", t.record_id, t.problem)
    log.info("register verified at %s: %d problem(s)", now.isoformat(), len(found))
    return found


def _merged(chains: list[Tampering], since: tuple[Tampering, ...]) -> list[Tampering]:
    """Both findings, the checkpoint file's own first, then by entry."""
    return sorted([*chains, *since], key=lambda t: (t.record_id is not None, t.record_id or 0))


def report_lines(found: list[Tampering], now: datetime) -> list[str]:
    """What the command prints (and the office reads): one line per problem, or all clear."""
    at = to_local(now).strftime("%Y-%m-%d %H:%M")
    if not found:
        return [f"{at} 登记簿核验通过：所有记录与历史一致。"]
    records = len({t.record_id for t in found if t.record_id is not None})
    lines = [
        f"{at} 登记簿核验发现 {records} 条记录有问题：" if records else f"{at} 登记簿核验发现问题："
    ]
    lines += [f"  {t.subject}：{t.problem}" for t in found]
    return lines
