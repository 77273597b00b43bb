"""The roster workbook as the office uploads it from the dashboard: bounded, checked like the
command's, and imported only as the very file the clerk previewed.

A check (dry run) answers the file's SHA-256 digest; an import must send it back, and is
refused when the file it carries has another one. The clerk cannot import a file other than
the one whose problems and changes they saw (a newer save of the workbook, the wrong file
picked the second time). It proves the same file, not that a check ran: anyone could hash a
file, but the import checks everything again and writes all or nothing anyway.
"""

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from models import db

from . import audit
from .actors import Actor
from .errors import Conflict, Forbidden, Invalid
from .roster_import import ImportResult, import_data
from .roster_io import read_workbook
from .roster_plan import DEFAULT_RADIUS_M

MAX_UPLOAD_BYTES = 5 * 2**20  # a roster of a few hundred rows is tens of kilobytes
AUDIT_ACTION = "roster_import"  # as the command line records it
ZIP_MAGIC = b"PK\x03\x04"  # every .xlsx is a zip package
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls (and other old Office files)


@dataclass(frozen=True)
class Upload:
    content: bytes
    filename: str  # as the clerk's browser named it, for messages and the audit


@dataclass(frozen=True)
class UploadResult:
    result: ImportResult
    digest: str  # SHA-256 of the file, hex: what an import of this file sends back


def import_upload(
    actor: Actor,
    upload: Upload,
    dry_run: bool,
    digest: str | None,
    team_size: tuple[int, int],
    now: datetime,
    radius_m: int = DEFAULT_RADIUS_M,
) -> UploadResult:
    """Check an uploaded roster workbook, and import it unless this is a dry run: all or
    nothing, recorded in the audit log with who imported it (`radius_m`: a new community's
    check-in radius when its cell is blank)."""
    if not actor.is_office:
        raise Forbidden("只有办公室可以导入名单。", "office_only")
    name = display_name(upload.filename)
    _check_shape(upload.content, name)
    sha = hashlib.sha256(upload.content).hexdigest()
    if not dry_run:
        _require_checked(digest, sha)
    data = read_workbook(io.BytesIO(upload.content), name)
    with db.atomic():
        result = import_data(data, dry_run, team_size=team_size, now=now, radius_m=radius_m)
        if result.applied:
            _audit(actor, name, sha, result, now)
    return UploadResult(result, sha)


def display_name(filename: str) -> str:
    """The file's own name, without a folder a browser may send, short enough to show."""
    name = PurePath(filename.replace("\\", "/")).name.strip() if filename else ""
    return name[:100] or "名单.xlsx"


def _check_shape(content: bytes, name: str) -> None:
    """Refuse what is not an .xlsx workbook by its bytes, whatever its name says."""
    if not content:
        raise Invalid(f"文件 {name} 是空的，请重新选择名单文件", "not_xlsx")
    if len(content) > MAX_UPLOAD_BYTES:
        limit = MAX_UPLOAD_BYTES // 2**20
        message = f"文件 {name} 超过 {limit} MB，不像是一份名单：请只保留名单的四张表后再导入"
        raise Invalid(message, "roster_too_large")
    if content.startswith(OLD_EXCEL_MAGIC):
        message = f"不支持旧版 .xls 文件（{name}）：请在 Excel 中“另存为” .xlsx 后再导入"
        raise Invalid(message, "not_xlsx")
    if not content.startswith(ZIP_MAGIC):
        message = (
            f"文件 {name} 不是 Excel 工作簿（.xlsx）：请用名单模板填写，在 Excel 中保存为"
            " .xlsx 后再导入（CSV、文本文件不能直接导入）"
        )
        raise Invalid(message, "not_xlsx")


def _require_checked(digest: str | None, sha: str) -> None:
    if not digest:
        raise Conflict("请先点“检查”核对这个文件，没有问题后再导入", "roster_not_checked")
    if digest.strip().lower() != sha:
        raise Conflict(
            "这个文件与刚才检查的不是同一个（可能选了别的文件，或检查后又修改保存过）："
            "请重新检查后再导入",
            "roster_not_checked",
        )


def _audit(actor: Actor, name: str, sha: str, result: ImportResult, now: datetime) -> None:
    counts = {c.sheet: [c.created, c.updated, c.unchanged] for c in result.counts}
    detail = {"file": name, "sha256": sha, "changes": len(result.changes), "counts": counts}
    audit.record(actor.label, AUDIT_ACTION, now, detail=detail)
