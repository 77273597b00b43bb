"""The register's append-only history: every change to an entry, chained by keyed hashes.

Each entry stores the record's tracked state after the change, and its hash covers that
state, the change and the previous entry's hash. Verifying recomputes the chain and compares
the last state with the row as it is now, so an edit made behind the service's back (say,
hours added straight in the database) shows up as a mismatch.

The hashes are HMAC-SHA256 under the register's history key (config register.history_key),
which the database does not hold: whoever can write to the database could otherwise edit an
entry, rewrite its history to match and recompute every plain hash, and the forged chain
would verify. Only the service can extend or recompute a chain. Chains hashed before the key
existed (plain SHA-256) do not verify here; `register seal` re-signs those that hold.

The chains are per entry: an entry deleted together with its history, or rolled back with it,
leaves nothing here to see. The register's checkpoint, kept outside the database
(services.register_checkpoint), covers that.
"""

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import groupby
from operator import attrgetter

import peewee as pw

from models import Photo, RecordHistory, ServiceRecord, db
from models.prepared import PreparedInsert
from models.record import DECIDED

from .register_text import entry_names, shown

# The fields that make an entry evidence, each with the name the office reads it by; a change
# to any of them must go through here.
COLUMN_LABELS = {
    "member_id": "党员",
    "kind": "服务类型",
    "activity_id": "活动",
    "household_id": "结对家庭",
    "checkin_at": "签到时间",
    "checkin_lat": "签到纬度",
    "checkin_lng": "签到经度",
    "checkin_coord_type": "签到坐标系",
    "checkin_accuracy_m": "定位精度",
    "distance_m": "签到距离",
    "checkout_at": "签退时间",
    "checkout_lat": "签退纬度",
    "checkout_lng": "签退经度",
    "duration_minutes": "服务时长（分钟）",
    "content": "服务内容",
    "target": "服务对象",
    "outcome": "取得成效",
    "status": "审核状态",
    "flags": "异常标记",
    "source": "登记来源",
    "registered_by_id": "代登记人",
    "registration_reason": "代登记原因",
    "review_comment": "审核意见",
    "request_id": "请求编号",
}
TRACKED = tuple(COLUMN_LABELS)
# The entry's photos are its evidence too: each as [storage_key, sha256], oldest first, so a
# photo row deleted or pointed at another file behind the service's back breaks the chain
# (the files themselves are checked against their sha256 by services.photo_files).
PHOTOS = "photos"
LABELS = {**COLUMN_LABELS, PHOTOS: "照片"}
# Tracked since chains already existed: a line written before has no such key in its state
# and says nothing of them, so the line that first carries one is not a change to explain,
# and the row is compared with them only once the last line carries them (see problem).
LATER_TRACKED = frozenset({PHOTOS})
# Every action a history line can record, with the name people read it by: the one list, so
# that what the API documents (api/records.py) is what the code writes. append refuses any
# other, so a new action fails loudly until it is listed here.
ACTIONS = {
    "checkin": "签到",
    "checkout": "签退",
    "auto_checkout": "系统自动签退",
    "register": "代为登记",
    "fill": "填写",
    "review": "审核",
    "correct": "更正",
    "backfill": "系统补填",
    "recheck": "重新核对",
}
GENESIS = "0" * 64
log = logging.getLogger(__name__)


def state_of(record: ServiceRecord) -> dict:
    """The tracked fields as JSON-safe values, with the entry's photos."""
    state = {name: _plain(getattr(record, name)) for name in TRACKED}
    state[PHOTOS] = photos_of(record)
    return state


def photos_of(record: ServiceRecord) -> list[list[str]]:
    """[storage_key, sha256] of each of the entry's photos, oldest first: from the photos
    attached to it (a check-in, records.attach_photos, chains), else read in one query."""
    attached = record.__dict__.get("photos")  # an assigned list shadows the backref query
    if attached is None:
        attached = Photo.select(Photo.id, Photo.storage_key, Photo.sha256).where(
            Photo.record == record.id
        )
    return [[p.storage_key, p.sha256] for p in sorted(attached, key=attrgetter("id"))]


def _as_known_to(state: dict, line_state: dict) -> dict:
    """`state` without the later-tracked fields a history line's state does not carry."""
    return {k: v for k, v in state.items() if k in line_state or k not in LATER_TRACKED}


def _plain(value):
    return value.isoformat(sep=" ") if isinstance(value, datetime) else value


