"""Reading a roster from an Excel workbook or from CSV files into plain rows of raw cells.

Nothing is judged here beyond finding the sheets and the header row: the cells stay as the
file holds them (text, numbers, dates) and every row keeps the number Excel shows for it.
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, BinaryIO

import openpyxl
from openpyxl.utils import get_column_letter

from .errors import Invalid
from .roster_cells import cell_text, is_blank
from .roster_schema import (
    SHEETS,
    Problem,
    SheetSpec,
    is_notes_sheet,
    match_header,
    match_sheet,
)

HEADER_SCAN_ROWS = 10  # a clerk may put a title or two above the header row
# Bounds on what a workbook may make us hold: a roster is a few hundred rows of a dozen
# columns, and a few kilobytes of XML can ask for a million rows or a cell in column XFD.
MAX_ROWS = 10_000  # per sheet, blank rows included (they cost nothing in the file)
MAX_COLUMNS = 100  # cells further right are not read
MAX_PARTS = 500  # files inside the .xlsx package
MAX_UNPACKED_BYTES = 50 * 2**20  # their sizes unpacked, as the package declares them
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
SHEET_LIST = "、".join(spec.name for spec in SHEETS)


@dataclass(frozen=True)
class ColumnRef:
    header: str  # as written in the file
    letter: str | None  # as Excel labels the column


@dataclass(frozen=True)
class RowData:
    number: int  # as Excel shows it
    cells: Mapping[str, Any]  # field -> raw cell value


@dataclass(frozen=True)
class SheetData:
    name: str  # the canonical sheet name from the layout
    header_row: int | None  # None when no header row was found
    columns: Mapping[str, ColumnRef]
    rows: tuple[RowData, ...]


@dataclass(frozen=True)
class RosterData:
    sheets: Mapping[str, SheetData]
    problems: tuple[Problem, ...] = ()


def read_roster(source: str | PathLike | Sequence[str | PathLike]) -> RosterData:
    """Read one .xlsx workbook, or CSV files (or a folder of them) named after the sheets."""
    paths = [Path(p) for p in ([source] if isinstance(source, str | PathLike) else source)]
    _check_found(paths)
    paths = [p for path in paths for p in (_csv_in(path) if path.is_dir() else [path])]
    suffixes = {path.suffix.lower() for path in paths}
    if len(paths) == 1 and suffixes <= set(WORKBOOK_SUFFIXES):
        return read_workbook(paths[0])
    if paths and suffixes == {".csv"}:
        return read_csv_files(paths)
    if ".xls" in suffixes:
        raise Invalid("不支持旧版 .xls 文件，请在 Excel 中“另存为” .xlsx 后再导入")
    raise Invalid("请提供一个 .xlsx 工作簿，或按工作表命名的 .csv 文件（如 党员.csv）")


def _check_found(paths: list[Path]) -> None:
    """A missing file named with its full path: the clerk may be in another folder than the
    one they think."""
    missing = [path for path in paths if not path.exists()]
    if missing:
        raise Invalid(
            f"找不到文件「{missing[0]}」（完整路径 {missing[0].absolute()}）："
            "请检查文件名，以及文件是否在这个文件夹里。"
        )


def read_workbook(source: str | PathLike | BinaryIO, name: str | None = None) -> RosterData:
    """Read every sheet of an .xlsx workbook: a file, or an upload's bytes (then `name` is
    the file's name as the clerk knows it, for the messages)."""
    name = name or Path(source).name
    try:
        _check_package(source, name)
        return _collect(_sheets(source))
    except Invalid:
        raise
    except Exception as exc:  # a damaged file fails in many ways inside openpyxl and expat
        message = f"无法读取 Excel 文件 {name}：请确认文件完好且是 .xlsx 格式"
        raise Invalid(message, "roster_unreadable") from exc


def _check_package(source: str | PathLike | BinaryIO, name: str) -> None:
    """Refuse a package that would unpack to far more than a roster (a zip bomb) before
    openpyxl opens it. The sizes declared in the package bound what it can unpack: Python's
    zipfile stops reading an entry at its declared size."""
    with zipfile.ZipFile(source) as package:
        entries = package.infolist()
    if hasattr(source, "seek"):
        source.seek(0)
    if len(entries) > MAX_PARTS or sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
        raise Invalid(
            f"Excel 文件 {name} 解压后过大，不像是一份名单：请只保留社区、服务队、党员、"
            "结对家庭四张表，另存为新的 .xlsx 后再导入",
            "roster_too_large",
        )


