"""Files the office's commands write (the roster template, database backups): where they may
go, and why one could not be written, in the words of the person who asked for it."""

import errno
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
