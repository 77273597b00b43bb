"""Filling in what the programme writes by itself on entries closed before it did
(`register backfill`): an activity's content 参加「title」 and a visit's target 结对家庭 X**户
(services.register_defaults), on checked-out entries where that field is still blank.

Check-out writes them now, whichever way an entry is closed; entries checked out earlier were
left blank and never asked again, so their hours show no content. The backfill writes exactly
the check-out's defaults, through the register's history like any change (actor system,
action backfill), so `register verify` keeps holding and the office sees who wrote the text.
It never replaces text anybody wrote (only blank fields are written, checked again under the
row's lock), leaves rejected entries as they were judged, and skips an entry whose row no
longer matches its history: that one was changed behind the service's back, and the office
should see it as it is. A second run finds nothing left to fill.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

import peewee as pw

from models import RecordHistory, ServiceRecord, db

from . import history, register_defaults
from .actors import SYSTEM
from .clock import to_local
from .rows import lock_row

ACTION = "backfill"
REASON = "补写签退时系统自动填写的内容（register backfill）"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BackfillReport:
    """What one run filled (or, dry, would fill), by field."""

    filled: tuple[int, ...]  # entries written (dry run: that would be)
    fields: dict[str, int]  # how many of each field
    skipped: tuple[int, ...]  # blank, but the row does not match its history: left alone
    dry_run: bool


def backfill(now: datetime, dry_run: bool = False) -> BackfillReport:
    """Write the programme's defaults into every closed entry where they are still blank."""
    filled, skipped, fields = [], [], {}
    for record_id in _candidates():
        written = _fill_one(record_id, now, dry_run)
        if written is None:
            skipped.append(record_id)
        elif written:
            filled.append(record_id)
            for name in written:
                fields[name] = fields.get(name, 0) + 1
    report = BackfillReport(tuple(filled), fields, tuple(skipped), dry_run)
    log.info(
        "register backfill%s: %d entries filled %s, %d skipped (changed behind the service)",
        " (dry run)" if dry_run else "",
        len(filled),
        fields,
        len(skipped),
    )
    return report


def _blank(field: pw.Field) -> pw.Expression:
    return field.is_null() | (pw.fn.TRIM(field) == "")


def _candidates() -> list[int]:
    """Closed, not rejected entries of a kind the programme fills in, with that field blank
    (the rule itself decides, under the lock; this only narrows the search)."""
    R = ServiceRecord
    activity = (R.kind == "activity") & R.activity.is_null(False) & _blank(R.content)
    visit = (R.kind == "visit") & R.household.is_null(False) & _blank(R.target)
    where = R.checkout_at.is_null(False) & (R.status != "rejected") & (activity | visit)
    return [row.id for row in R.select(R.id).where(where).order_by(R.id)]


def _fill_one(record_id: int, now: datetime, dry_run: bool) -> list[str] | None:
    """Fill one entry in its own transaction holding its row: the fields written, [] when
    nothing is left to write, None when the row does not match its history."""
    with db.atomic():
        lock_row(ServiceRecord, record_id)
        record = ServiceRecord.get_or_none(ServiceRecord.id == record_id)
        values = register_defaults.automatic(record) if record is not None else {}
        if not values:
            return []
        before = history.state_of(record)
        if _last_state(record) != before:
            log.warning("register entry %s not backfilled: it differs from its history", record_id)
            return None
        if not dry_run:
            for name, value in values.items():
                setattr(record, name, value)
            record.updated_at = now
            record.save()
            history.append(record, SYSTEM.label, ACTION, now, before, REASON)
    return list(values)


def _last_state(record: ServiceRecord) -> dict | None:
    last = record.history.order_by(RecordHistory.seq.desc()).first()
    return last.state if last is not None else None


FIELD_NAMES = {"content": "服务内容", "target": "服务对象"}


def report_lines(report: BackfillReport, now: datetime) -> list[str]:
    """What the command prints, for the office."""
    at = to_local(now).strftime("%Y-%m-%d %H:%M")
    verb = "将补写" if report.dry_run else "已补写"
    detail = "，".join(f"{FIELD_NAMES[k]} {n} 条" for k, n in sorted(report.fields.items()))
    detail = f"（{detail}）" if detail else ""
    lines = [f"{at} {verb} {len(report.filled)} 条记录的自动内容{detail}。"]
    if report.dry_run:
        lines.append("这是预演，没有写入任何内容。")
    if report.skipped:
        lines.append(
            f"{len(report.skipped)} 条记录与登记历史不一致，未补写"
            "（请先运行 register verify 查看）：" + "、".join(f"#{i}" for i in report.skipped)
        )
    return lines
