"""Turning the raw rows of a roster file into typed entries, with every cell-level problem."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from .roster_cells import CellError, is_blank
from .roster_io import ColumnRef, RosterData, SheetData
from .roster_schema import (
    LAT_RANGE,
    LNG_RANGE,
    SHEET_BY_NAME,
    SHEETS,
    Problem,
    SheetSpec,
)

Parsed = dict[str, list["Entry"]]


@dataclass(frozen=True)
class Entry:
    """One data row: the values that could be read, and the fields that could not."""

    sheet: str
    row: int
    values: Mapping[str, Any]
    columns: Mapping[str, ColumnRef]
    failed: frozenset[str] = frozenset()

    @property
    def key(self) -> tuple | None:
        """The natural key, or None when part of it is missing."""
        key = tuple(self.values.get(field) for field in SHEET_BY_NAME[self.sheet].key)
        return None if None in key else key

    def problem(self, field: str, message: str, severity: str = "error") -> Problem:
        """A problem located at this row's cell for `field`."""
        ref = self.columns.get(field)
        header = ref.header if ref else SHEET_BY_NAME[self.sheet].column(field).header
        letter = ref.letter if ref else None
        return Problem(severity, self.sheet, self.row, header, letter, message)


def parse(data: RosterData, today: date) -> tuple[Parsed, list[Problem]]:
    """Read every cell with its column's parser; skip unchanged template examples."""
    parsed: Parsed = {spec.name: [] for spec in SHEETS}
    problems = list(data.problems)
    for spec in SHEETS:
        sheet = data.sheets.get(spec.name)
        if sheet is None:
            message = f"缺少「{spec.name}」表（工作表或 {spec.name}.csv）"
            problems.append(Problem("error", spec.name, None, None, None, message))
            continue
        problems += _missing_columns(spec, sheet)
        example = _example(spec, sheet)
        for raw in sheet.rows:
            entry, row_problems = _parse_row(spec, sheet, raw.number, raw.cells)
            if entry.values == example and not row_problems:
                message = "这一行是模板自带的示例，已忽略；请删除或改成真实数据"
                problems.append(Problem("warning", spec.name, raw.number, None, None, message))
                continue
            for row_check in ROW_CHECKS.get(spec.name, ()):
                row_problems += row_check(entry, today)
            problems += row_problems
            parsed[spec.name].append(entry)
    return parsed, problems


def _missing_columns(spec: SheetSpec, sheet: SheetData) -> list[Problem]:
    if sheet.header_row is None:
        return []
    return [
        Problem("error", spec.name, sheet.header_row, column.header, None, "缺少这一必填列")
        for column in spec.columns
        if column.required and column.field not in sheet.columns
    ]


def _example(spec: SheetSpec, sheet: SheetData) -> dict[str, Any]:
    return {
        c.field: c.parse(c.example)
        for c in spec.columns
        if c.field in sheet.columns and c.example is not None  # a blank example cell
    }


def _parse_row(
    spec: SheetSpec, sheet: SheetData, number: int, cells: Mapping[str, Any]
) -> tuple[Entry, list[Problem]]:
    values: dict[str, Any] = {}
    failed: set[str] = set()
    messages: list[tuple[str, str, str]] = []  # field, message, severity
    for field in sheet.columns:
        column, raw = spec.column(field), cells.get(field)
        if is_blank(raw):
            if column.required:
                failed.add(field)
                messages.append((field, "必填，不能为空", "error"))
            continue
        try:
            values[field] = column.parse(raw)
        except CellError as exc:
            failed.add(field)
            messages.append((field, str(exc), "error"))
            continue
        note = column.note(raw, values[field]) if column.note else None
        if note:
            messages.append((field, note, "warning"))
    entry = Entry(spec.name, number, values, sheet.columns, frozenset(failed))
    return entry, [entry.problem(*message) for message in messages]


def _in_china(lat: float, lng: float) -> bool:
    return LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LNG_RANGE[0] <= lng <= LNG_RANGE[1]


def check_coordinates(entry: Entry, today: date) -> list[Problem]:
    """Both or neither; numbers inside China's rough box; not latitude and longitude swapped."""
    if {"lat", "lng"} & entry.failed:
        return []
    lat, lng = entry.values.get("lat"), entry.values.get("lng")
    if lat is None and lng is None:
        return []
    if lat is None or lng is None:
        missing = "lat" if lat is None else "lng"
        return [entry.problem(missing, "纬度和经度要么都填，要么都不填")]
    if _in_china(lat, lng):
        return []
    if _in_china(lng, lat):
        return [entry.problem("lat", f"纬度和经度似乎填反了：纬度 {lat}，经度 {lng}")]
    problems = []
    if not LAT_RANGE[0] <= lat <= LAT_RANGE[1]:
        problems.append(entry.problem("lat", f"纬度 {lat} 不在中国境内（应在 3 到 54 之间）"))
    if not LNG_RANGE[0] <= lng <= LNG_RANGE[1]:
        problems.append(entry.problem("lng", f"经度 {lng} 不在中国境内（应在 73 到 136 之间）"))
    return problems


def check_pairing_date(entry: Entry, today: date) -> list[Problem]:
    started_on = entry.values.get("started_on")
    if started_on and started_on > today:
        return [entry.problem("started_on", f"结对日期 {started_on} 晚于今天")]
    if started_on and "member_phone" not in entry.values and "member_phone" not in entry.failed:
        return [entry.problem("started_on", "填了结对日期，但没有填结对党员手机号", "warning")]
    return []


def check_leaving(entry: Entry, today: date) -> list[Problem]:
    """A day of leaving is not in the future, and goes with 离队 (or alone), not with 在册."""
    left_on = entry.values.get("left_on")
    if left_on and left_on > today:
        return [entry.problem("left_on", f"离队日期 {left_on} 晚于今天")]
    if left_on and entry.values.get("active") is True:
        message = (
            "状态是 在册，却填了离队日期：回到队里的党员请清空离队日期，离队的请把状态填为 离队"
        )
        return [entry.problem("left_on", message)]
    return []


ROW_CHECKS: dict[str, tuple[Callable[[Entry, date], list[Problem]], ...]] = {
    "社区": (check_coordinates,),
    "党员": (check_leaving,),
    "结对家庭": (check_coordinates, check_pairing_date),
}
