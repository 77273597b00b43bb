"""Checking the whole register against its hash-chained history, for the `register verify`
command and the office dashboard: finds entries changed behind the service's back (say,
hours added straight in the database) and history entries edited or deleted; with the
register's checkpoint (services.register_checkpoint), also entries deleted together with
their history or rolled back since the checkpoint was written.

The same check, narrowed, goes where the office reads the register's figures, so that an
edit made behind the service's back does not hide in them: one entry's chain on the office's
view of that entry, and the chains of a quarterly report's own entries on the office's view
of the report. Each costs a query or two and a hash per history line, and only the office's
requests pay it: leaders and members are not shown findings (one can quote a visit's
coordinates, which a leader may not see). The photo files themselves are read and hashed by
the command (every file: minutes for a large register) and on the office's view of one entry
(its own files), not on the views of many entries nor the dashboard's check of the whole
register, which answer while someone waits.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import peewee as pw

from models import RecordHistory, ServiceRecord

from . import photo_files
from .actors import Actor
from .clock import to_local
from .history import Tampering, named, problem, read_snapshot, verify_all, verify_record
from .records import attach_photos, counts_toward_hours
from .register_checkpoint import compare

log = logging.getLogger(__name__)


def verify(
    now: datetime, checkpoint: Path | None = None, photo_root: Path | None = None
) -> list[Tampering]:
    """Every entry whose history does not hold, given the checkpoint file every entry it
    names that is gone or rolled back, and given the photo folder every photo file that is
    not what its row names (services.photo_files), each entry named as a clerk finds it;
    read in one snapshot so that a legitimate change committed while the check runs is not
    mistaken for tampering. The checkpoint file is read before the snapshot's first query:
    one written later could name an entry the snapshot is too old to see, and report it
    deleted. The photo rows are read once, for the chains and the files alike; the files are
    hashed after the snapshot, which need not stay open meanwhile."""
    with read_snapshot():
        since = compare(checkpoint).found if checkpoint is not None else ()
        photos = photo_files.photo_rows() if photo_root is not None else None
        found = _merged(named(verify_all(photos)), since)  # compare names its own
    found = _merged(found, tuple(named(photo_files.file_findings(photo_root, photos or ()))))
    for t in found:
        log.warning("register entry %s fails verification: %s", t.record_id, t.problem)
    log.info("register verified at %s: %d problem(s)", now.isoformat(), len(found))
    return found


def _merged(chains: list[Tampering], since: tuple[Tampering, ...]) -> list[Tampering]:
    """Both findings, the checkpoint file's own first, then by entry."""
    return sorted([*chains, *since], key=lambda t: (t.record_id is not None, t.record_id or 0))


def report_lines(found: list[Tampering], now: datetime) -> list[str]:
    """What the command prints (and the office reads): one line per problem, or all clear."""
    at = to_local(now).strftime("%Y-%m-%d %H:%M")
    if not found:
        return [f"{at} 登记簿核验通过：所有记录与历史一致。"]
    records = len({t.record_id for t in found if t.record_id is not None})
    lines = [
        f"{at} 登记簿核验发现 {records} 条记录有问题：" if records else f"{at} 登记簿核验发现问题："
    ]
    lines += [f"  {t.subject}：{t.problem}" for t in found]
    return lines


@dataclass(frozen=True)
class EntryCheck:
    """One entry's register check, as the office's view of the entry shows it."""

    problem: str | None  # None: its history holds

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_entry(actor: Actor, record_id: int, photo_root: Path | None = None) -> EntryCheck | None:
    """The entry's chain checked for the office (None for anyone else), the entry, its photo
    rows and its history read in one snapshot so that a change committed meanwhile is no
    finding; then, given the photo folder, the files of those rows (a few megabytes read)."""
    if not actor.is_office:
        return None
    with read_snapshot():
        record = ServiceRecord.get_or_none(ServiceRecord.id == record_id)
        if record is None:
            return EntryCheck(None)
        record.photos = photo_files.photo_rows([record_id])  # the chain's and the files' rows
        wrong = verify_record(record)
    photos = record.photos if photo_root is not None else ()
    files = [t.problem for t in photo_files.file_findings(photo_root, photos)]
    return EntryCheck("；".join(p for p in (wrong, *files) if p) or None)


@dataclass(frozen=True)
class Findings:
    """The register check of a set of entries (a quarterly report's)."""

    found: tuple[Tampering, ...]
    minutes: int  # what the failing entries that count toward hours credit


def check_entries(entries: pw.Select) -> Findings:
    """The findings among some entries (a query of ServiceRecord ids), each entry named, and
    the minutes they credit; two queries for the entries and their history, in one snapshot,
    however many."""
    with read_snapshot():
        records = list(
            ServiceRecord.select().where(ServiceRecord.id.in_(entries)).order_by(ServiceRecord.id)
        )
        attach_photos(records)
        chains = _chains(entries)
        checked = [(r, problem(r, chains[r.id])) for r in records]
        failing = [(r, wrong) for r, wrong in checked if wrong]
        found = named(Tampering(r.id, wrong) for r, wrong in failing)
    minutes = sum(r.duration_minutes or 0 for r, _ in failing if counts_toward_hours(r))
    return Findings(tuple(found), minutes)


def entry_problems(records: list[ServiceRecord]) -> dict[int, str | None]:
    """Entry id → what check_entry finds for it (None: its history holds), for entries
    already loaded, their history read in one query: the office's register workbook checks
    its rows a batch at a time. Call inside the snapshot the entries were read in."""
    chains = _chains([r.id for r in records])
    attach_photos(records)
    return {r.id: problem(r, chains[r.id]) for r in records}


def _chains(entries) -> dict[int, list[RecordHistory]]:
    """Entry id → its history lines in order, for some entries (ids, or a query of them)."""
    lines = RecordHistory.select().where(RecordHistory.record.in_(entries))
    chains = defaultdict(list)
    for line in lines.order_by(RecordHistory.record, RecordHistory.seq):
        chains[line.record_id].append(line)
    return chains
