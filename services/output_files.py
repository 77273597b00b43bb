"""Files the office's commands write (Excel exports, the roster template, database backups):
where they may go, how they are written, and why one could not be, in the words of the person
who asked for it.

Every file is written whole under a temporary name beside its target and then renamed into
place, so a file with the target's name is always complete: a write that fails (a full disk,
a killed process) leaves the old file, say a workbook the clerk has since worked on and
overwrites with --force, as it was. Beside, not in /tmp: a rename is atomic only within one
file system."""

import errno
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from .errors import Conflict, Invalid

# Why a write failed (errno -> reason); any other failure shows the system's own reason.
WRITE_FAILURES = {
    errno.EACCES: "没有写入权限，或文件正在 Excel 中打开（请先关闭）",
    errno.EPERM: "没有写入权限，或文件正在 Excel 中打开（请先关闭）",
    errno.EISDIR: "这是一个文件夹，请在后面写上文件名",
    errno.ENOSPC: "磁盘已满",
    errno.EROFS: "磁盘只读",
}


def check_target(path: Path, force: bool, kept_because: str) -> None:
    """Refuse a missing folder, and (without force) a file that is already there.

    A missing folder is not made: a misspelt folder name would hide the file where nobody
    looks, so the message names the folder instead. An existing file is kept unless force:
    `kept_because` says what it may hold."""
    if not path.parent.is_dir():
        raise Invalid(
            f"文件夹 {path.parent.absolute()} 不存在：请检查文件夹名称，或先建好这个文件夹。",
            code="no_such_folder",
        )
    if path.exists() and not force:
        raise already_there(path, kept_because)


def already_there(path: Path, kept_because: str) -> Conflict:
    return Conflict(
        f"文件 {path} 已经存在，没有改动它（{kept_because}）。"
        "请换一个文件名；确实要覆盖它，请加 --force。",
        code="file_exists",
    )


def cannot_write(path: Path, exc: OSError) -> Invalid:
    reason = WRITE_FAILURES.get(exc.errno, exc.strerror)
    return Invalid(f"无法写入 {path}：{reason}。", code="cannot_write")


def write_file(path: Path, write: Callable[[Path], None], force: bool, kept_because: str) -> Path:
    """Have `write` make the file under a temporary name beside `path`, then move it into
    place: over an existing file only with `force`, and never over one made meanwhile
    without it. The refusals are check_target's; a failed write is cannot_write, and the
    temporary file is gone either way."""
    check_target(path, force, kept_because)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    try:
        write(draft)
        _move_into_place(draft, path, force, kept_because)
    except OSError as exc:
        raise cannot_write(path, exc) from None
    finally:
        draft.unlink(missing_ok=True)
    return path


def write_bytes(path: Path, content: bytes, force: bool, kept_because: str) -> Path:
    """write_file for content already made whole in memory (a workbook)."""

    def write(draft: Path) -> None:
        with open(draft, "xb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())  # on the disk before the name points at it

    return write_file(path, write, force, kept_because)


def _move_into_place(draft: Path, path: Path, force: bool, kept_because: str) -> None:
    if force:
        os.replace(draft, path)
        return
    try:
        os.link(draft, path)  # fails if the name is taken, unlike a rename
    except FileExistsError:
        raise already_there(path, kept_because) from None
    except OSError:  # a file system without hard links (FAT, some network shares)
        if path.exists():
            raise already_there(path, kept_because) from None
        os.replace(draft, path)
