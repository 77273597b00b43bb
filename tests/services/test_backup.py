"""The database backup (services.backup): a SQLite file name, never the live database (even
with force), the copy whole or not at all, and a failure said in SQLite's words."""

import os
from pathlib import Path

import pytest

from models import db
from services import output_files
from services.backup import backup_database
from services.errors import Invalid
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(bool(POSTGRES_URL), reason="copies a SQLite file")


@pytest.fixture
def live(database) -> Path:
    return Path(db.obj.database)


@pytest.fixture
def folder(tmp_path) -> Path:
    """A folder for backups, apart from the test's database."""
    made = tmp_path / "backups"
    made.mkdir()
    return made


@pytest.mark.parametrize("name", ["y.txt", "backup", "copy.db-wal"])
def test_a_name_that_is_not_a_sqlite_file_is_refused(live, folder, name):
    with pytest.raises(Invalid) as refused:
        backup_database(folder / name)
    assert refused.value.code == "bad_backup_name"
    assert ".db、.sqlite、.sqlite3" in refused.value.message
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("name", ["copy.db", "copy.SQLITE", "copy.sqlite3"])
def test_sqlite_names_are_taken(live, folder, name):
    assert backup_database(folder / name).size > 0
    assert [p.name for p in folder.iterdir()] == [name]


@pytest.mark.parametrize("force", [False, True])
def test_the_database_itself_is_refused_first_with_or_without_force(live, force):
    before = live.stat().st_mtime_ns
    with pytest.raises(Invalid) as refused:
        backup_database(live, force=force)
    assert refused.value.code == "backup_onto_database"
    assert "数据库本身" in refused.value.message and "--force" not in refused.value.message
    assert live.stat().st_mtime_ns == before


def test_the_database_by_another_path_is_refused_too(live, monkeypatch):
    monkeypatch.chdir(live.parent.parent)
    with pytest.raises(Invalid) as refused:
        backup_database(os.path.join(live.parent.name, ".", live.name), force=True)
    assert refused.value.code == "backup_onto_database"


def test_a_failed_copy_says_what_sqlite_said_and_keeps_the_old_backup(live, folder, monkeypatch):
    target = folder / "copy.db"
    target.write_bytes(b"last week's backup")
    monkeypatch.setattr(output_files.secrets, "token_hex", lambda n: "fixed")
    draft = folder / ".copy.db.fixed.part"
    draft.symlink_to(folder / "gone" / "x.db")  # SQLite cannot open its draft there
    with pytest.raises(Invalid) as refused:
        backup_database(target, force=True)
    message = refused.value.message
    assert refused.value.code == "backup_failed"
    assert (
        message.startswith(f"无法备份到 {target}：") and "unable to open database file" in message
    )
    assert "磁盘已满" not in message
    assert target.read_bytes() == b"last week's backup"
    assert [p.name for p in folder.iterdir()] == ["copy.db"]
