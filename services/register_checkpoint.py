"""The register's checkpoint: a head for the whole register, kept outside the database.

Each entry's history is a chain of its own, so an entry deleted together with its history,
or an entry and its history both put back to an earlier state (a database restored from an
older copy, a correction undone by deleting its history line), still verifies: nothing in
the database says the lines were ever there. The checkpoint says so. It is a file in
app.data_dir naming, for every entry with history, its latest line (entry id, seq, hash),
with the counts, under an HMAC with the history key; `register seal` and a daily job write
it, and `register verify` then reports every entry it names that is gone, or whose history
no longer reaches the line it names (rolled back), alongside the chains' own findings.
Entries added after the checkpoint are not in it and need nothing.

A finding is not lost when the next checkpoint is written: an entry that did not reach the
old checkpoint is carried into the new one with its old line, so it is reported until the
office, having looked into it, accepts the register as it is (`register checkpoint
--accept`). A checkpoint file that fails its HMAC, or is missing although the database
records writing one, is reported and not replaced without --accept.

What it can catch: for the entries the last checkpoint names, deletion (with or without
their history) and rollback of their history, whoever did it without the history key; an
edited checkpoint file; a deleted one, while the database still records writing it.
What it cannot catch: changes made and undone between two checkpoints (up to a day with the
daily job); entries created after the last checkpoint and deleted before the next; the
database and this file both put back to older copies (keep the data folder out of the
database's backups, or at least restore them apart); anyone holding the history key, who
can write a checkpoint; the file and the database's record of it both deleted. On SQLite an
id freed by deleting the newest entry may be given to the next one: that entry is then
reported under the old number as rolled back or rewritten, which still shows the deletion.

When not one entry the checkpoint names still reaches its line, the database is not the one
the checkpoint was written for (emptied, or swapped for another: a demo's file deleted and
made again): that is reported once, not as every entry deleted.

The file is where the service runs: with several hosts, app.data_dir must be one shared
folder, or a host without the file reports it missing once one was written elsewhere.
"""

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from models import AuditLog, RecordHistory, ServiceRecord

from . import history
from .clock import to_local
from .history import Tampering

FILE_NAME = "register_checkpoint.json"
WRITTEN = "register_checkpoint"  # the AuditLog action of a checkpoint written
VERSION = 1
_DOMAIN = b"xianfeng register checkpoint v1\n"  # a checkpoint's MAC is never a chain hash
log = logging.getLogger(__name__)

Head = tuple[int, int, str]  # (entry id, seq, hash) of an entry's latest history line


def path_in(data_dir: str | os.PathLike) -> Path:
    """The checkpoint file of a data folder."""
    return Path(data_dir) / FILE_NAME


@dataclass(frozen=True)
class Checkpoint:
    written_at: datetime
    heads: tuple[Head, ...]
    history_rows: int


@dataclass(frozen=True)
class Comparison:
    """The last checkpoint against the register now."""

    checkpoint: Checkpoint | None  # None: no (trustworthy) checkpoint
    found: tuple[Tampering, ...]  # entries gone or rolled back; record_id None: the file
    carried: tuple[Head, ...] = field(default=())  # the lines of the entries found

    @property
    def file_problem(self) -> bool:
        return any(t.record_id is None for t in self.found)


def _mac(body: dict, sign: history.Sign) -> str:
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return sign(_DOMAIN + text.encode())


def _history_index() -> dict[int, dict[int, str]]:
    """Every entry's history lines, seq → hash, by entry id (one query)."""
    index: dict[int, dict[int, str]] = {}
    rows = RecordHistory.select(RecordHistory.record, RecordHistory.seq, RecordHistory.hash)
    for record_id, seq, hash_ in rows.tuples().iterator():
        index.setdefault(record_id, {})[seq] = hash_
    return index


def _heads(index: dict[int, dict[int, str]]) -> list[Head]:
    return [(rid, max(lines), lines[max(lines)]) for rid, lines in sorted(index.items())]


