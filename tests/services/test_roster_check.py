"""Every kind of problem in a roster file is found, at the sheet, row and column Excel shows."""

from datetime import date

import pytest

from models import Community, Household, Member, Pairing, Team
from services.roster_import import check, import_roster, read_workbook
from tests.services.roster_files import (
    TEAM_SIZE,
    base_roster,
    drop_column,
    edit,
    with_status,
    write_xlsx,
)

TODAY = date(2026, 11, 29)


def edits(*cells):
    """A mutation of the base roster: (sheet, row, header, value) cells to set."""

    def mutate(roster):
        for cell in cells:
            edit(roster, *cell)

    return mutate


def without(sheet, header=None):
    def mutate(roster):
        if header:
            drop_column(roster, sheet, header)
        else:
            del roster[sheet]

    return mutate


def with_header(sheet, header):
    def mutate(roster):
        roster[sheet][0].append(header)

    return mutate


# id, mutation, where the error must be reported (sheet, row, column, letter), words it says
ERRORS = [
    ("missing sheet", without("结对家庭"), ("结对家庭", None, None, None), "缺少"),
    ("missing column", without("党员", "手机号"), ("党员", 1, "手机号", None), "必填列"),
    ("duplicate column", with_header("党员", "电话"), ("党员", 1, "电话", "F"), "同一项"),
    ("empty required cell", edits(("党员", 3, "姓名", " ")), ("党员", 3, "姓名", "A"), "必填"),
    (
        "bad phone",
        edits(("党员", 4, "手机号", "1380000003")),
        ("党员", 4, "手机号", "B"),
        "手机号格式",
    ),
    (
        "landline as mobile",
        edits(("党员", 4, "手机号", "0371-6666666")),
        ("党员", 4, "手机号", "B"),
        "11 位",
    ),
    (
        "duplicate phone in file",
        edits(("党员", 4, "手机号", "13800000002")),
        ("党员", 4, "手机号", "B"),
        "与第 3 行重复",
    ),
    (
        "unknown team",
        edits(("党员", 3, "服务队", "第九服务队")),
        ("党员", 3, "服务队", "D"),
        "第九服务队",
    ),
    (
        "unknown community of a team",
        edits(("服务队", 2, "结对社区", "无名社区")),
        ("服务队", 2, "结对社区", "B"),
        "无名社区",
    ),
    (
        "unknown community of a household",
        edits(("结对家庭", 2, "所属社区", "无名社区")),
        ("结对家庭", 2, "所属社区", "D"),
        "无名社区",
    ),
    (
        "unknown paired member",
        edits(("结对家庭", 2, "结对党员手机号", "13900000000")),
        ("结对家庭", 2, "结对党员手机号", "I"),
        "13900000000",
    ),
    (
        "member paired twice",
        edits(("结对家庭", 3, "结对党员手机号", "13800000001")),
        ("结对家庭", 3, "结对党员手机号", "I"),
        "已在第 2 行结对",
    ),
    (
        "household listed (and paired) twice",
        edits(("结对家庭", 3, "住址", "幸福路1号")),
        ("结对家庭", 3, "住址", "C"),
        "与第 2 行是同一社区同一住址",
    ),
    (
        "duplicate community",
        edits(("社区", 3, "社区名称", "幸福社区")),
        ("社区", 3, "社区名称", "A"),
        "重复",
    ),
    (
        "team without a leader",
        edits(("服务队", 2, "队长手机号", ""), ("党员", 2, "角色", "队员")),
        ("服务队", 2, "队长手机号", "C"),
        "没有队长",
    ),
    (
        "team with two leaders",
        edits(("党员", 3, "角色", "队长")),
        ("服务队", 2, "队长手机号", "C"),
        "多名队长",
    ),
    (
        "leader from another team",
        edits(("服务队", 2, "队长手机号", "13800000004")),
        ("服务队", 2, "队长手机号", "C"),
        "不是本队队员",
    ),
    (
        "leader marked as plain member",
        edits(("党员", 2, "角色", "队员")),
        ("服务队", 2, "队长手机号", "C"),
        "角色是 队员",
    ),
    (
        "unknown leader phone",
        edits(("服务队", 2, "队长手机号", "13900000000")),
        ("服务队", 2, "队长手机号", "C"),
        "13900000000",
    ),
    ("unknown role", edits(("党员", 3, "角色", "组长")), ("党员", 3, "角色", "E"), "队员 或 队长"),
    (
        "latitude not a number",
        edits(("社区", 2, "纬度", "北纬34度")),
        ("社区", 2, "纬度", "C"),
        "不是数字",
    ),
    (
        "latitude outside China",
        edits(("社区", 2, "纬度", 60)),
        ("社区", 2, "纬度", "C"),
        "不在中国境内",
    ),
    (
        "longitude outside China",
        edits(("社区", 2, "经度", 150)),
        ("社区", 2, "经度", "D"),
        "不在中国境内",
    ),
    (
        "latitude and longitude swapped",
        edits(("社区", 2, "纬度", 113.6253), ("社区", 2, "经度", 34.7466)),
        ("社区", 2, "纬度", "C"),
        "填反",
    ),
    (
        "household latitude without longitude",
        edits(("结对家庭", 2, "经度", None)),
        ("结对家庭", 2, "经度", "H"),
        "都填",
    ),
    (
        "unknown coordinate system",
        edits(("社区", 2, "坐标系", "bd09")),
        ("社区", 2, "坐标系", "E"),
        "gcj02",
    ),
    (
        "radius not a number",
        edits(("社区", 2, "签到半径(米)", "三百")),
        ("社区", 2, "签到半径(米)", "F"),
        "整数",
    ),
    (
        "household size",
        edits(("结对家庭", 2, "家庭人口", 2.5)),
        ("结对家庭", 2, "家庭人口", "E"),
        "整数",
    ),
    (
        "contact phone",
        edits(("结对家庭", 2, "联系电话", "12345")),
        ("结对家庭", 2, "联系电话", "B"),
        "联系电话",
    ),
    (
        "bad date",
        edits(("结对家庭", 2, "结对日期", "去年")),
        ("结对家庭", 2, "结对日期", "J"),
        "日期格式",
    ),
    (
        "pairing date in the future",
        edits(("结对家庭", 2, "结对日期", "2027-01-01")),
        ("结对家庭", 2, "结对日期", "J"),
        "晚于今天",
    ),
    (
        "bad status",
        lambda roster: with_status(roster, {4: ("请假", "")}),
        ("党员", 4, "状态", "F"),
        "状态只能填 在册 或 离队",
    ),
    (
        "day of leaving in the future",
        lambda roster: with_status(roster, {4: ("离队", "2026-12-01")}),
        ("党员", 4, "离队日期", "G"),
        "晚于今天",
    ),
    (
        "day of leaving for a member on the roster",
        lambda roster: with_status(roster, {4: ("在册", "2026-11-01")}),
        ("党员", 4, "离队日期", "G"),
        "状态是 在册",
    ),
    (
        "a leader who leaves without a successor",
        lambda roster: with_status(roster, {2: ("离队", "")}),
        ("党员", 2, "状态", "F"),
        "指定新队长",
    ),
    (
        "a leader who leaves while the team row still names them",
        lambda roster: edit(with_status(roster, {2: ("离队", "")}), "党员", 3, "角色", "队长"),
        ("党员", 2, "状态", "F"),
        "在服务队表第 2 行把队长手机号改为新队长的",
    ),
    (
        "a leader who leaves, named by role only",
        lambda roster: edit(with_status(roster, {2: ("离队", "")}), "服务队", 2, "队长手机号", ""),
        ("党员", 2, "状态", "F"),
        "或把新队长的角色填为 队长",
    ),
]