#: Hashes a chain link's message (the previous hash and the entry) to 64 hex digits.
Sign = Callable[[bytes], str]
_sign: Sign | None = None  # the current key's, set once by use_key


def keyed(key: str) -> Sign:
    """HMAC-SHA256 under a key. The key is prepared here once; each call only copies the
    prepared state, so a keyed hash costs what a plain one does (append runs in every
    check-in)."""
    if not key:
        raise ValueError("the register history key must not be empty")
    prepared = hmac.new(key.encode(), digestmod=hashlib.sha256)

    def sign(message: bytes) -> str:
        mac = prepared.copy()
        mac.update(message)
        return mac.hexdigest()

    return sign


def use_key(key: str) -> None:
    """Sign and check every chain under this key from now on (create_app calls it)."""
    global _sign
    _sign = keyed(key)


def current_sign() -> Sign:
    """The current key's signing function; failing loudly beats signing with no key."""
    if _sign is None:
        raise RuntimeError("the register history key is not set (history.use_key)")
    return _sign


def _message(prev_hash: str, entry: dict) -> bytes:
    body = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (prev_hash + body).encode()


def _entry(record_id, seq, at, actor, action, changes, reason, state) -> dict:
    return {
        "record": record_id,
        "seq": seq,
        "at": _plain(at),
        "actor": actor,
        "action": action,
        "changes": changes,
        "reason": reason,
        "state": state,
    }


_NEW_ENTRY = PreparedInsert(RecordHistory)


def append(
    record: ServiceRecord, actor: str, action: str, now: datetime, before: dict, reason: str = ""
) -> RecordHistory:
    """Add the change from `before` (a state_of taken earlier; {} on creation) to the chain.

    Call inside the transaction that saved the record, after saving it with its updated_at
    set to `now` (or later): what reads the lines since a time bounds the entries by it
    (services.checkin_closing.latest_settled).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown register history action {action!r} (history.ACTIONS)")
    last = record.history.order_by(RecordHistory.seq.desc()).first() if before else None
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    if last is not None and _as_known_to(before, last.state) != last.state:
        log.warning("entry %s was changed behind the service before history %s", record.id, seq)
    state = state_of(record)
    changes = {k: [before.get(k), v] for k, v in state.items() if before.get(k) != v}
    entry = _entry(record.id, seq, now, actor, action, changes, reason, state)
    return _NEW_ENTRY.create(
        record=record,
        seq=seq,
        at=now,
        actor=actor,
        action=action,
        changes=changes,
        reason=reason,
        state=state,
        prev_hash=prev,
        hash=current_sign()(_message(prev, entry)),
    )


# The lines by which someone decides an entry's status: a review (leader or office) and an
# office correction. A check-in, check-out or fill-in moves the status by rule, not by anyone's
# judgement: a clean check-in's automatic "verified" is no decision.
DECIDING_ACTIONS = frozenset({"review", "correct"})


def last_decision(record: ServiceRecord) -> RecordHistory | None:
    """The entry's standing decision: its latest review, or a later office correction that set
    its status to verified or rejected; its actor is who decided the status now standing.

    None when nobody's decision stands: before any review (a clean check-in is verified by
    rule, not by a reviewer), or when the latest line that moved the status sent the entry
    back to review (a fill-in or check-out that flagged it, an office correction to pending or
    flagged), which puts it back with its leader."""
    lines = record.history.select(RecordHistory.actor, RecordHistory.action, RecordHistory.changes)
    for line in lines.order_by(RecordHistory.seq.desc()):
        if line.action == "review":
            return line
        if "status" in line.changes:
            decided = line.changes["status"][1] in DECIDED
            return line if decided and line.action in DECIDING_ACTIONS else None
    return None


def read_snapshot() -> AbstractContextManager:
    """A read transaction with one view of the data: SQLite's deferred transaction keeps the
    snapshot of its first read (WAL); PostgreSQL needs REPEATABLE READ for that."""
    if isinstance(db.obj, pw.SqliteDatabase):
        return db.atomic("DEFERRED")  # not the database's IMMEDIATE: a check must not block writers
    return db.atomic("REPEATABLE READ")


def has_history() -> bool:
    """Whether any entry has history (False before the schema exists)."""
    return RecordHistory.table_exists() and RecordHistory.select().exists()


@dataclass(frozen=True)
class Tampering:
    record_id: int | None  # None: the register as a whole (its checkpoint)
    problem: str  # Chinese, for the office
    entry: str = ""  # the entry as a clerk finds it (services.register_text.entry_names)

    @property
    def subject(self) -> str:
        """What a finding is about, as its report line starts: 朱玉兰 2026-11-24「义诊」（记录 #5）,
        or only the number when nothing is left to name the entry by."""
        if self.record_id is None:
            return "登记簿检查点"
        return (
            f"{self.entry}（记录 #{self.record_id}）" if self.entry else f"记录 #{self.record_id}"
        )


def named(found: Iterable[Tampering]) -> list[Tampering]:
    """The findings with their entries named, read in a few queries for them all (inside the
    snapshot that found them, so that the names are of the entries as they were found)."""
    found = list(found)
    names = entry_names(t.record_id for t in found)
    return [replace(t, entry=names.get(t.record_id, "")) for t in found]


def verify_record(record: ServiceRecord) -> str | None:
    """What is wrong with one entry's chain, or None when it holds."""
    return problem(record, list(record.history.order_by(RecordHistory.seq)))


