"""The register's checkpoint: entries deleted together with their history, or rolled back,
are found against a head kept outside the database; entries added since are fine."""

import json
import sqlite3
from datetime import timedelta

import pytest

from models import db
from services import history, register_check, register_checkpoint, register_seal, review
from tests.conftest import HISTORY_KEY, POSTGRES_URL
from tests.factories import NOW
from tests.register_world import build_world, checked_in

LATER = NOW + timedelta(days=1)
CHECKED = "2026-11-30 10:00"  # LATER in Shanghai time, as the findings name the checkpoint


@pytest.fixture
def world(database):
    return build_world()


@pytest.fixture
def path(tmp_path):
    return register_checkpoint.path_in(tmp_path / "data")


def problems(path) -> dict:
    return {t.record_id: t.problem for t in register_check.verify(LATER, path)}


def sql(statement: str, record_id: int) -> None:
    """A change straight in the database, as a database tool makes it."""
    db.execute_sql(statement.format(id=int(record_id)))


def delete_with_history(entry) -> None:
    sql("DELETE FROM record_history WHERE record_id = {id}", entry.id)
    sql("DELETE FROM service_record WHERE id = {id}", entry.id)


def test_an_entry_deleted_with_its_history_is_reported_and_new_ones_are_fine(world, path):
    gone, kept = checked_in(world.bob, filled=True), checked_in(world.alice, filled=True)
    assert register_checkpoint.advance(path, LATER).entries == 2
    delete_with_history(gone)
    newer = checked_in(world.carol, at=LATER + timedelta(hours=1))
    assert history.verify_all() == []  # the chains alone see nothing
    said = f"记录及其全部登记历史已被删除（{CHECKED} 的检查点记有它的第 3 条历史）"
    assert problems(path) == {gone.id: said}
    assert kept.id not in problems(path) and newer.id not in problems(path)
    lines = register_check.report_lines(register_check.verify(LATER, path), LATER)
    assert lines == [f"{CHECKED} 登记簿核验发现 1 条记录有问题：", f"  记录 #{gone.id}：{said}"]


def test_a_database_emptied_or_swapped_is_reported_once_not_entry_by_entry(world, path):
    entries = [checked_in(world.bob, filled=True), checked_in(world.alice, filled=True)]
    register_checkpoint.advance(path, LATER)
    for entry in entries:
        delete_with_history(entry)
    replacement = checked_in(world.carol, at=LATER + timedelta(hours=1))  # may reuse an id
    (found,) = register_check.verify(LATER, path)
    assert found.record_id is None
    assert "完全对不上：它记的 2 条记录没有一条还在原样" in found.problem
    assert replacement.id not in problems(path)
    assert register_checkpoint.advance(path, LATER).written is False  # until --accept
    assert register_checkpoint.advance(path, LATER, accept=True).written is True
    assert problems(path) == {}


def test_history_rolled_back_with_its_entry_is_reported(world, path):
    """A correction undone by deleting its history line and putting the old values back."""
    entry = checked_in(world.alice, filled=True)
    review.fill_in(world.actor("alice"), entry.id, NOW + timedelta(hours=3), outcome="帮扶十户")
    register_checkpoint.advance(path, LATER)
    sql("DELETE FROM record_history WHERE record_id = {id} AND seq = 4", entry.id)
    sql("UPDATE service_record SET outcome = '楼道畅通整洁' WHERE id = {id}", entry.id)
    assert history.verify_all() == []
    assert problems(path) == {
        entry.id: f"登记历史被回退：{CHECKED} 的检查点记有第 4 条历史，现在只到第 3 条"
    }
    # a legitimate change after the rollback writes a different line 4: still reported
    review.fill_in(world.actor("alice"), entry.id, LATER, outcome="楼道畅通")
    assert problems(path) == {
        entry.id: f"登记历史被回退或改写：第 4 条历史与 {CHECKED} 的检查点不同"
    }


@pytest.mark.skipif(bool(POSTGRES_URL), reason="restores an older copy of the SQLite file")
def test_a_database_restored_from_an_older_copy_is_reported(world, path, tmp_path):
    entry = checked_in(world.alice)
    copy = sqlite3.connect(tmp_path / "old.db")
    db.connection().backup(copy)  # the nightly copy, taken before the member filled in
    review.fill_in(world.actor("alice"), entry.id, LATER, content="清理楼道")
    register_checkpoint.advance(path, LATER)
    copy.backup(db.connection())  # put back whole, as sqlite3's .restore does
    copy.close()
    assert history.verify_all() == []
    assert problems(path) == {
        entry.id: f"登记历史被回退：{CHECKED} 的检查点记有第 3 条历史，现在只到第 2 条"
    }