@pytest.mark.parametrize(
    "mutate, where, words", [case[1:] for case in ERRORS], ids=[case[0] for case in ERRORS]
)
def test_each_error_is_reported_where_it_is(database, tmp_path, mutate, where, words):
    roster = base_roster()
    mutate(roster)
    result = import_roster(
        write_xlsx(tmp_path / "名单.xlsx", roster), team_size=TEAM_SIZE, today=TODAY
    )

    found = [p for p in result.errors if (p.sheet, p.row, p.column, p.column_letter) == where]
    assert found, [(p.sheet, p.row, p.column, p.column_letter, p.message) for p in result.problems]
    assert any(words in p.message for p in found)
    assert not result.applied
    assert Member.select().count() == Community.select().count() == 0


def test_the_base_roster_has_no_problems(database, tmp_path):
    data = read_workbook(write_xlsx(tmp_path / "名单.xlsx", base_roster()))

    assert check(data, TEAM_SIZE, TODAY) == []


def test_every_problem_is_reported_at_once(database, tmp_path):
    roster = base_roster()
    edits(
        ("社区", 2, "纬度", "abc"),
        ("党员", 4, "手机号", "123"),
        ("党员", 5, "服务队", "第九服务队"),
        ("结对家庭", 7, "结对日期", "明天"),
    )(roster)
    data = read_workbook(write_xlsx(tmp_path / "名单.xlsx", roster))

    errors = [(p.sheet, p.row, p.column) for p in check(data, TEAM_SIZE, TODAY) if p.is_error]

    assert ("社区", 2, "纬度") in errors
    assert ("党员", 4, "手机号") in errors
    assert ("党员", 5, "服务队") in errors
    assert ("结对家庭", 7, "结对日期") in errors
    assert errors == sorted(
        errors, key=lambda e: (["社区", "服务队", "党员", "结对家庭"].index(e[0]), e[1])
    )


