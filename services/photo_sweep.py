"""Clearing away photo files no entry names: a check-in stores its photo before its
transaction, which may still refuse (a parallel tap, the activity cancelled meanwhile, a
database error), and the file (perhaps with a resident's GPS position in its EXIF) would stay
for good.

A file is not deleted at once but moved to `.swept/<day>/` under the photo folder and deleted
QUARANTINE days later: after a database is restored from an older copy, the photos of the
entries lost with it are named by no row, yet they are all the office has left of them
(`register verify` names the entries); and a second database pointed at the same folder by
mistake would otherwise empty it. A database with no photo row at all sweeps nothing; nor does
one that names only a few of a folder's photos (a scratch copy with some entries, pointed at
the real folder) sweep that folder: more than GUARD_PERCENT per cent of its originals named by
no row, and more than GUARD_FILES of them, is no work of refused check-ins, which leave one
file now and then. The folder is left as it is and named in an error in the log; the others
are swept.

Never in the request's error path: files are content-addressed, and another check-in of the
same bytes may be about to commit a row naming the same file. A file is removed only when it
is older than a day and no photo row names it; write_once touches a file it finds already
stored, so one that a check-in is about to name is never that old. The file is first moved
aside and its age read again: a check-in that touched it before the move has made it young
(it is put back), one after the move finds it missing and writes it anew.

Every month folder is read, not only the two a refused check-in writes to (this month's and,
at the turn of a month, the last one's): an orphan of an older month stays there for good
otherwise, with a resident's position perhaps, whether it was stored before the sweep
existed, while the housekeeping stood still over a month's turn, or by entries a restored
older database lacks. To stay cheap after years of photos, the database is asked one folder
at a time, and only about that folder's stale originals, by their hashes (the indexed column;
the storage key has none), BATCH at a time: a night reads about one row per stored original,
never all of them at once.
"""

import logging
import os
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from models import Photo

from .clock import to_local
from .photos import KEY_PATTERN

KEEP = timedelta(days=1)
QUARANTINE = timedelta(days=30)
SWEPT = ".swept"  # under the photo folder: no photo key starts with a dot
BATCH = 500  # keys per IN (...)
#: A folder whose stale originals named by no row are more than this share (per cent) of its
#: originals and more than GUARD_FILES is left as it is. Refused check-ins (a second tap, an
#: activity cancelled meanwhile) leave a few files a month beside the hundreds a month's
#: check-ins store; a database that is not this folder's names few of them or none. The count
#: keeps a quiet month's folder (three photos, one refused tap) from being taken for one.
GUARD_PERCENT, GUARD_FILES = 20, 10
# The names of the folders store_photo writes to (YYYY/MM): ASCII digits (\d takes any script's).
YEAR, MONTH = re.compile(r"[0-9]{4}"), re.compile(r"[0-9]{2}")
log = logging.getLogger(__name__)


def sweep_photos(root: str | os.PathLike, now: datetime) -> int:
    """Move aside the stale files of every month folder that no photo row names, the derived
    copies of originals gone, and temporary files left by a failed write, and delete what was
    moved aside QUARANTINE ago; return how many files were moved aside."""
    root = Path(root)
    _empty_quarantine(root, now)
    if not Photo.select().exists():
        log.warning("photo sweep skipped: the database names no photo (a new or wrong one?)")
        return 0
    aside = root / SWEPT / to_local(now).strftime("%Y-%m-%d")
    moved = sum(_sweep_folder(root, folder, now, aside) for folder in month_folders(root))
    log.info("photo sweep: %d file(s) moved to %s", moved, aside)
    return moved


def month_folders(root: Path) -> list[str]:
    """The month folders (YYYY/MM) under the photo folder, oldest first; the quarantine and
    anything else there are no month folders and are never read."""
    return sorted(
        f"{year}/{month}" for year in _folders(root, YEAR) for month in _folders(root / year, MONTH)
    )


def _folders(path: Path, pattern: re.Pattern) -> list[str]:
    """The names of the folders in `path` that `pattern` matches whole. A link to a folder is
    not followed, as a link to a file is not swept: what it points to (a year moved to another
    disk, say) is not the photo folder's to move."""
    folders = (e for e in _entries(path) if e.is_dir(follow_symlinks=False))
    return [e.name for e in folders if pattern.fullmatch(e.name)]