def test_a_finding_is_carried_into_the_next_checkpoint_until_accepted(world, path):
    gone = checked_in(world.alice)
    register_checkpoint.advance(path, LATER)
    delete_with_history(gone)
    again = register_checkpoint.advance(path, LATER + timedelta(days=1))  # the daily job
    assert (again.written, again.carried) == (True, (gone.id,))
    assert list(problems(path)) == [gone.id]
    accepted = register_checkpoint.advance(path, LATER + timedelta(days=2), accept=True)
    assert (accepted.written, accepted.entries, accepted.carried) == (True, 0, ())
    assert problems(path) == {}


def test_accepting_lists_what_it_stops_reporting_before_writing(world, path):
    rolled_back, gone = checked_in(world.alice, filled=True), checked_in(world.bob)
    checked_in(world.carol)  # one entry as it was: the same database
    register_checkpoint.advance(path, LATER)
    sql("DELETE FROM record_history WHERE record_id = {id} AND seq = 3", rolled_back.id)
    sql(
        "UPDATE service_record SET content = '', target = '', outcome = '' WHERE id = {id}",
        rolled_back.id,
    )
    delete_with_history(gone)
    carried = register_checkpoint.advance(path, LATER)
    rolled = f"登记历史被回退：{CHECKED} 的检查点记有第 3 条历史，现在只到第 2 条"
    deleted = f"记录及其全部登记历史已被删除（{CHECKED} 的检查点记有它的第 2 条历史）"
    assert register_checkpoint.report_lines(carried, LATER) == [
        f"{CHECKED} 登记簿检查点已写入：3 条记录。",
        "2 条记录被删除或回退，仍按原检查点记着，核验时继续报告：",
        f"  alice 2026-11-29 分散活动（记录 #{rolled_back.id}）：{rolled}",
        f"  记录 #{gone.id}：{deleted}",
    ]
    accepted = register_checkpoint.advance(path, LATER, accept=True)
    assert register_checkpoint.report_lines(accepted, LATER) == [
        f"{CHECKED} 已接受以下 2 项核验发现，今后不再报告：",
        f"  alice 2026-11-29 分散活动（记录 #{rolled_back.id}）：{rolled}",
        f"  记录 #{gone.id}：{deleted}",
        f"{CHECKED} 登记簿检查点已写入：2 条记录。",
    ]
    assert register_checkpoint.report_lines(register_checkpoint.advance(path, LATER), LATER) == [
        f"{CHECKED} 登记簿检查点已写入：2 条记录。"
    ]


def test_an_edited_checkpoint_is_reported_and_kept_until_accepted(world, path):
    entry = checked_in(world.alice)
    register_checkpoint.advance(path, LATER)
    data = json.loads(path.read_text())
    data["entries"] = []  # someone making room for a deletion
    path.write_text(json.dumps(data))
    expected = {None: "登记簿检查点文件被改动或不是本系统写的（签名不符），无法用它核对删除和回退"}
    assert problems(path) == expected
    kept = register_checkpoint.advance(path, LATER)
    assert not kept.written and json.loads(path.read_text())["entries"] == []
    lines = register_check.report_lines(register_check.verify(LATER, path), LATER)
    assert lines[1] == f"  登记簿检查点：{expected[None]}"
    assert register_checkpoint.advance(path, LATER, accept=True).written
    assert problems(path) == {} and json.loads(path.read_text())["entries"][0][0] == entry.id


def test_a_checkpoint_file_removed_is_reported_while_the_database_remembers_it(world, path):
    checked_in(world.alice)
    assert problems(path) == {}  # never written: nothing to compare with yet
    register_checkpoint.advance(path, LATER)
    path.unlink()
    assert "登记簿检查点文件不见了" in problems(path)[None]


def test_a_key_change_keeps_the_checkpoint_and_what_it_found(world, path):
    entry, gone = checked_in(world.alice), checked_in(world.bob)
    register_checkpoint.advance(path, LATER)
    delete_with_history(gone)
    history.use_key("the-new-register-history-key-0123456789")
    report = register_seal.seal(LATER, previous_key=HISTORY_KEY, checkpoint=path)
    assert report.resigned == (entry.id,)
    assert (report.checkpoint.written, report.checkpoint.carried) == (True, (gone.id,))
    assert list(problems(path)) == [gone.id]
