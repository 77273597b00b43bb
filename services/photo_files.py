"""Checking the stored photo files against the sha256 each photo row records, for `register
verify`: the register's chains protect the rows (services.history), this the files they name.
A file missing, replaced or damaged on disk is evidence lost, reported as the chains'
findings are.

Each distinct file is read once, a megabyte at a time, whatever its size; a file shared by
several entries (the same photo handed in twice) is hashed once and reported for each.
"""

import hashlib
from collections.abc import Iterable
from pathlib import Path

from models import Photo

from . import history
from .history import Tampering
from .photos import KEY_PATTERN

MISSING = "照片文件不见了：{key}"
UNREADABLE = "照片文件无法读取：{key}"
REPLACED = "照片文件被替换或损坏（内容与签到时的指纹不符）：{key}"
BAD_KEY = "照片地址无效（不是本系统存放照片的位置）：{key}"


def photo_rows(record_ids: Iterable[int] | None = None) -> list[Photo]:
    """Every photo row (or those of some entries) in entry order, the few columns the chains
    cover (history.photo_rows): read inside the check's snapshot, where the chains take
    them too (history.verify_all), and the files hashed after it."""
    query = history.photo_rows()
    if record_ids is not None:
        query = query.where(Photo.record.in_(list(record_ids)))
    return list(query.iterator())


def file_findings(root: str | Path, rows: Iterable[Photo]) -> list[Tampering]:
    """One finding per entry and photo file that is not the file its row names."""
    checked: dict[tuple[str, str], str | None] = {}
    found = []
    for row in rows:
        file = (row.storage_key, row.sha256)
        if file not in checked:
            checked[file] = file_problem(Path(root), *file)
        if checked[file]:
            found.append(Tampering(row.record_id, checked[file]))
    return found


def file_problem(root: Path, key: str, sha256: str) -> str | None:
    """What is wrong with the file a photo row names, or None when it holds those bytes."""
    match = KEY_PATTERN.match(key)
    if match is None or match.group(1):  # an original's key, never a path of one's choosing
        return BAD_KEY.format(key=key)
    try:
        with open(root / key, "rb") as stored:
            digest = hashlib.file_digest(stored, "sha256").hexdigest()
    except FileNotFoundError:
        return MISSING.format(key=key)
    except OSError:
        return UNREADABLE.format(key=key)
    return None if digest == sha256 else REPLACED.format(key=key)