def _entries(path: Path) -> list[os.DirEntry]:
    """What a folder holds; nothing when it is not there, or cannot be read (logged: one odd
    folder does not stop the night's housekeeping)."""
    try:
        with os.scandir(path) as entries:
            return list(entries)
    except FileNotFoundError:
        return []
    except OSError as exc:
        log.warning("photo sweep: cannot read %s: %s", path, exc)
        return []


def _sweep_folder(root: Path, folder: str, now: datetime, aside: Path) -> int:
    entries = [e for e in _entries(root / folder) if e.is_file(follow_symlinks=False)]
    cutoff = (now - KEEP).replace(tzinfo=UTC).timestamp()  # now is naive UTC
    stale = {e.name for e in entries if _mtime(e) < cutoff}
    every = {e.name for e in entries if _kind(folder, e.name) == "original"}
    originals = stale & every
    unnamed = originals - _named(folder, originals)
    if _not_this_database(folder, len(unnamed), len(every)):
        return 0
    removed = sum(_move_aside(root, folder, name, cutoff, aside) for name in sorted(unnamed))
    stems = {name.rsplit(".", 1)[0] for name in every - unnamed}
    for name in sorted(stale - originals):
        kind = _kind(folder, name)
        orphaned = kind == "derived" and name.rsplit("_", 1)[0] not in stems
        if kind == "temporary" or orphaned:
            removed += _move_aside(root, folder, name, cutoff, aside)
    return removed


def _not_this_database(folder: str, unnamed: int, originals: int) -> bool:
    """Whether the database names too few of the folder's originals to be the folder's own
    (GUARD_PERCENT, GUARD_FILES); logged as an error, for the office to look into."""
    if unnamed <= GUARD_FILES or unnamed * 100 <= GUARD_PERCENT * originals:
        return False
    log.error(
        "photo sweep: %s left as it is: %d of its %d photos are named by no entry, more than "
        "refused check-ins leave; is the database the one of this photo folder?",
        folder,
        unnamed,
        originals,
    )
    return True


def _mtime(entry: os.DirEntry) -> float:
    """The file's modification time; a file gone meanwhile counts as young (left alone)."""
    try:
        return entry.stat().st_mtime
    except OSError:
        return float("inf")


def _kind(folder: str, name: str) -> str | None:
    """original, derived or temporary; None for anything else (left alone)."""
    if name.startswith(".") and name.endswith(".tmp"):
        return "temporary"
    match = KEY_PATTERN.match(f"{folder}/{name}")
    if match is None:
        return None
    return "derived" if match.group(1) else "original"


def _named(folder: str, names: set[str]) -> set[str]:
    """The names among `names` some photo row names by its storage_key, asked by sha256 (the
    indexed column; the name is the hash)."""
    digests = sorted({name[:64] for name in names})
    keys = set()
    for start in range(0, len(digests), BATCH):
        rows = Photo.select(Photo.storage_key).where(
            Photo.sha256.in_(digests[start : start + BATCH])
        )
        keys |= set(rows.scalars())
    return {name for name in names if f"{folder}/{name}" in keys}


def _move_aside(root: Path, folder: str, name: str, cutoff: float, aside: Path) -> int:
    """Move the file into the quarantine, read its age again, and put it back if a check-in
    touched it meanwhile; 1 when it stays moved. A file that cannot be moved is logged and
    left, so one odd file does not stop the night's housekeeping."""
    path, target = root / folder / name, aside / folder / name
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
    except FileNotFoundError:
        return 0
    except OSError as exc:
        log.warning("photo sweep: cannot move %s: %s", path, exc)
        return 0
    if target.stat().st_mtime >= cutoff:  # touched by a check-in meanwhile: it stays
        os.replace(target, path)
        return 0
    return 1


def _empty_quarantine(root: Path, now: datetime) -> None:
    """Delete the days of the quarantine older than QUARANTINE."""
    oldest = (to_local(now) - QUARANTINE).strftime("%Y-%m-%d")
    for day in sorted((root / SWEPT).glob("????-??-??")):
        if day.name < oldest:
            shutil.rmtree(day, ignore_errors=True)
