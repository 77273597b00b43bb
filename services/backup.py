"""A copy of the SQLite database taken while the service runs, with SQLite's online backup.

Copying the file alone misses the latest commits, which wait in xianfeng.db-wal until a
checkpoint moves them in; the backup API reads through a connection and so copies what is
committed, WAL included, in a consistent state. It needs nothing beyond Python (the sqlite3
command-line tool is not part of the install)."""

import os
import sqlite3
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import peewee

from models import db

from .errors import Invalid
from .output_files import cannot_write, check_target

KEPT_BECAUSE = "它可能是以前的备份"


@dataclass(frozen=True)
class Backup:
    source: Path
    target: Path
    size: int  # bytes


def backup_database(target: str | PathLike, force: bool = False) -> Backup:
    """Copy the bound SQLite database to `target`, whole or not at all: the copy is written
    under a temporary name beside the target and renamed once complete, so a file with the
    target's name is always a complete copy."""
    target, source = Path(target), _sqlite_file()
    check_target(target, force, KEPT_BECAUSE)
    if target.exists() and target.resolve() == source.resolve():
        raise Invalid("备份文件不能是数据库本身，请换一个文件名。", code="backup_onto_database")
    draft = target.with_name(f".{target.name}.part")
    try:
        _copy(db.connection(), draft)
        os.replace(draft, target)
    except OSError as exc:
        raise cannot_write(target, exc) from None
    except sqlite3.OperationalError:  # the draft's folder refused the write
        raise Invalid(f"无法写入 {target}：没有写入权限或磁盘已满。", code="cannot_write") from None
    finally:
        draft.unlink(missing_ok=True)
    return Backup(source, target, target.stat().st_size)


def _sqlite_file() -> Path:
    if not isinstance(db.obj, peewee.SqliteDatabase) or db.obj.database == ":memory:":
        raise Invalid(
            "只有 SQLite 数据库可以用这个命令备份；PostgreSQL 请用 pg_dump 备份。",
            code="not_sqlite",
        )
    return Path(db.obj.database)


def _copy(connection: sqlite3.Connection, draft: Path) -> None:
    """The pages copied, then the copy taken out of WAL mode: one self-contained file that
    opens even from read-only media (a WAL database needs its -shm file beside it)."""
    copy = sqlite3.connect(draft)
    try:
        connection.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
