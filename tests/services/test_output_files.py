"""Files the office's commands write appear whole or not at all: written under a temporary
name beside the target and renamed into place, so a failed write (here a full disk at the
final flush) keeps the file that was there, even with force, and leaves nothing behind."""

import errno

import pytest

from services import output_files
from services.errors import Conflict, Invalid
from services.output_files import write_bytes, write_file

KEPT = "它可能是之前导出、后来又改过的文件"


def test_a_new_file_is_written_and_nothing_else(tmp_path):
    target = tmp_path / "out.xlsx"
    assert write_bytes(target, b"new", False, KEPT) == target
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_an_existing_file_is_kept_without_force_and_replaced_with_it(tmp_path):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"the clerk's own")
    with pytest.raises(Conflict) as refused:
        write_bytes(target, b"new", False, KEPT)
    assert refused.value.code == "file_exists" and KEPT in refused.value.message
    assert target.read_bytes() == b"the clerk's own"
    write_bytes(target, b"new", True, KEPT)
    assert target.read_bytes() == b"new"


def test_a_failed_write_with_force_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"the clerk's own")

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output_files.os, "fsync", disk_full)
    with pytest.raises(Invalid) as refused:
        write_bytes(target, b"new", True, KEPT)
    assert refused.value.message == f"无法写入 {target}：磁盘已满。"
    assert target.read_bytes() == b"the clerk's own"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_a_file_made_meanwhile_is_not_overwritten_without_force(tmp_path):
    target = tmp_path / "out.xlsx"

    def write(draft):
        draft.write_bytes(b"ours")
        target.write_bytes(b"made meanwhile")  # after the check, before the rename

    with pytest.raises(Conflict):
        write_file(target, write, False, KEPT)
    assert target.read_bytes() == b"made meanwhile"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_a_refusal_from_the_writer_leaves_no_temporary_file(tmp_path):
    def write(draft):
        draft.write_bytes(b"half")
        raise Invalid("不行。")

    with pytest.raises(Invalid):
        write_file(tmp_path / "out.db", write, False, KEPT)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(Invalid) as refused:
        write_bytes(tmp_path / "nodir" / "out.xlsx", b"x", False, KEPT)
    assert refused.value.code == "no_such_folder" and "nodir 不存在" in refused.value.message