def test_a_phone_already_on_another_person_is_an_error(database, tmp_path):
    Member.create(name="王五", phone="13800000003", created_at=TODAY)

    result = import_roster(write_xlsx(tmp_path / "名单.xlsx", base_roster()), team_size=TEAM_SIZE)

    (problem,) = result.errors
    assert (problem.sheet, problem.row, problem.column, problem.column_letter) == (
        "党员",
        4,
        "手机号",
        "B",
    )
    assert "王五" in problem.message and "张三" in problem.message
    assert Member.select().count() == 1


WARNINGS = [
    ("unknown column", with_header("党员", "备注"), ("党员", 1, "备注", "F"), "未识别的列"),
    (
        "member left without a household",
        lambda roster: roster["结对家庭"].pop(),
        ("党员", 7, "手机号", "B"),
        "还没有结对家庭",
    ),
    (
        "household in another community than the member's team",
        edits(
            ("结对家庭", 2, "结对党员手机号", "13800000004"),
            ("结对家庭", 5, "结对党员手机号", "13800000001"),
        ),
        ("结对家庭", 2, "所属社区", "D"),
        "和平社区",
    ),
    (
        "unknown sheet",
        lambda roster: roster.update({"Sheet1": [["x"]]}),
        ("Sheet1", None, None, None),
        "无法识别",
    ),
    (
        "household still naming a member who leaves (the file the clerk re-uses)",
        lambda roster: with_status(roster, {4: ("离队", "")}),
        ("结对家庭", 4, "结对党员手机号", "I"),
        "张三（13800000003）已离队，不会与这户结对",
    ),
    (
        "pairing date without a member",
        edits(("结对家庭", 2, "结对党员手机号", "")),
        ("结对家庭", 2, "结对日期", "J"),
        "没有填结对党员",
    ),
    (
        "spaces inside a member's name",
        edits(("党员", 3, "姓名", "  张 二 ")),
        ("党员", 3, "姓名", "A"),
        "姓名中有空格，已按「张二」保存",
    ),
    (
        "a full-width space inside a household head's name",
        edits(("结对家庭", 2, "户主姓名", "王\u3000桂兰")),
        ("结对家庭", 2, "户主姓名", "A"),
        "姓名中有空格，已按「王桂兰」保存",
    ),
]


@pytest.mark.parametrize(
    "mutate, where, words", [case[1:] for case in WARNINGS], ids=[case[0] for case in WARNINGS]
)
def test_warnings_do_not_block_the_import(database, tmp_path, mutate, where, words):
    roster = base_roster()
    mutate(roster)

    result = import_roster(
        write_xlsx(tmp_path / "名单.xlsx", roster), team_size=TEAM_SIZE, today=TODAY
    )

    assert result.errors == ()
    found = [p for p in result.warnings if (p.sheet, p.row, p.column, p.column_letter) == where]
    assert found and words in found[0].message, result.warnings
    assert result.applied
    assert Team.select().count() == 2


def test_team_size_outside_the_bounds_is_a_warning(database, tmp_path):
    result = import_roster(write_xlsx(tmp_path / "名单.xlsx", base_roster()), team_size=(10, 15))

    assert [(p.sheet, p.row, p.column) for p in result.warnings] == [
        ("服务队", 2, "服务队名称"),
        ("服务队", 3, "服务队名称"),
    ]
    assert "3 名党员" in result.warnings[0].message and "10–15" in result.warnings[0].message
    assert result.applied and Member.select().count() == 6


def test_a_namesake_with_another_phone_is_a_warning(database, tmp_path):
    Member.create(name="张三", phone="13900000003", created_at=TODAY)

    result = import_roster(write_xlsx(tmp_path / "名单.xlsx", base_roster()), team_size=TEAM_SIZE)

    (warning,) = result.warnings
    assert (warning.sheet, warning.row, warning.column) == ("党员", 4, "姓名")
    assert "13900000003" in warning.message
    assert result.applied and Member.select().count() == 7