def problem(
    record: ServiceRecord, entries: list[RecordHistory], signs: Sequence[Sign] = ()
) -> str | None:
    """Check the hashes (each under one of `signs`; by default only the current key's), that
    each entry's state follows from the one before by exactly the changes it lists, and that
    the last state is the row as it is now.

    The middle check matters: a change made behind the service's back and followed by a
    legitimate change would otherwise be absorbed into the new entry's state and vanish."""
    if not entries:
        return "没有登记历史"
    signs = signs or (current_sign(),)
    prev_hash, prev_state = GENESIS, {}
    for position, h in enumerate(entries):
        broken = _broken(entries, position, prev_hash, record.id, signs)
        if broken:
            return broken
        moved = _unexplained(prev_state, h)
        if moved:
            return f"第 {h.seq} 条历史之前记录被绕过系统修改：{_moves(moved)}"
        prev_hash, prev_state = h.hash, h.state
    current = _as_known_to(state_of(record), prev_state)
    changed = [(k, prev_state.get(k), v) for k, v in current.items() if prev_state.get(k) != v]
    return f"记录被绕过系统修改：{_moves(changed)}" if changed else None


def _broken(
    entries: list[RecordHistory], position: int, prev_hash: str, record_id: int, signs
) -> str | None:
    """What is wrong with the line at `position` of a chain that holds up to it, said as
    exactly as the chain allows: lines missing from the numbering were deleted; a line whose
    successor (signed) links to its hash was written by the service and changed since; a line
    nothing vouches for may be a forgery as well as a changed line."""
    h, seq = entries[position], position + 1
    if h.seq > seq:
        missing = f"第 {seq} 条" if h.seq == seq + 1 else f"第 {seq}–{h.seq - 1} 条"
        return f"{missing}历史缺失（已被删除）"
    if h.seq != seq or h.prev_hash != prev_hash:
        if position == len(entries) - 1:
            return FORGED.format(seq=seq)
        return f"第 {seq} 条历史被改动或替换（与前一条历史接不上）"
    if _signed(h, prev_hash, record_id, signs):
        return None
    following = entries[position + 1] if position + 1 < len(entries) else None
    if following is None:
        return FORGED.format(seq=seq)
    if following.prev_hash == h.hash and _signed(following, h.hash, record_id, signs):
        return f"第 {seq} 条历史写入后被改动（内容与签名不符）"
    return f"第 {seq} 条历史签名不符（被伪造或改动）"


# The last line of a chain, not written as it is by the service: nothing comes after it to
# tell an added line from a changed one.
FORGED = "第 {seq} 条历史不是本系统写下的：是后来加上的伪造历史，或写入后被改动"


def _moves(moved: list[tuple[str, object, object]]) -> str:
    """服务时长（分钟） 190 → 600；审核状态 待审核 → 已核验"""
    return "；".join(
        f"{_label(k)} {shown(k, before)} → {shown(k, after)}" for k, before, after in moved
    )


def _label(name: str) -> str:
    return LABELS.get(name, name)


def _signed(h: RecordHistory, prev_hash: str, record_id: int, signs: Sequence[Sign]) -> bool:
    message = _message(prev_hash, _entry_of(h, record_id))
    return any(h.hash == sign(message) for sign in signs)


