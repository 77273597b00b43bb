"""Re-signing the register's history under the history key (`register seal`): once for the
chains written before the key existed (plain SHA-256), and after a key change for the chains
signed under the previous key.

Only a chain that holds under the old scheme is re-signed: entries and history agree, and the
last state is the row as it is now. One that does not is left as it is and `register verify`
keeps reporting it. Re-signing is the service vouching for history it cannot authenticate
(anyone who could write to the database could have written a plain hash), so unkeyed hashes
are accepted only when the operator asks for it (`--legacy`, at the upgrade) and only once:
that run leaves a mark in the audit log and a later one is refused. The mark guards against a
second run by mistake, not against someone who deletes it: a key change never accepts
unkeyed hashes, whatever the database says.
"""

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path

import peewee as pw

from models import AuditLog, db

from . import history, register_checkpoint
from .clock import to_local
from .errors import Conflict
from .history import Tampering

SEALED = "register_sealed"  # the AuditLog action of a seal run
SEALED_LEGACY = "register_sealed_legacy"  # ... of the one run that accepted unkeyed hashes
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SealReport:
    """What one seal run did, for the command's output and the audit log."""

    resigned: tuple[int, ...]  # entries whose chain was re-signed now
    current: int  # chains that held under the current key already
    broken: tuple[Tampering, ...]  # chains that hold under no accepted scheme: left as they are
    legacy: bool  # unkeyed hashes were accepted (--legacy, at the upgrade)
    previous_key: bool  # hashes under the previous key were accepted
    checkpoint: register_checkpoint.Written | None = None  # the checkpoint written after it


def unkeyed(message: bytes) -> str:
    """A chain link's hash before the history key existed."""
    return hashlib.sha256(message).hexdigest()


def legacy_sealed() -> bool:
    """True once unkeyed hashes were accepted here: they never are again."""
    return AuditLog.select().where(AuditLog.action == SEALED_LEGACY).exists()


def seal(
    now: datetime,
    previous_key: str = "",
    legacy: bool = False,
    actor: str = "cli",
    checkpoint: Path | None = None,
) -> SealReport:
    """Re-sign under the current key every chain that holds under an accepted older scheme:
    unkeyed hashes when `legacy` (once), the previous key when one is given; then, given the
    checkpoint file, write the register's checkpoint anew.

    The old checkpoint is compared before the chains are re-signed (its lines carry the old
    hashes, its MAC the old key), so what it finds is carried into the new one."""
    accepted = _accepted(legacy, previous_key)
    with _exclusive():
        if legacy and legacy_sealed():
            raise Conflict(
                "旧格式（无密钥）的历史已在升级时签名过一次，不再接受；"
                "现在仍不成立的记录会在核验时报告。",
                "already_sealed",
            )
        keyed = [sign for sign in accepted if sign is not unkeyed]  # a checkpoint is keyed
        before = register_checkpoint.compare(checkpoint, keyed) if checkpoint else None
        report = _reseal(accepted, legacy, bool(previous_key))
        action = SEALED_LEGACY if legacy else SEALED
        AuditLog.create(at=now, actor=actor, action=action, detail=_detail(report))
        heads = register_checkpoint.current_heads() if checkpoint else None
    _log(report)
    if checkpoint is None:
        return report
    written = register_checkpoint.write(checkpoint, now, before, heads)
    return replace(report, checkpoint=written)


def _accepted(legacy: bool, previous_key: str) -> tuple[history.Sign, ...]:
    """The current key's signing first, then the older ones this run accepts."""
    signs = [history.current_sign()]
    if legacy:
        signs.append(unkeyed)
    if previous_key:
        signs.append(history.keyed(previous_key))
    return tuple(signs)


def _reseal(accepted: tuple[history.Sign, ...], legacy: bool, previous_key: bool) -> SealReport:
    """Sort every chain: current already, re-signed now, or broken. A chain may mix an older
    scheme with the current key: lines the service added after the upgrade, before the seal."""
    resigned, current, broken = [], 0, []
    for record, entries in history.chains():
        if history.problem(record, entries, accepted[:1]) is None:
            current += 1
        elif (wrong := history.problem(record, entries, accepted)) is None:
            history.resign(record, entries)
            resigned.append(record.id)
        else:
            broken.append(Tampering(record.id, wrong))
    return SealReport(tuple(resigned), current, tuple(history.named(broken)), legacy, previous_key)


@contextmanager
def _exclusive() -> Iterator[None]:
    """One transaction in which no history line is added or read meanwhile: a check-in linking
    a new line to a hash being replaced would break its chain. SQLite's transactions hold the
    write lock from BEGIN (models.database); PostgreSQL locks the history table."""
    with db.atomic():
        if not isinstance(db.obj, pw.SqliteDatabase):
            db.execute_sql("LOCK TABLE record_history IN ACCESS EXCLUSIVE MODE")
        yield


def _detail(report: SealReport) -> dict:
    detail = asdict(report)
    detail.pop("checkpoint")  # written after the seal, audited on its own
    detail["resigned"], detail["broken"] = (
        len(report.resigned),
        [t.record_id for t in report.broken],
    )
    return detail


def _log(report: SealReport) -> None:
    for t in report.broken:
        log.warning("register entry %s not re-signed: %s", t.record_id, t.problem)
    log.info(
        "register sealed: %d re-signed, %d current, %d broken",
        len(report.resigned),
        report.current,
        len(report.broken),
    )


def report_lines(report: SealReport, now: datetime) -> list[str]:
    """What the command prints, for the office: what was re-signed, and what stays reported."""
    at = to_local(now).strftime("%Y-%m-%d %H:%M")
    lines = [
        f"{at} 登记簿历史签名完成：{len(report.resigned)} 条记录的历史已用新密钥重新签名，"
        f"{report.current} 条本已是新密钥签名。"
    ]
    if report.legacy:
        lines.append("本次接受了旧格式（无密钥）的历史；以后不再接受。")
    if report.previous_key:
        lines.append("本次接受了旧密钥（register.previous_history_key）签名的历史。")
    if report.broken:
        lines.append(f"{len(report.broken)} 条记录的历史不成立，未重新签名，核验时仍会报告：")
        lines += [f"  {t.subject}：{t.problem}" for t in report.broken]
    if report.checkpoint is not None:
        lines += register_checkpoint.report_lines(report.checkpoint, now)
    return lines
