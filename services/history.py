"""The register's append-only history: every change to an entry, chained by hashes.

Each entry stores the record's tracked state after the change, and its hash covers that
state, the change and the previous entry's hash. Verifying recomputes the chain and compares
the last state with the row as it is now, so an edit made behind the service's back (say,
hours added straight in the database) shows up as a mismatch.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import attrgetter

from models import RecordHistory, ServiceRecord
from models.prepared import PreparedInsert

# The fields that make an entry evidence; a change to any of them must go through here.
TRACKED = (
    "member_id",
    "kind",
    "activity_id",
    "household_id",
    "checkin_at",
    "checkin_lat",
    "checkin_lng",
    "checkin_coord_type",
    "checkin_accuracy_m",
    "distance_m",
    "checkout_at",
    "checkout_lat",
    "checkout_lng",
    "duration_minutes",
    "content",
    "target",
    "outcome",
    "status",
    "flags",
    "source",
    "registered_by_id",
    "registration_reason",
    "review_comment",
    "request_id",
)
GENESIS = "0" * 64
log = logging.getLogger(__name__)


def state_of(record: ServiceRecord) -> dict:
    """The tracked fields as JSON-safe values."""
    return {name: _plain(getattr(record, name)) for name in TRACKED}


def _plain(value):
    return value.isoformat(sep=" ") if isinstance(value, datetime) else value


def _digest(prev_hash: str, entry: dict) -> str:
    body = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


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

    Call inside the transaction that saved the record, after saving it.
    """
    last = record.history.order_by(RecordHistory.seq.desc()).first() if before else None
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    if last is not None and before != last.state:
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
        hash=_digest(prev, entry),
    )


@dataclass(frozen=True)
class Tampering:
    record_id: int
    problem: str  # Chinese, for the office


def verify_record(record: ServiceRecord) -> str | None:
    """What is wrong with one entry's chain, or None when it holds."""
    return _problem(record, list(record.history.order_by(RecordHistory.seq)))


def _problem(record: ServiceRecord, entries: list[RecordHistory]) -> str | None:
    """Check the hashes, that each entry's state follows from the one before by exactly the
    changes it lists, and that the last state is the row as it is now.

    The middle check matters: a change made behind the service's back and followed by a
    legitimate change would otherwise be absorbed into the new entry's state and vanish."""
    if not entries:
        return "没有登记历史"
    prev_hash, prev_state = GENESIS, {}
    for expected_seq, h in enumerate(entries, start=1):
        entry = _entry(record.id, h.seq, h.at, h.actor, h.action, h.changes, h.reason, h.state)
        if h.seq != expected_seq or h.prev_hash != prev_hash or h.hash != _digest(prev_hash, entry):
            return f"第 {h.seq} 条历史被改动或删除"
        moved = _unexplained(prev_state, h)
        if moved:
            return f"第 {h.seq} 条历史之前记录被绕过系统修改：{'、'.join(moved)}"
        prev_hash, prev_state = h.hash, h.state
    current = state_of(record)
    if prev_state != current:
        changed = sorted(k for k, v in current.items() if prev_state.get(k) != v)
        return f"记录被绕过系统修改：{'、'.join(changed)}"
    return None


def _unexplained(prev_state: dict, h: RecordHistory) -> list[str]:
    """Fields whose value before this change is not the value the previous entry left, or
    that moved without this entry listing them."""
    moved = set()
    for name in set(prev_state) | set(h.state):
        before, after = prev_state.get(name), h.state.get(name)
        listed = h.changes.get(name)
        if (listed is not None and listed[0] != before) or (listed is None and before != after):
            moved.add(name)
    return sorted(moved)


def verify_all() -> list[Tampering]:
    """Every register entry whose history does not hold, read in two queries (the entries and
    all history in the same order) however long the register is."""
    history = RecordHistory.select().order_by(RecordHistory.record, RecordHistory.seq)
    chains = groupby(history.iterator(), key=attrgetter("record_id"))
    chain = next(chains, None)
    found = []
    for record in ServiceRecord.select().order_by(ServiceRecord.id).iterator():
        while chain is not None and chain[0] < record.id:
            chain = next(chains, None)
        entries = list(chain[1]) if chain is not None and chain[0] == record.id else []
        problem = _problem(record, entries)
        if problem:
            found.append(Tampering(record.id, problem))
    return found
