"""The blank roster workbook the office fills in: Chinese headers, one example row, a 说明 sheet.

The example row (row 2 of each sheet, grey italic) is left in on purpose: a clerk sees what a
filled row looks like, and importing a row identical to it is skipped with a reminder, so a
template imported with its examples unchanged writes nothing.
"""

import io
import unicodedata
from datetime import date
from os import PathLike
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .errors import Invalid
from .output_files import check_target, write_bytes
from .roster_schema import NOTES_SHEET, SHEETS, Column, SheetSpec

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FCE4D6")
EXAMPLE_FONT = Font(italic=True, color="808080")
TEXT_FIELDS = {"phone", "leader_phone", "member_phone"}  # keep Excel from turning them into numbers
CHOICES = {"role": "队员,队长", "active": "在册,离队", "coord_type": "gcj02,wgs84"}
DATE_FIELDS = {"started_on", "left_on"}
VALIDATED_ROWS = 1000

NOTES = (
    "本工作簿有四张表：社区、服务队、党员、结对家庭。请不要修改表名和列名，列的顺序可以调整。",
    "列名带 * 的必须填写；其余选填，留空表示不修改系统中已有的内容（新增时用默认值）。",
    "每张表第 2 行是灰色的示例。示例原样保留时导入会忽略它并提醒；也可以直接改写或删除。",
    "导入按手机号认党员、按名称认社区和服务队、按“所属社区 + 住址”认结对家庭："
    "已有的更新，没有的新增，表中没有列出的不会删除。",
    "每个服务队要有一名队长：在服务队表填队长手机号，或在党员表把角色填为“队长”。"
    "换队长只需改写，原队长自动改为队员。",
    "一名党员只结对一户，一户只结对一名党员。改填结对党员手机号即为调整结对，原结对自动结束。",
    "党员离队：把状态填为“离队”，并填离队日期（留空取导入当天）。离队的党员不会删除，"
    "其结对在离队日期结束：结对家庭表里仍填着其手机号也可以，导入时只作提醒；"
    "其尚未开始的活动的报名和指派一并撤销；离队前各季度的报告照样计入。"
    "回到队里时把状态改为“在册”。系统中还没有的党员不能登记为导入之前已离队。",
    "导入前会检查全部内容，只要有一处错误就不导入任何数据。可以先试运行，看看会改动什么。",
    "手机号列已设为文本格式；从别处粘贴时请用“选择性粘贴 → 数值”，以免变成科学计数法。",
    "坐标：高德、腾讯地图取点得到 GCJ-02（填 gcj02），GPS 设备得到 WGS-84（填 wgs84）。",
    "也可以把每张表另存为 CSV（UTF-8 或 GBK 均可），文件名用表名，如 党员.csv。",
)


KEPT_BECAUSE = "它可能是已经填好的名册"


def write_template(path: str | PathLike, force: bool = False) -> Path:
    """Write the blank roster workbook with headers, example rows and instructions.

    An existing file is left alone unless `force`: it is most likely the roster the clerk
    filled in from an earlier template, and a blank one over it would lose their work."""
    path = Path(path)
    _check_name(path)
    check_target(path, force, KEPT_BECAUSE)  # refused before the workbook is built
    return write_bytes(path, template_bytes(), force, KEPT_BECAUSE)


def template_bytes() -> bytes:
    """The blank roster workbook as a file's bytes (the dashboard's download)."""
    content = io.BytesIO()
    _build().save(content)
    return content.getvalue()


def _check_name(path: Path) -> None:
    """Excel opens a workbook by its name: one called t.csv would be taken for CSV text."""
    if path.suffix.lower() != ".xlsx":
        raise Invalid(
            f"文件名须以 .xlsx 结尾（模板是 Excel 工作簿）：「{path.name}」。"
            "例如：名册模板.xlsx；需要 CSV 时，填好后在 Excel 里把每张表另存为 CSV。",
            code="bad_template_name",
        )


def _build() -> Workbook:
    book = Workbook()
    _write_notes(book.active)
    for spec in SHEETS:
        _write_sheet(book.create_sheet(spec.name), spec)
    return book


def _width(value: object) -> int:
    text = value.isoformat() if isinstance(value, date) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _header(column: Column) -> str:
    return f"{column.header}*" if column.required else column.header


def _write_sheet(sheet: Worksheet, spec: SheetSpec) -> None:
    sheet.append([_header(c) for c in spec.columns])
    sheet.append([c.example for c in spec.columns])
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        header, example = sheet.cell(1, index), sheet.cell(2, index)
        header.font, header.fill = HEADER_FONT, HEADER_FILL
        header.alignment = Alignment(horizontal="center")
        example.font = EXAMPLE_FONT
        if column.field in TEXT_FIELDS:
            sheet.column_dimensions[letter].number_format = "@"
            example.number_format = "@"
        if column.field in DATE_FIELDS:
            example.number_format = "yyyy-mm-dd"
        width = max(_width(_header(column)), _width(column.example)) + 4
        sheet.column_dimensions[letter].width = width
        if column.field in CHOICES:
            _add_choice(sheet, letter, CHOICES[column.field])
    note = "示例行：原样保留时导入会自动忽略。请在下面填写，或直接改写本行。"
    sheet.cell(2, 1).comment = Comment(note, "先锋")
    sheet.freeze_panes = "A2"


def _add_choice(sheet: Worksheet, letter: str, options: str) -> None:
    validation = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True)
    validation.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
    sheet.add_data_validation(validation)


def _write_notes(sheet: Worksheet) -> None:
    sheet.title = NOTES_SHEET
    sheet.append(["党员志愿服务名单导入模板 · 使用说明"])
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.append([])
    for number, note in enumerate(NOTES, start=1):
        sheet.append([f"{number}. {note}"])
    sheet.append([])
    sheet.append(["表", "列", "必填", "填写说明"])
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for spec in SHEETS:
        for column in spec.columns:
            required = "是" if column.required else ""
            sheet.append([spec.name, column.header, required, column.hint])
    for letter, width in zip("ABCD", (12, 18, 8, 60), strict=True):
        sheet.column_dimensions[letter].width = width
