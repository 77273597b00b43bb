"""The register as a workbook, opened again with openpyxl as Excel would read it: headers,
a row's values (Shanghai time, hours, Chinese status and flags), masking of residents' data
for everyone but the office, the list's filters and scope, a team, and the row cap."""

import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from models import db
from services import register_defaults, register_export
from services.errors import Forbidden, Invalid, NotFound
from services.records import RecordFilters
from services.register_check import check_entry
from services.register_export import export_register
from tests.factories import NOW, make_activity, make_household, pair
from tests.register_world import build_world, checked_in, counted_queries

HEADERS = [
    "队伍", "党员", "类型", "活动/对象", "签到时间", "签退时间", "时长（小时）", "服务内容",
    "服务对象", "服务成效", "状态", "异常原因", "登记方式", "计入时长", "编号",
]  # fmt: skip
OFFICE_HEADERS = [*HEADERS[:-1], "登记核验", "编号"]  # only the office is shown the check
VISIT_TEXT = {
    "content": "走访王建华家，了解用水困难，电话13712345678",
    "target": "王建华",
    "outcome": "已联系幸福路12号3单元物业",
}


@pytest.fixture
def world(database):
    return build_world()


@pytest.fixture
def entries(world):
    """alice: an activity (flagged) and a visit to her household; bob: registered by his
    leader; carol (team B): one activity."""
    activity = make_activity(world.team_a, title="楼道清理")
    household = make_household(
        community=world.team_a.community,
        head_name="王建华",
        phone="13712345678",
        address="幸福路12号3单元",
    )
    pair(world.alice, household)
    flagged = checked_in(
        world.alice, activity, filled=True, status="flagged", flags=["out_of_range", "photo_tiny"]
    )
    visit = checked_in(
        world.alice, at=NOW + timedelta(hours=1), kind="visit", household=household, **VISIT_TEXT
    )
    registered = checked_in(
        world.bob,
        at=NOW + timedelta(hours=2),
        source="leader",
        registered_by=world.leader_a,
        registration_reason="不会用手机",
    )
    other = checked_in(world.carol, make_activity(world.team_b), at=NOW + timedelta(days=40))
    return {"flagged": flagged, "visit": visit, "registered": registered, "other": other}


def sheet_of(export):
    return load_workbook(io.BytesIO(export.content))["登记记录"]


def rows_by_id(sheet) -> dict[int, dict]:
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(2)]
    return {row["编号"]: row for row in rows}


def test_headers_layout_and_a_row_as_excel_reads_it(world, entries):
    export = export_register(world.actor("office"), RecordFilters(), NOW)
    sheet = sheet_of(export)
    assert [c.value for c in sheet[1]] == OFFICE_HEADERS
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:P{export.rows + 1}"
    assert sheet.column_dimensions["H"].width >= 30
    assert sheet.print_title_rows == "$1:$1" and sheet.page_setup.orientation == "landscape"
    row = rows_by_id(sheet)[entries["flagged"].id]
    assert row["队伍"] == world.team_a.name and row["党员"] == "alice"
    assert row["类型"] == "集中活动" and row["活动/对象"] == "楼道清理"
    assert row["签到时间"] == datetime(2026, 11, 29, 10, 0)  # NOW is 02:00 UTC
    assert row["签退时间"] == datetime(2026, 11, 29, 11, 30)
    assert row["时长（小时）"] == 1.5
    assert row["状态"] == "待队长审核"
    assert row["异常原因"] == "位置不在服务地点范围内；照片尺寸过小"
    assert row["登记方式"] == "本人签到" and row["计入时长"] == "是"
    assert row["登记核验"] == "通过"
    cells = {c.column_letter: c for c in sheet[2]}
    assert cells["E"].is_date and cells["E"].number_format == "yyyy-mm-dd hh:mm"
    assert cells["G"].number_format == "0.0"


def test_oldest_first_and_a_leaders_registration_says_who_and_why(world, entries):
    sheet = sheet_of(export_register(world.actor("office"), RecordFilters(), NOW))
    ids = [row[-1].value for row in sheet.iter_rows(2)]
    assert ids == [entries[k].id for k in ("flagged", "visit", "registered", "other")]
    row = rows_by_id(sheet)[entries["registered"].id]
    assert row["登记方式"] == f"队长{world.leader_a.name}代登记：不会用手机"
    assert row["计入时长"] == "否"  # not filled in