def _sheets(source: str | PathLike | BinaryIO) -> list[tuple]:
    book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    try:
        tables = []
        for sheet in book.worksheets:
            sheet.reset_dimensions()  # some programs write a wrong used range
            tables.append((sheet.title, f"工作表「{sheet.title}」", _rows(sheet)))
    finally:
        book.close()
    return tables


def _rows(sheet) -> list[tuple]:
    """The sheet's rows, at most MAX_ROWS of them and MAX_COLUMNS wide."""
    rows = []
    for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
        if len(rows) == MAX_ROWS:
            raise Invalid(
                f"工作表「{sheet.title}」超过 {MAX_ROWS} 行，不像是一份名单：请删除名单下方"
                "多余的行（包括看似空白、实际有内容或格式的行）后再导入",
                "roster_too_large",
            )
        rows.append(row)
    return rows


def read_csv_files(paths: Iterable[str | PathLike]) -> RosterData:
    """Read CSV files, one per sheet, each named after its sheet (党员.csv)."""
    tables = [(path.stem, f"文件「{path.name}」", _read_csv(path)) for path in map(Path, paths)]
    return _collect(tables)


def _csv_in(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.csv"))


def _read_csv(path: Path) -> list[list[str]]:
    """Rows of a CSV file in UTF-8 (with or without BOM), UTF-16 or GBK, as Excel saves them."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise Invalid(f"无法读取文件 {path.name}") from exc
    text = _decode(raw)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def _collect(tables: list[tuple[str, str, list[Sequence[Any]]]]) -> RosterData:
    sheets: dict[str, SheetData] = {}
    problems: list[Problem] = []
    for title, label, rows in tables:
        spec = match_sheet(title)
        if spec is None:
            if not is_notes_sheet(title):
                message = f"无法识别{label}属于哪张表（应为 {SHEET_LIST}），已忽略"
                problems.append(Problem("warning", title, None, None, None, message))
        elif spec.name in sheets:
            message = f"{label}与前面的表重复，都是「{spec.name}」表，已忽略"
            problems.append(Problem("error", spec.name, None, None, None, message))
        else:
            sheets[spec.name] = _read_table(spec, rows, problems)
    return RosterData(sheets=sheets, problems=tuple(problems))


def _read_table(spec: SheetSpec, rows: list[Sequence[Any]], problems: list[Problem]) -> SheetData:
    header_index = _find_header(spec, rows)
    if header_index is None:
        example = "、".join(c.header for c in spec.columns[:3])
        message = f"找不到表头：前 {HEADER_SCAN_ROWS} 行中没有列名（如 {example}）"
        problems.append(Problem("error", spec.name, None, None, None, message))
        return SheetData(spec.name, None, {}, ())
    header_row = header_index + 1
    positions = _header_positions(spec, rows[header_index], header_row, problems)
    columns = {field: ref for field, (_, ref) in positions.items()}
    body = []
    for number, row in enumerate(rows[header_index + 1 :], start=header_row + 1):
        if all(is_blank(cell) for cell in row):
            continue
        cells = {field: _cell(row, index) for field, (index, _) in positions.items()}
        body.append(RowData(number, cells))
    return SheetData(spec.name, header_row, columns, tuple(body))


def _find_header(spec: SheetSpec, rows: list[Sequence[Any]]) -> int | None:
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if any(match_header(spec, cell) for cell in row if not is_blank(cell)):
            return index
    return None


def _header_positions(
    spec: SheetSpec, header: Sequence[Any], row: int, problems: list[Problem]
) -> dict[str, tuple[int, ColumnRef]]:
    positions: dict[str, tuple[int, ColumnRef]] = {}
    for index, cell in enumerate(header):
        name, letter = cell_text(cell), get_column_letter(index + 1)
        if not name:
            continue
        field = match_header(spec, name)
        if field is None:
            message = f"未识别的列「{name}」，已忽略"
            problems.append(Problem("warning", spec.name, row, name, letter, message))
        elif field in positions:
            first = positions[field][1]
            message = f"与 {first.letter} 列「{first.header}」是同一项，只能保留一列"
            problems.append(Problem("error", spec.name, row, name, letter, message))
        else:
            positions[field] = (index, ColumnRef(name, letter))
    return positions


def _cell(row: Sequence[Any], index: int) -> Any:
    return row[index] if index < len(row) else None