def load(path: Path, signs: Sequence[history.Sign] = ()) -> Checkpoint | str | None:
    """The checkpoint in the file, None when there is none, or what is wrong with it (in
    Chinese, for the office) when it cannot be trusted. Its MAC is checked under `signs`
    (by default the current key only)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return _missing()
    except (OSError, ValueError):
        return "登记簿检查点文件无法读取，可能已损坏"
    signs = signs or (history.current_sign(),)
    try:
        body = {k: data[k] for k in ("version", "written_at", "entries", "history_rows")}
        trusted = any(data["mac"] == _mac(body, sign) for sign in signs)
        heads = tuple((int(r), int(s), str(h)) for r, s, h in body["entries"])
        written_at = datetime.fromisoformat(body["written_at"])
    except (KeyError, TypeError, ValueError):
        trusted = False
    if not trusted:
        return "登记簿检查点文件被改动或不是本系统写的（签名不符），无法用它核对删除和回退"
    return Checkpoint(written_at, heads, int(body["history_rows"]))


def _missing() -> str | None:
    last = AuditLog.select().where(AuditLog.action == WRITTEN).order_by(AuditLog.id.desc()).first()
    if last is None:
        return None  # never written: nothing to compare with yet
    at = to_local(last.at).strftime("%Y-%m-%d %H:%M")
    return f"登记簿检查点文件不见了（上次写于 {at}），无法核对记录是否被整条删除或回退"


def compare(path: Path, signs: Sequence[history.Sign] = ()) -> Comparison:
    """The entries the last checkpoint names that are gone or rolled back, each named as a
    clerk finds it. Call inside one read snapshot (services.register_check) so that a change
    committed meanwhile is not taken for a rollback."""
    loaded = load(path, signs)
    if loaded is None:
        return Comparison(None, ())
    if isinstance(loaded, str):
        return Comparison(None, (Tampering(None, loaded),))
    index, present = _history_index(), set(ServiceRecord.select(ServiceRecord.id).scalars())
    at = to_local(loaded.written_at).strftime("%Y-%m-%d %H:%M")
    found, carried = [], []
    for head in loaded.heads:
        problem = _problem(head, index.get(head[0], {}), head[0] in present, at)
        if problem:
            found.append(Tampering(head[0], problem))
            carried.append(head)
    if len(found) > 1 and len(found) == len(loaded.heads):
        return Comparison(None, (Tampering(None, OTHER_DATABASE.format(at=at, n=len(found))),))
    return Comparison(loaded, tuple(history.named(found)), tuple(carried))


OTHER_DATABASE = (
    "数据库与 {at} 的检查点完全对不上：它记的 {n} 条记录没有一条还在原样（数据库被清空或换成了"
    "另一个）；请核查，如确认是有意更换了数据库，请运行 register checkpoint --accept"
)


def _problem(head: Head, lines: dict[int, str], present: bool, at: str) -> str | None:
    _, seq, hash_ = head
    if lines.get(seq) == hash_:
        return None
    if not lines:
        gone = "记录及其全部登记历史已被删除" if not present else "记录的登记历史已被全部删除"
        return f"{gone}（{at} 的检查点记有它的第 {seq} 条历史）"
    last = max(lines)
    if last < seq:
        return f"登记历史被回退：{at} 的检查点记有第 {seq} 条历史，现在只到第 {last} 条"
    return f"登记历史被回退或改写：第 {seq} 条历史与 {at} 的检查点不同"


@dataclass(frozen=True)
class Written:
    """What writing a checkpoint did."""

    written: bool  # False: the old file is untrustworthy and was kept (no --accept)
    entries: int  # entries named
    carried: tuple[int, ...]  # entries named with an older line, still reported
    found: tuple[Tampering, ...]  # what the old checkpoint showed
    accepted: tuple[Tampering, ...] = ()  # what --accept took as it is: no longer reported


def current_heads() -> tuple[list[Head], int]:
    """Every entry's latest history line, and how many history lines there are; read in one
    snapshot by the caller."""
    index = _history_index()
    return _heads(index), sum(len(lines) for lines in index.values())


def advance(path: Path, now: datetime, accept: bool = False) -> Written:
    """Compare with the last checkpoint and write the next (the daily job, the command)."""
    with history.read_snapshot():
        before, now_heads = compare(path), current_heads()
    return write(path, now, before, now_heads, accept)


def write(
    path: Path,
    now: datetime,
    before: Comparison,
    now_heads: tuple[list[Head], int],
    accept: bool = False,
) -> Written:
    """Write a checkpoint naming `now_heads` (read in one snapshot with `before`, the
    comparison with the old one), carrying forward the entries `before` found unless
    `accept`; an untrustworthy old file is replaced only when `accept`. Call after the
    transaction that read them: a checkpoint must not name lines that were rolled back."""
    if before.file_problem and not accept:
        log.warning("register checkpoint not written: the old one cannot be trusted (%s)", path)
        return Written(False, 0, (), before.found)
    heads, rows = now_heads
    carried = () if accept else before.carried
    named = {head[0]: head for head in heads} | {head[0]: head for head in carried}
    entries = [list(named[rid]) for rid in sorted(named)]
    body = {"version": VERSION, "written_at": now.isoformat(sep=" "), "entries": entries}
    body["history_rows"] = rows
    _publish(path, body | {"mac": _mac(body, history.current_sign())})
    detail = {"entries": len(entries), "history_rows": rows, "carried": [h[0] for h in carried]}
    if accept:
        detail["accepted"] = [t.record_id for t in before.found]
    AuditLog.create(at=now, actor="system", action=WRITTEN, detail=detail)
    log.info("register checkpoint written: %s", detail)
    accepted = before.found if accept else ()
    return Written(True, len(entries), tuple(h[0] for h in carried), before.found, accepted)


def _publish(path: Path, body: dict) -> None:
    """Replace the file whole: a reader sees the old checkpoint or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    with open(draft, "w", encoding="utf-8") as out:
        json.dump(body, out, ensure_ascii=False, separators=(",", ":"))
        out.flush()
        os.fsync(out.fileno())
    os.replace(draft, path)


def report_lines(done: Written, now: datetime) -> list[str]:
    """What the checkpoint command prints, for the office: what --accept took as it is, each
    entry named as in `register verify`, before saying the checkpoint was written (the
    office should see what it stops being told about), and what stays reported."""
    at = to_local(now).strftime("%Y-%m-%d %H:%M")
    if not done.written:
        return [
            f"{at} 登记簿检查点未更新：原检查点文件不可信，请先核查；"
            "确认无误后用 register checkpoint --accept 重新写入。",
            *(f"  {t.problem}" for t in done.found),
        ]
    lines = []
    if done.accepted:
        lines.append(f"{at} 已接受以下 {len(done.accepted)} 项核验发现，今后不再报告：")
        lines += [f"  {t.subject}：{t.problem}" for t in done.accepted]
    lines.append(f"{at} 登记簿检查点已写入：{done.entries} 条记录。")
    if done.carried:
        lines.append(f"{len(done.carried)} 条记录被删除或回退，仍按原检查点记着，核验时继续报告：")
        lines += [f"  {t.subject}：{t.problem}" for t in done.found if t.record_id is not None]
    return lines