def test_the_office_sees_the_resident_whole(world, entries):
    sheet = sheet_of(export_register(world.actor("office"), RecordFilters(), NOW))
    row = rows_by_id(sheet)[entries["visit"].id]
    assert row["类型"] == "结对走访" and row["活动/对象"] == "结对家庭 王建华户"
    assert row["服务内容"] == VISIT_TEXT["content"]
    assert (row["服务对象"], row["服务成效"]) == (VISIT_TEXT["target"], VISIT_TEXT["outcome"])


@pytest.mark.parametrize(("who", "head"), [("office", "王建华"), ("leader_a", "王**")])
def test_the_programmes_visit_target_names_the_resident_as_the_served_column_does(
    world, entries, who, head
):
    """The check-out writes a visit's target masked (the member reads it whole); the office's
    file names the resident whole in both columns, a leader's masks both."""
    visit = entries["visit"]
    visit.target = ""
    visit.target = register_defaults.automatic(visit)["target"]
    visit.save()
    sheet = sheet_of(export_register(world.actor(who), RecordFilters(), NOW))
    row = rows_by_id(sheet)[visit.id]
    assert row["服务对象"] == row["活动/对象"] == f"结对家庭 {head}户"


@pytest.mark.parametrize("who", ["office", "leader_a"])
def test_an_own_service_is_named_as_the_register_names_it(world, entries, who):
    sheet = sheet_of(export_register(world.actor(who), RecordFilters(), NOW))
    row = rows_by_id(sheet)[entries["registered"].id]
    assert (row["类型"], row["活动/对象"]) == ("分散活动", "个人服务（分散活动）")


@pytest.mark.parametrize("who", ["leader_a", "alice"])
def test_everyone_else_sees_the_resident_masked(world, entries, who):
    sheet = sheet_of(export_register(world.actor(who), RecordFilters(), NOW))
    row = rows_by_id(sheet)[entries["visit"].id]
    assert row["活动/对象"] == "结对家庭 王**户"
    assert row["服务内容"] == "走访王**家，了解用水困难，电话137****5678"
    assert row["服务对象"] == "王**"
    assert row["服务成效"] == "已联系幸福路****物业"
    text = " ".join(str(c.value) for line in sheet.iter_rows() for c in line)
    assert "王建华" not in text and "13712345678" not in text and "12号" not in text


@pytest.mark.parametrize(
    ("who", "owners"),
    [
        ("alice", {"alice"}),
        ("leader_a", {"alice", "bob"}),
        ("leader_b", {"carol"}),
        ("office", {"alice", "bob", "carol"}),
    ],
)
def test_each_reader_gets_what_the_list_shows_them(world, entries, who, owners):
    sheet = sheet_of(export_register(world.actor(who), RecordFilters(), NOW))
    assert {row[1].value for row in sheet.iter_rows(2)} == owners


def test_filters_narrow_as_in_the_list(world, entries):
    office = world.actor("office")
    filters = RecordFilters(status="flagged", date_from=date(2026, 11, 29))
    assert export_register(office, filters, NOW).rows == 1
    filters = RecordFilters(kind="visit", member_id=world.alice.id)
    sheet = sheet_of(export_register(office, filters, NOW))
    assert [r[-1].value for r in sheet.iter_rows(2)] == [entries["visit"].id]
    december = RecordFilters(date_from=date(2027, 1, 1), date_to=date(2027, 1, 31))
    sheet = sheet_of(export_register(office, december, NOW))
    assert [r[-1].value for r in sheet.iter_rows(2)] == [entries["other"].id]
    with pytest.raises(Forbidden):
        export_register(world.actor("leader_a"), RecordFilters(member_id=world.carol.id), NOW)
    with pytest.raises(Invalid):
        export_register(office, RecordFilters(status="nonsense"), NOW)


def test_a_team(world, entries):
    office = world.actor("office")
    sheet = sheet_of(export_register(office, RecordFilters(team_id=world.team_b.id), NOW))
    assert [r[-1].value for r in sheet.iter_rows(2)] == [entries["other"].id]
    assert export_register(
        world.actor("leader_a"), RecordFilters(team_id=world.team_a.id), NOW
    ).rows
    for who in ("leader_a", "alice"):
        with pytest.raises(Forbidden) as refused:
            export_register(world.actor(who), RecordFilters(team_id=world.team_b.id), NOW)
        assert refused.value.code == "record_scope"
    with pytest.raises(NotFound):
        export_register(office, RecordFilters(team_id=world.team_b.id + 100), NOW)


