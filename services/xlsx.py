"""Workbooks for people who open them in Excel or WPS: a bold header row that stays in view,
columns wide enough for Chinese text, an auto-filter, times as real Excel dates in Shanghai
time, numbers as numbers.

Text is always written as text. openpyxl takes any string beginning with "=" for a formula,
so a member who typed =HYPERLINK(...) into a register field would otherwise plant a live
formula in the office's spreadsheet (CSV/formula injection); and it refuses the control
characters XML cannot carry, which a pasted text may hold, so those are dropped rather than
failing the whole export.
"""

import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter

from . import clock
from .output_files import write_bytes
from .roster_template import HEADER_FILL, HEADER_FONT

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATETIME = "yyyy-mm-dd hh:mm"
DATE = "yyyy-mm-dd"
HOURS = "0.0"  # the app shows hours to one decimal; the cell keeps the exact value to sum
TEXT_MAX = 32_767  # Excel's longest cell text
KEPT_BECAUSE = "它可能是之前导出、后来又改过的文件"
UNSAFE_TEXT = ILLEGAL_CHARACTERS_RE  # what XML cannot carry
READ_AS_CODE = ("=", "#")  # openpyxl takes =… for a formula, #N/A and the like for errors
UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\s]+')  # what Windows refuses in a file name


@dataclass(frozen=True)
class Column:
    """One column of a table sheet: its header, width (in Latin characters; a Chinese
    character counts two) and how to get its value from a row's item."""

    header: str
    width: int
    value: Callable
    number_format: str | None = None


@dataclass(frozen=True)
class Export:
    """A finished workbook and the file name it should be saved under."""

    filename: str  # Chinese, for people
    ascii_name: str  # for clients that ignore a UTF-8 file name
    content: bytes
    rows: int


def new_book(title: str, write_only: bool = False) -> Workbook:
    """An empty workbook, streamed row by row to disk when `write_only` (large tables)."""
    book = Workbook(write_only=write_only)
    book.properties.creator = "先锋"
    book.properties.title = title
    if not write_only:
        book.remove(book.active)
    return book


def cell(sheet, value, number_format: str | None = None, bold: bool = False) -> Cell:
    """A cell for `value`: text kept as text, a time as Shanghai wall-clock time."""
    if isinstance(value, datetime):
        value = clock.to_local(value).replace(tzinfo=None, microsecond=0)  # as people write it
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)[:TEXT_MAX]
    made = WriteOnlyCell(sheet, value)
    if isinstance(value, str):
        made.data_type = "s"  # never a formula, whatever it begins with
    if number_format:
        made.number_format = number_format
    if bold:
        made.font, made.fill = HEADER_FONT, HEADER_FILL
    return made


def write_table(sheet, columns: tuple[Column, ...], items: Iterable) -> int:
    """The header row (frozen, filtered), then one row per item; returns the rows written.
    Widths are set first: a streamed sheet takes no column settings after its first row."""
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"  # the header on every printed page
    sheet.page_setup.orientation = "landscape"
    header = [cell(sheet, c.header, bold=True) for c in columns]
    for made in header:
        made.alignment = Alignment(horizontal="center")
    sheet.append(header)
    count = 0
    for item in items:
        sheet.append([_plain_or_cell(sheet, c.value(item), c.number_format) for c in columns])
        count += 1
    last = get_column_letter(len(columns))
    sheet.auto_filter = AutoFilter(ref=f"A1:{last}{count + 1}")
    return count


def _plain_or_cell(sheet, value, number_format: str | None):
    """The value itself where openpyxl writes it as it is (a third cheaper on a large sheet),
    else a cell that keeps it right: a format, or text openpyxl would take for a formula
    (=…) or an error value (#N/A)."""
    if number_format is None and (value is None or isinstance(value, int | float)):
        return value
    plain_text = isinstance(value, str) and not value.startswith(READ_AS_CODE)
    if plain_text and not UNSAFE_TEXT.search(value):
        return value
    return cell(sheet, value, number_format)


def width_of(text: str) -> int:
    """How many Latin characters wide a text is: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def save(export: Export, path: Path, force: bool = False) -> Path:
    """Write the workbook to a file. An existing file is kept unless `force`: it may be an
    earlier export the clerk has since worked on. The file appears whole or not at all
    (services.output_files), so a failed write with --force keeps the old one."""
    return write_bytes(path, export.content, force, KEPT_BECAUSE)


def to_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_name(*parts: str) -> str:
    """A file name from its parts joined by _, without what Windows refuses in one."""
    cleaned = (UNSAFE_IN_NAMES.sub("-", p).strip("-.") for p in parts if p)
    return "_".join(p for p in cleaned if p) + ".xlsx"


def date_span(first: date | None, last: date | None) -> str:
    """2026-10-01至2026-12-31, 2026-10-01起, 至2026-12-31, or '' for no dates."""
    if first and last:
        return f"{first.isoformat()}至{last.isoformat()}"
    if first:
        return f"{first.isoformat()}起"
    return f"至{last.isoformat()}" if last else ""