def _entry_of(h: RecordHistory, record_id: int) -> dict:
    """The entry a stored history row was hashed from."""
    return _entry(record_id, h.seq, h.at, h.actor, h.action, h.changes, h.reason, h.state)


def _unexplained(prev_state: dict, h: RecordHistory) -> list[tuple[str, object, object]]:
    """Fields whose value before this change is not the value the previous entry left, or
    that moved without this entry listing them, each with the value the previous entry left
    and the one found instead (the change's own "before", or the state it carries)."""
    moved = []
    for name in sorted(set(prev_state) | set(h.state), key=_order):
        if _starts_tracking(name, prev_state, h):
            continue
        before, listed = prev_state.get(name), h.changes.get(name)
        found = listed[0] if listed is not None else h.state.get(name)
        if found != before:
            moved.append((name, before, found))
    return moved


def _starts_tracking(name: str, prev_state: dict, h: RecordHistory) -> bool:
    """The first line to carry a later-tracked field, after lines written without it."""
    return (
        name in LATER_TRACKED
        and bool(prev_state)
        and name not in prev_state
        and name not in h.changes
    )


_FIELDS = tuple(LABELS)


def _order(name: str) -> tuple[int, str]:
    """Fields in the order the office reads them (LABELS), any others after."""
    return (_FIELDS.index(name) if name in LABELS else len(_FIELDS), name)


def verify_all(photos: Iterable[Photo] | None = None) -> list[Tampering]:
    """Every register entry whose history does not hold under the current key, and every
    entry deleted behind the service's back while its history stayed. `photos`: every photo
    row as photo_rows reads it, when the caller has read them in the same snapshot (to hash
    their files too); else they are read here."""
    sign = current_sign()
    found = []
    for record, entries in chains(photos):
        wrong = problem(record, entries, (sign,))
        if wrong:
            found.append(Tampering(record.id, wrong))
    found += [Tampering(record_id, DELETED) for record_id in _orphaned()]
    return sorted(found, key=attrgetter("record_id"))


DELETED = "记录已被删除，但它的登记历史还在"


def _orphaned() -> list[int]:
    """The entries that history names but the register no longer holds."""
    gone = RecordHistory.record.not_in(ServiceRecord.select(ServiceRecord.id))
    query = RecordHistory.select(RecordHistory.record).where(gone).distinct()
    return sorted(query.scalars())


def chains(
    photos: Iterable[Photo] | None = None,
) -> Iterator[tuple[ServiceRecord, list[RecordHistory]]]:
    """Every register entry with its history, oldest first, its photos attached (see
    photos_of), read in three queries (the entries, all history and all photos in the same
    order) however long the register is; two when the photo rows are given (photo_rows)."""
    lines = _ByRecord(
        RecordHistory.select().order_by(RecordHistory.record, RecordHistory.seq).iterator()
    )
    by_record = _ByRecord(photo_rows().iterator() if photos is None else photos)
    for record in ServiceRecord.select().order_by(ServiceRecord.id).iterator():
        record.photos = by_record.take(record.id)
        yield record, lines.take(record.id)


def photo_rows() -> pw.Select:
    """Every photo row in entry order, with the columns an entry's chain covers (photos_of)."""
    return Photo.select(Photo.id, Photo.record, Photo.storage_key, Photo.sha256).order_by(
        Photo.record, Photo.id
    )


class _ByRecord:
    """The rows of a query ordered by entry, handed out an entry at a time as the entries
    are walked in the same order, so that only one entry's rows are held at once."""

    def __init__(self, rows: Iterable):
        self._groups = groupby(rows, key=attrgetter("record_id"))
        self._next = next(self._groups, None)

    def take(self, record_id: int) -> list:
        while self._next is not None and self._next[0] < record_id:
            self._next = next(self._groups, None)
        if self._next is None or self._next[0] != record_id:
            return []
        return list(self._next[1])


def resign(record: ServiceRecord, entries: list[RecordHistory]) -> None:
    """Recompute a chain's hashes under the current key, the entries left as they are.

    Only for a chain that was checked to hold under an older scheme or key (register_seal):
    this is how the service vouches for history it did not sign itself."""
    sign, prev_hash = current_sign(), GENESIS
    for h in entries:
        h.prev_hash, h.hash = prev_hash, sign(_message(prev_hash, _entry_of(h, record.id)))
        RecordHistory.update(prev_hash=h.prev_hash, hash=h.hash).where(
            RecordHistory.id == h.id
        ).execute()
        prev_hash = h.hash
