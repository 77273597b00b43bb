"""Checking the whole register against its hash-chained history, for the `register verify`
command and the office dashboard: finds entries changed behind the service's back (say,
hours added straight in the database) and history entries edited or deleted."""

import logging
from contextlib import AbstractContextManager
from datetime import datetime

import peewee as pw

from models import db

from .clock import to_local
from .history import Tampering, verify_all

log = logging.getLogger(__name__)


def verify(now: datetime) -> list[Tampering]:
    """Every entry whose history does not hold, read in one snapshot so that a legitimate
    change committed while the check runs is not mistaken for tampering."""
    with _snapshot():
        found = verify_all()
    for t in found:
        log.warning("register entry %s fails verification: %s", t.record_id, t.problem)
    log.info("register verified at %s: %d problem(s)", now.isoformat(), len(found))
    return found


def _snapshot() -> AbstractContextManager:
    """A read transaction with one view of the data: SQLite's deferred transaction keeps the
    snapshot of its first read (WAL); PostgreSQL needs REPEATABLE READ for that."""
    if isinstance(db.obj, pw.SqliteDatabase):
        return db.atomic("DEFERRED")  # not the database's IMMEDIATE: a check must not block writers
    return db.atomic("REPEATABLE READ")


def report_lines(found: list[Tampering], now: datetime) -> list[str]:
    """What the command prints (and the office reads): one line per problem, or all clear."""
    at = to_local(now).strftime("%Y-%m-%d %H:%M")
    if not found:
        return [f"{at} 登记簿核验通过：所有记录与历史一致。"]
    lines = [f"{at} 登记簿核验发现 {len(found)} 条记录有问题："]
    lines += [f"  记录 #{t.record_id}：{t.problem}" for t in found]
    return lines
