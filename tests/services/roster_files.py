"""Roster files for the import tests: a small valid roster, edits by cell, xlsx and CSV writers.

A roster here is {sheet: [header, row, row, ...]}; rows are addressed as Excel numbers them
(the header is row 1), so a test reads like the clerk's screen: 党员 row 4, column 手机号.
"""

import copy
import csv
from datetime import date, datetime, time
from pathlib import Path

import openpyxl

from services import clock
from services.roster_import import ImportResult, import_roster

TEAM_SIZE = (3, 5)  # the base roster's teams have three members each

BASE = {
    "社区": [
        ["社区名称", "地址", "纬度", "经度", "坐标系", "签到半径(米)"],
        ["幸福社区", "幸福路1号", 34.7466, 113.6253, "gcj02", 300],
        ["和平社区", "和平路2号", 34.76, 113.65, "", ""],
    ],
    "服务队": [
        ["服务队名称", "结对社区", "队长手机号"],
        ["第一服务队", "幸福社区", "13800000001"],
        ["第二服务队", "和平社区", "13800000004"],
    ],
    "党员": [
        ["姓名", "手机号", "所在支部", "服务队", "角色"],
        ["张一", "13800000001", "第一支部", "第一服务队", "队长"],
        ["张二", "13800000002", "第一支部", "第一服务队", "队员"],
        ["张三", "13800000003", "第二支部", "第一服务队", ""],
        ["李一", "13800000004", "第二支部", "第二服务队", "队长"],
        ["李二", "13800000005", "", "第二服务队", "队员"],
        ["李三", "13800000006", "", "第二服务队", "队员"],
    ],
    "结对家庭": [
        ["户主姓名", "联系电话", "住址", "所属社区", "家庭人口", "家庭情况"]
        + ["纬度", "经度", "结对党员手机号", "结对日期"],
        *(
            [f"户主{n}", f"1370000000{n}", f"{street}{n}号", community, 2, "", 34.75, 113.63]
            + [f"1380000000{n}", "2026-01-01"]
            for n, street, community in [
                (1, "幸福路", "幸福社区"),
                (2, "幸福路", "幸福社区"),
                (3, "幸福路", "幸福社区"),
                (4, "和平路", "和平社区"),
                (5, "和平路", "和平社区"),
                (6, "和平路", "和平社区"),
            ]
        ),
    ],
}


def base_roster() -> dict[str, list[list]]:
    """Two communities, two teams of three (a leader and two members), everyone paired."""
    return copy.deepcopy(BASE)


def edit(roster: dict, sheet: str, row: int, header: str, value) -> dict:
    """Set one cell, addressed as in Excel (row 1 is the header)."""
    roster[sheet][row - 1][roster[sheet][0].index(header)] = value
    return roster


def with_status(roster: dict, rows: dict[int, tuple]) -> dict:
    """Add the 状态 and 离队日期 columns to 党员, filled in for the rows given (by Excel row)."""
    members = roster["党员"]
    members[0] += ["状态", "离队日期"]
    for number, row in enumerate(members[1:], start=2):
        row += list(rows.get(number, ("", "")))
    return roster


def drop_column(roster: dict, sheet: str, header: str) -> dict:
    index = roster[sheet][0].index(header)
    roster[sheet] = [row[:index] + row[index + 1 :] for row in roster[sheet]]
    return roster


def write_xlsx(path: Path, roster: dict) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in roster.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def write_csvs(folder: Path, roster: dict, encoding: str = "utf-8-sig") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, rows in roster.items():
        path = folder / f"{name}.csv"
        with path.open("w", encoding=encoding, newline="") as out:
            csv.writer(out).writerows(rows)
        paths.append(path)
    return paths


def import_on(folder: Path, roster: dict, day: date, name: str = "名单.xlsx") -> ImportResult:
    """Import a roster file at 10:00 on a Shanghai day, as the clerk would that day."""
    now = clock.to_utc(datetime.combine(day, time(10)))
    path = write_xlsx(folder / name, roster)
    return import_roster(path, team_size=TEAM_SIZE, today=day, now=now)


def away_and_back(folder: Path, row: int, added: date, *days: date) -> None:
    """The base roster imported on `added`; then the member on 党员 row `row` leaves on the
    first day, comes back on the next, leaves on the next..., each by a file imported that day
    (状态 离队 or 在册, the clerk's way). The pairings date from the first import."""
    roster = base_roster()
    for number in range(2, len(roster["结对家庭"]) + 1):
        edit(roster, "结对家庭", number, "结对日期", "")
    result = import_on(folder, roster, added)
    assert result.applied, result.errors
    for n, day in enumerate(days):
        status = ("离队", "") if n % 2 == 0 else ("在册", "")
        changed = with_status(copy.deepcopy(roster), {row: status})
        result = import_on(folder, changed, day, f"{n}.xlsx")
        assert result.applied, result.errors