def test_one_bad_row_imports_nothing(database, tmp_path):
    """All or nothing: an edit with one bad row leaves the database as it was."""
    import_roster(write_xlsx(tmp_path / "一.xlsx", base_roster()), team_size=TEAM_SIZE)
    before = _rows()
    roster = base_roster()
    edits(
        ("社区", 2, "纬度", 34.9),
        ("党员", 4, "服务队", "第二服务队"),
        ("结对家庭", 2, "结对党员手机号", "13800000002"),
        ("结对家庭", 3, "结对党员手机号", "13800000001"),
        ("结对家庭", 7, "纬度", 95),
    )(roster)

    result = import_roster(write_xlsx(tmp_path / "二.xlsx", roster), team_size=TEAM_SIZE)

    assert [(p.sheet, p.row, p.column) for p in result.errors] == [("结对家庭", 7, "纬度")]
    assert not result.applied and result.changes == ()
    assert _rows() == before


def _rows():
    models = (Community, Team, Member, Household, Pairing)
    return {m.__name__: sorted(m.select().tuples()) for m in models}


@pytest.mark.parametrize(
    "written, kept, warned",
    [
        ("  张 二 ", "张二", True),
        ("张\u3000二", "张二", True),
        ("张\u3000\u3000二", "张二", True),
        ("张二", "张二", False),
        ("买买提 · 艾力", "买买提·艾力", True),  # an ethnic minority's name keeps its dot
        ("买买提·艾力", "买买提·艾力", False),
        ("Mary Wang", "Mary Wang", False),  # a name in letters keeps its space
    ],
)
def test_a_chinese_name_is_kept_without_spaces(database, tmp_path, written, kept, warned):
    roster = edit(base_roster(), "党员", 3, "姓名", written)

    result = import_roster(
        write_xlsx(tmp_path / "名单.xlsx", roster), team_size=TEAM_SIZE, today=TODAY
    )

    assert result.applied and result.errors == ()
    assert Member.get(Member.phone == "13800000002").name == kept
    said = [(p.sheet, p.row, p.column, p.message) for p in result.warnings]
    assert said == ([("党员", 3, "姓名", f"姓名中有空格，已按「{kept}」保存")] if warned else [])


def test_a_name_stored_with_a_space_is_the_same_person_without_it(database, tmp_path):
    """A member imported as 「张 二」 before names lost their spaces is not a stranger to a
    file that writes 「张二」 (or still 「张 二」): the name is put right."""
    Member.create(name="张 二", phone="13800000002", created_at=TODAY)

    result = import_roster(
        write_xlsx(tmp_path / "名单.xlsx", base_roster()), team_size=TEAM_SIZE, today=TODAY
    )

    assert result.errors == () and result.applied
    assert Member.get(Member.phone == "13800000002").name == "张二"
    (change,) = [c for c in result.changes if c.label == "党员 13800000002 张二"]
    assert change.details[0] == "姓名 张 二 → 张二"


@pytest.mark.parametrize(
    "sheet, row",
    [("党员", 4), ("社区", 3), ("服务队", 3), ("结对家庭", 3)],
)
def test_a_row_repeated_exactly_is_named_as_such(database, tmp_path, sheet, row):
    """A row pasted twice: one error at the row, saying which row it repeats."""
    roster = base_roster()
    roster[sheet].insert(row - 1, list(roster[sheet][row - 2]))

    result = import_roster(
        write_xlsx(tmp_path / "名单.xlsx", roster), team_size=TEAM_SIZE, today=TODAY
    )

    assert [(p.sheet, p.row, p.column, p.message) for p in result.errors] == [
        (sheet, row, None, f"第 {row} 行与第 {row - 1} 行完全相同，请删除其中一行。")
    ]


def test_a_repeated_phone_with_other_details_keeps_its_message(database, tmp_path):
    roster = base_roster()
    roster["党员"].insert(3, ["张二", "13800000002", "第一支部", "第一服务队", "队长"])

    result = import_roster(
        write_xlsx(tmp_path / "名单.xlsx", roster), team_size=TEAM_SIZE, today=TODAY
    )

    duplicate = [p for p in result.errors if (p.sheet, p.row) == ("党员", 4)]
    assert [(p.column, p.message) for p in duplicate] == [
        ("手机号", "手机号与第 3 行重复：一个手机号只能对应一名党员")
    ]
