"""The roster workbook's layout: its sheets, their columns, and which reader each cell gets.

One table says everything about the layout; the reader, the checks, the plan and the
template all work from it, so a column is added or renamed here and nowhere else.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from .roster_cells import (
    COORD_TYPES,
    ROLE_LABELS,
    ROLES,
    STATUS_LABELS,
    STATUSES,
    choice,
    contact_phone,
    day,
    integer,
    mobile,
    name_note,
    number,
    person_name,
    text,
)

LAT_RANGE = (3.0, 54.0)
LNG_RANGE = (73.0, 136.0)
NOTES_SHEET = "说明"


@dataclass(frozen=True)
class Problem:
    """Something wrong in the file: where (as Excel shows it) and what, in Chinese."""

    severity: str  # "error" blocks the import, "warning" does not
    sheet: str
    row: int | None
    column: str | None  # the header as written in the file
    column_letter: str | None
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    parse: Callable[[Any], Any]
    required: bool = False
    aliases: tuple[str, ...] = ()
    example: Any = None
    hint: str = ""
    # A reminder at the cell when the value kept is not what it says: (raw cell, value) →
    # the message, or None.
    note: Callable[[Any, Any], str | None] | None = None


@dataclass(frozen=True)
class SheetSpec:
    name: str
    key: tuple[str, ...]  # the natural key that finds the row again in the database
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()

    def column(self, field: str) -> Column:
        return next(c for c in self.columns if c.field == field)


COORDINATE_HINT = "GCJ-02（高德、腾讯地图取点）或 WGS-84（GPS），默认 gcj02"

SHEETS = (
    SheetSpec(
        "社区",
        key=("name",),
        aliases=("社区信息", "社区表", "结对社区"),
        columns=(
            Column("name", "社区名称", text(100), True, ("社区", "名称"), "示例社区"),
            Column("address", "地址", text(200), False, ("社区地址",), "金水区示例路1号"),
            Column("lat", "纬度", number, True, ("lat", "latitude"), 34.7466, "如 34.7466"),
            Column(
                "lng", "经度", number, True, ("lng", "lon", "longitude"), 113.6253, "如 113.6253"
            ),
            Column(
                "coord_type",
                "坐标系",
                choice(COORD_TYPES, "坐标系", "gcj02 或 wgs84"),
                False,
                ("坐标类型",),
                "gcj02",
                COORDINATE_HINT,
            ),
            Column(
                "radius_m",
                "签到半径(米)",
                integer(20, 5000),
                False,
                ("签到半径", "半径"),
                300,
                "签到时离社区多远以内算到场；留空按系统设置的签到范围（出厂为 300）",
            ),
        ),
    ),
    SheetSpec(
        "服务队",
        key=("name",),
        aliases=("服务队信息", "队伍"),
        columns=(
            Column("name", "服务队名称", text(100), True, ("服务队", "队名", "名称"), "示例服务队"),
            Column(
                "community",
                "结对社区",
                text(100),
                True,
                ("社区", "结对联系社区", "所属社区"),
                "示例社区",
                "须是社区表中的名称",
            ),
            Column(
                "leader_phone",
                "队长手机号",
                mobile,
                False,
                ("队长电话", "队长手机", "队长手机号码"),
                "13800138000",
                "也可在党员表中把队长的角色填为 队长",
            ),
        ),
    ),
    SheetSpec(
        "党员",
        key=("phone",),
        aliases=("党员信息", "党员名单", "队员"),
        columns=(
            Column(
                "name", "姓名", person_name(50), True, ("党员姓名",), "张三（示例）", note=name_note
            ),
            Column(
                "phone",
                "手机号",
                mobile,
                True,
                ("手机", "电话", "手机号码", "联系电话"),
                "13800138000",
                "按手机号识别党员，请设为文本格式",
            ),
            Column(
                "branch",
                "所在支部",
                text(100),
                False,
                ("支部", "党支部"),
                "机关第一党支部",
                "系统中没有的支部会自动新增",
            ),
            Column("team", "服务队", text(100), True, ("所在服务队", "所属服务队"), "示例服务队"),
            Column(
                "role",
                "角色",
                choice(ROLES, "角色", "队员 或 队长"),
                False,
                ("职务", "身份"),
                "队长",
                "队员 或 队长；留空时新增的为队员，已有的不变",
            ),
            Column(
                "active",
                "状态",
                choice(STATUSES, "状态", "在册 或 离队"),
                False,
                ("在册状态", "是否在册"),
                "在册",
                "在册 或 离队；离队的党员留在名册上但不能再登录，离队前的季度报告仍计入；"
                "回到队里的填 在册；留空时新增的为在册，已有的不变",
            ),
            Column(
                "left_on",
                "离队日期",
                day,
                False,
                ("离队时间",),
                None,
                "离队的那一天；只填日期也算离队，标为离队而留空时取导入当天；"
                "系统中还没有的党员不能填导入之前的日期",
            ),
        ),
    ),
    SheetSpec(
        "结对家庭",
        key=("community", "address"),
        aliases=("结对家庭信息", "家庭", "结对户"),
        columns=(
            Column(
                "head_name",
                "户主姓名",
                person_name(50),
                True,
                ("户主",),
                "王桂兰（示例）",
                note=name_note,
            ),
            Column(
                "phone",
                "联系电话",
                contact_phone,
                False,
                ("电话", "手机号"),
                "13700137000",
                "手机号或固定电话",
            ),
            Column(
                "address",
                "住址",
                text(200),
                True,
                ("地址", "家庭住址"),
                "示例路1号院2号楼101",
                "同一社区内按住址识别家庭",
            ),
            Column("community", "所属社区", text(100), True, ("社区",), "示例社区"),
            Column(
                "size", "家庭人口", integer(1, 30), False, ("人口", "家庭人数"), 2, "1 到 30 的整数"
            ),
            Column("situation", "家庭情况", text(500), False, ("情况",), "老两口，子女在外地"),
            Column(
                "lat",
                "纬度",
                number,
                False,
                ("lat", "latitude"),
                34.7470,
                "选填；填了纬度就要填经度",
            ),
            Column("lng", "经度", number, False, ("lng", "lon", "longitude"), 113.6260),
            Column(
                "coord_type",
                "坐标系",
                choice(COORD_TYPES, "坐标系", "gcj02 或 wgs84"),
                False,
                ("坐标类型",),
                "gcj02",
            ),
            Column(
                "member_phone",
                "结对党员手机号",
                mobile,
                False,
                ("结对党员电话", "结对党员手机", "党员手机号", "结对党员手机号码"),
                "13800138000",
                "须是党员表或系统中已有的党员",
            ),
            Column(
                "started_on",
                "结对日期",
                day,
                False,
                ("结对时间",),
                date(2026, 1, 1),
                "新结对留空时取导入当天",
            ),
        ),
    ),
)
SHEET_BY_NAME = {spec.name: spec for spec in SHEETS}
SHEET_ORDER = {spec.name: index for index, spec in enumerate(SHEETS)}


def normalise_name(name: Any) -> str:
    """A sheet or header name folded for matching: no spaces, no *, ASCII brackets, lower case."""
    return re.sub(r"[\s*]", "", unicodedata.normalize("NFKC", str(name or ""))).lower()


_SHEET_NAMES = {normalise_name(n): s for s in SHEETS for n in (s.name, *s.aliases)}
_HEADERS = {
    s.name: {normalise_name(h): c.field for c in s.columns for h in (c.header, *c.aliases)}
    for s in SHEETS
}


def match_sheet(name: Any) -> SheetSpec | None:
    return _SHEET_NAMES.get(normalise_name(name))


def match_header(spec: SheetSpec, header: Any) -> str | None:
    return _HEADERS[spec.name].get(normalise_name(header))


def is_notes_sheet(name: Any) -> bool:
    return normalise_name(name) == NOTES_SHEET


def show(field: str, value: Any) -> str:
    """A stored value as the clerk would write it in the sheet."""
    if value is None or value == "":
        return "（空）"
    if field == "role":
        return ROLE_LABELS.get(value, value)
    if field == "active":
        return STATUS_LABELS[value]
    return value.isoformat() if isinstance(value, date) else str(value)