def test_file_names_say_whose_entries_and_when(world, entries):
    office, leader = world.actor("office"), world.actor("leader_a")
    span = RecordFilters(date_from=date(2026, 10, 1), date_to=date(2026, 12, 31))
    everything = export_register(office, span, NOW)
    assert everything.filename == "登记簿_全部服务队_2026-10-01至2026-12-31.xlsx"
    assert everything.ascii_name == "register.xlsx"
    team = export_register(leader, RecordFilters(), NOW).filename
    assert team == f"登记簿_{world.team_a.name}_截至2026-11-29.xlsx"
    mine = export_register(leader, RecordFilters(mine=True), NOW).filename
    assert mine.startswith(f"登记簿_{world.leader_a.name}_")


def test_text_is_never_a_formula_and_control_characters_are_dropped(world):
    formula = '=HYPERLINK("http://x","点我")'
    record = checked_in(world.alice, content=formula, target="#N/A", outcome="好\x07了")
    sheet = sheet_of(export_register(world.actor("office"), RecordFilters(), NOW))
    row = {c.column_letter: c for c in sheet[2]}
    assert row["H"].value == record.content and row["H"].data_type == "s"
    assert row["I"].value == "#N/A" and row["I"].data_type == "s"
    assert row["J"].value == "好了"


def test_times_are_to_the_second_as_people_write_them(world):
    checked_in(world.alice, at=NOW + timedelta(microseconds=202_345), minutes=None)
    sheet = sheet_of(export_register(world.actor("office"), RecordFilters(), NOW))
    (row,) = rows_by_id(sheet).values()
    assert row["签到时间"] == datetime(2026, 11, 29, 10, 0)


def test_an_open_entry_has_no_checkout_and_no_hours(world):
    checked_in(world.alice, minutes=None)
    row = rows_by_id(sheet_of(export_register(world.actor("alice"), RecordFilters(), NOW)))
    (only,) = row.values()
    assert only["签退时间"] is None and only["时长（小时）"] is None


def test_too_many_rows_are_refused_before_anything_is_built(world, entries, monkeypatch):
    monkeypatch.setattr(register_export, "EXPORT_MAX_ROWS", 3)
    with pytest.raises(Invalid) as refused:
        export_register(world.actor("office"), RecordFilters(), NOW)
    assert refused.value.code == "export_too_large" and "4 条" in refused.value.message
    assert export_register(world.actor("leader_a"), RecordFilters(), NOW).rows == 3


def _tamper(entry, minutes: int) -> None:
    """Hours added straight in the database."""
    db.execute_sql(f"UPDATE service_record SET duration_minutes = {minutes} WHERE id = {entry.id}")


def test_the_office_sees_each_entrys_register_check_as_on_the_entry(world, entries):
    """The column says what the office's view of the entry (register_check.check_entry) says;
    leaders and members have no such column."""
    _tamper(entries["visit"], 600)
    office = world.actor("office")
    sheet = sheet_of(export_register(office, RecordFilters(), NOW))
    checks = {i: row["登记核验"] for i, row in rows_by_id(sheet).items()}
    problem = check_entry(office, entries["visit"].id).problem
    assert problem.endswith("服务时长（分钟） 90 → 600")
    assert checks[entries["visit"].id] == f"未通过：{problem}"
    assert {i: v for i, v in checks.items() if i != entries["visit"].id} == {
        entries[k].id: "通过" for k in ("flagged", "registered", "other")
    }
    for who in ("leader_a", "alice"):
        leaders = sheet_of(export_register(world.actor(who), RecordFilters(), NOW))
        assert [c.value for c in leaders[1]] == HEADERS
        assert rows_by_id(leaders)[entries["visit"].id]["时长（小时）"] == 10


def test_a_few_queries_whatever_the_number_of_entries(world, entries, monkeypatch):
    """The rows in one query, and for the office their history a batch at a time."""
    team = RecordFilters(team_id=world.team_a.id)
    with counted_queries(monkeypatch) as calls:
        export_register(world.actor("leader_a"), team, NOW)
    assert len(calls) <= 4  # the team, the count, the rows, the team's name
    monkeypatch.setattr(register_export, "CHECK_BATCH", 2)  # 3 rows: 2 batches
    with counted_queries(monkeypatch) as calls:
        export_register(world.actor("office"), team, NOW)
    assert len([sql for sql in calls if "record_history" in sql]) == 2
    assert len(calls) <= 8  # and each batch's photos


def test_an_activity_published_as_individual_service_is_written_as_one(world):
    own = make_activity(world.team_a, title="上门代购", kind="individual")
    entry = checked_in(world.alice, own, filled=True)
    sheet = sheet_of(export_register(world.actor("office"), RecordFilters(), NOW))
    assert rows_by_id(sheet)[entry.id]["类型"] == "分散活动"  # as the API's kind_name names it
