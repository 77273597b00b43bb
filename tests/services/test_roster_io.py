"""Reading roster files as clerks save them, and the blank template they start from."""

from datetime import date

import openpyxl
import pytest

from models import Community, Member
from services.errors import Invalid
from services.roster_cells import CellError, contact_phone, day, mobile
from services.roster_import import (
    import_roster,
    read_csv_files,
    read_roster,
    read_workbook,
    write_template,
)
from services.roster_schema import SHEETS
from tests.services.roster_files import TEAM_SIZE, base_roster, write_csvs, write_xlsx


def test_rows_keep_the_numbers_excel_shows_under_a_title_row(tmp_path):
    roster = base_roster()
    roster["党员"][0:0] = [["2026年党员名单"], []]  # a title and a blank row above the header
    roster["党员"].insert(4, [None, "", "  "])  # a blank row inside the table

    sheet = read_workbook(write_xlsx(tmp_path / "名单.xlsx", roster)).sheets["党员"]

    assert sheet.header_row == 3
    assert [row.number for row in sheet.rows] == [4, 6, 7, 8, 9, 10]
    assert sheet.columns["phone"].letter == "B"


def test_headers_are_matched_through_aliases_spaces_and_full_width_brackets(tmp_path):
    roster = base_roster()
    roster["党员"][0] = ["姓 名", "电话", "支部", "所在服务队", "职务"]
    roster["社区"][0][5] = "签到半径（米）*"

    data = read_workbook(write_xlsx(tmp_path / "名单.xlsx", roster))

    assert list(data.sheets["党员"].columns) == ["name", "phone", "branch", "team", "role"]
    assert data.sheets["党员"].columns["phone"].header == "电话"
    assert "radius_m" in data.sheets["社区"].columns
    assert data.problems == ()


@pytest.mark.parametrize(
    "raw",
    [
        "13800000001",
        " 13800000001 ",
        13800000001,
        13800000001.0,
        "138 0000 0001",
        "138-0000-0001",
        "+86 138 0000 0001",
        "8613800000001",
        "１３８００００００01",
        "１３８ ００００ ００01",
        "13800000001.0",  # a number cell that Excel or a CSV export wrote as text
        "13800000001.00",
    ],
)
def test_mobile_numbers_are_read_tolerantly(raw):
    assert mobile(raw) == "13800000001"


@pytest.mark.parametrize("read", [mobile, contact_phone])
@pytest.mark.parametrize("raw", ["1.38E+10", "1.38e10", "1.38000E+10", "１.３８Ｅ＋１０"])
def test_scientific_notation_is_explained_with_the_fix(read, raw):
    with pytest.raises(CellError, match="科学计数法.*后几位数字已经丢失.*“文本”格式"):
        read(raw)


@pytest.mark.parametrize(
    "raw",
    ["1380000000", "12800000001", "138000000011", "0371-66666666", "无", "13800000001.5", "1.0"],
)
def test_bad_mobile_numbers_are_refused(raw):
    with pytest.raises(CellError, match="手机号格式不正确"):
        mobile(raw)


@pytest.mark.parametrize("raw", ["0371-66666666", "037166666666", "66666666"])
def test_households_may_give_a_landline(raw):
    assert contact_phone(raw) == raw


@pytest.mark.parametrize(
    "raw",
    ["2026-01-05", "2026/1/5", "2026.01.05", "2026年1月5日", "20260105", 46027, date(2026, 1, 5)],
)
def test_dates_are_read_in_the_forms_clerks_write(raw):
    assert day(raw) == date(2026, 1, 5)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "utf-16"])
def test_csv_files_are_decoded_whatever_excel_saved(tmp_path, encoding):
    paths = write_csvs(tmp_path, base_roster(), encoding)

    data = read_csv_files(paths)

    assert set(data.sheets) == {"社区", "服务队", "党员", "结对家庭"}
    assert data.sheets["党员"].rows[0].cells["name"] == "张一"
    assert data.sheets["党员"].columns["name"].header == "姓名"  # no BOM glued to the header
    assert data.problems == ()


def test_csv_rows_are_numbered_as_excel_would_show_them(tmp_path):
    roster = base_roster()
    roster["结对家庭"][1][5] = "第一行\n第二行"  # a quoted cell over two lines is still one row

    sheet = read_csv_files(write_csvs(tmp_path, roster)).sheets["结对家庭"]

    assert [row.number for row in sheet.rows] == [2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("名单.xls", b"\xd0\xcf\x11\xe0", "xls"),
        ("名单.xlsx", b"not a zip file", "无法读取"),
        ("名单.txt", b"", "xlsx"),
        ("不存在.xlsx", None, "找不到文件「.*不存在.xlsx」"),
        ("不存在.csv", None, "找不到文件"),
    ],
)
def test_unreadable_files_get_a_clear_error(tmp_path, name, content, words):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(Invalid, match=words):
        read_roster(path)


def test_the_template_has_friendly_sheets_with_chinese_headers(tmp_path):
    path = tmp_path / "模板.xlsx"
    write_template(path)

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["说明", "社区", "服务队", "党员", "结对家庭"]
    for spec in SHEETS:
        sheet = book[spec.name]
        headers = [cell.value for cell in sheet[1]]
        assert [h.rstrip("*") for h in headers] == [c.header for c in spec.columns]
        assert [h.endswith("*") for h in headers] == [c.required for c in spec.columns]
        assert all(cell.font.bold for cell in sheet[1])
        assert all(cell.font.italic for cell in sheet[2])  # the example row
        assert sheet.freeze_panes == "A2"
        assert all(sheet.column_dimensions[c.column_letter].width >= 8 for c in sheet[1])
    assert "示例" in book["说明"]["A5"].value


def test_the_template_reads_back_with_every_column_recognised(tmp_path):
    path = tmp_path / "模板.xlsx"
    write_template(path)

    data = read_workbook(path)

    assert data.problems == ()
    for spec in SHEETS:
        sheet = data.sheets[spec.name]
        assert list(sheet.columns) == [c.field for c in spec.columns]
        assert [row.number for row in sheet.rows] == [2]


def test_importing_the_untouched_template_skips_its_examples(database, tmp_path):
    path = tmp_path / "模板.xlsx"
    write_template(path)

    result = import_roster(path)

    assert result.errors == () and result.changes == ()
    examples = [p for p in result.warnings if "示例" in p.message]
    assert [(p.sheet, p.row) for p in examples] == [(s.name, 2) for s in SHEETS]
    assert Community.select().count() == 0


def test_a_filled_in_template_imports_below_its_examples(database, tmp_path):
    path = tmp_path / "模板.xlsx"
    write_template(path)
    book = openpyxl.load_workbook(path)
    for name, (header, *rows) in base_roster().items():
        columns = [cell.value.rstrip("*") for cell in book[name][1]]
        for row in rows:  # below the example row, which is left in place
            book[name].append([dict(zip(header, row, strict=True)).get(c) for c in columns])
    book["党员"].cell(2, 1).value = "张四"  # ... except one example the clerk overwrote
    book["党员"].cell(2, 2).value = "13800000008"
    book["党员"].cell(2, 4).value = "第一服务队"
    book["党员"].cell(2, 5).value = "队员"
    book.save(path)

    result = import_roster(path, team_size=TEAM_SIZE)

    assert result.errors == (), result.errors
    assert [p.sheet for p in result.warnings if "示例" in p.message] == [
        "社区",
        "服务队",
        "结对家庭",
    ]
    assert Member.select().count() == 7
    assert Member.get(Member.phone == "13800000008").branch.name == "机关第一党支部"
