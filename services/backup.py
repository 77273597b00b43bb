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
from .output_files import write_file

KEPT_BECAUSE = "它可能是以前的备份"
SUFFIXES = (".db", ".sqlite", ".sqlite3")  # what a SQLite file is called, and opened by
# What SQLite says when a copy fails (its message → the reason in Chinese); any other
# message is given as SQLite said it.
SQLITE_FAILURES = {
    "unable to open database file": "无法在这里新建文件（没有写入权限，或文件夹不可用）",
    "database or disk is full": "磁盘已满",
    "disk I/O error": "磁盘读写出错",
    "attempt to write a readonly database": "磁盘只读或没有写入权限",
    "database is locked": "数据库正忙（其他程序锁住了它），请稍后再试",
    "database disk image is malformed": "数据库文件已损坏",
}


@dataclass(frozen=True)
class Backup:
    source: Path
    target: Path
    size: int  # bytes


def backup_database(target: str | PathLike, force: bool = False) -> Backup:
    """Copy the bound SQLite database to `target`, whole or not at all
    (services.output_files.write_file: under a temporary name beside the target, renamed
    once complete), so a file with the target's name is always a complete copy. The name
    and the database itself are refused before anything else: --force must never be the
    answer to a backup over the live database."""
    target, source = Path(target), _sqlite_file()
    _check_name(target)
    if target.exists() and os.path.samefile(target, source):
        raise Invalid(
            f"{target} 就是正在使用的数据库本身，不能备份到它上面：请换一个文件名。",
            code="backup_onto_database",
        )
    write_file(target, lambda draft: _copy(db.connection(), draft, target), force, KEPT_BECAUSE)
    return Backup(source, target, target.stat().st_size)


def _check_name(target: Path) -> None:
    """A backup is opened as a SQLite file by its name; y.txt would be taken for text."""
    if target.suffix.lower() not in SUFFIXES:
        raise Invalid(
            f"备份文件名须以 {'、'.join(SUFFIXES)} 结尾：「{target.name}」。"
            "例如：xianfeng-2026-12-01.db",
            code="bad_backup_name",
        )


def _sqlite_file() -> Path:
    if not isinstance(db.obj, peewee.SqliteDatabase) or db.obj.database == ":memory:":
        raise Invalid(
            "只有 SQLite 数据库可以用这个命令备份；PostgreSQL 请用 pg_dump 备份。",
            code="not_sqlite",
        )
    return Path(db.obj.database)


def _copy(connection: sqlite3.Connection, draft: Path, target: Path) -> None:
    """The pages copied, then the copy taken out of WAL mode: one self-contained file that
    opens even from read-only media (a WAL database needs its -shm file beside it)."""
    try:
        copy = sqlite3.connect(draft)
        try:
            connection.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
    except sqlite3.OperationalError as exc:
        for leftover in ("-journal", "-wal", "-shm"):  # the draft itself goes in write_file
            Path(f"{draft}{leftover}").unlink(missing_ok=True)
        raise _failed(exc, target) from None


def _failed(exc: sqlite3.OperationalError, target: Path) -> Invalid:
    """What SQLite said, in a Chinese sentence: not every failure is a full disk."""
    said = str(exc)
    reason = SQLITE_FAILURES.get(said, "SQLite 报告了错误")
    return Invalid(f"无法备份到 {target}：{reason}（SQLite：{said}）。", code="backup_failed")
