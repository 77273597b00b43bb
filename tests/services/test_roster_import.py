"""Importing the roster: all or nothing, idempotent, by natural keys; dry runs write nothing."""

from datetime import date, datetime

import pytest

from models import Branch, Community, Household, Member, MemberSpell, Pairing, Team
from services.errors import Conflict, Invalid
from services.report_stats import team_stats
from services.roster_import import format_report, import_roster, plan, read_workbook
from services.roster_plan import Step, plan_checked
from tests.factories import make_record
from tests.services.roster_files import (
    TEAM_SIZE,
    base_roster,
    edit,
    with_status,
    write_csvs,
    write_xlsx,
)

TODAY = date(2026, 11, 29)
NOW = datetime(2026, 11, 29, 2, 0)  # 10:00 in Shanghai, on TODAY
ADDED = date(2026, 10, 1)  # the roster imported earlier, for members who leave before TODAY
MODELS = (Branch, Community, Team, Member, MemberSpell, Household, Pairing)


def run(tmp_path, roster, name="名单.xlsx", **kw):
    kw = {"team_size": TEAM_SIZE, "today": TODAY, "now": NOW} | kw
    return import_roster(write_xlsx(tmp_path / name, roster), **kw)


def rows():
    """Every roster row in the database, with its id: proof that nothing was recreated."""
    return {m.__name__: sorted(m.select().tuples()) for m in MODELS}


def member(phone):
    return Member.get(Member.phone == phone)


def spells(phone) -> list[tuple]:
    """The member's spells on the roster, (joined, left), oldest first."""
    query = MemberSpell.select(MemberSpell.joined_on, MemberSpell.left_on).join(Member)
    return list(query.where(Member.phone == phone).order_by(MemberSpell.joined_on).tuples())


def left_on(phone):
    """The day a member who is away now last left (None for one on the roster)."""
    return None if member(phone).active else spells(phone)[-1][1]


def partner(phone):
    """The address of the household a member is actively paired with."""
    active = Pairing.select().where(Pairing.ended_on.is_null())
    return active.join(Member).where(Member.phone == phone).get().household.address


def test_import_creates_the_whole_roster(database, tmp_path):
    result = run(tmp_path, base_roster())

    assert result.applied and result.problems == ()
    counts = {c.sheet: (c.created, c.updated, c.unchanged) for c in result.counts}
    assert counts == {
        "社区": (2, 0, 0),
        "服务队": (2, 0, 0),
        "党员": (6, 0, 0),
        "结对家庭": (6, 0, 0),
    }
    assert [Branch.select().count(), Pairing.select().count()] == [2, 6]
    team = Team.get(Team.name == "第一服务队")
    assert team.community.name == "幸福社区"
    assert [m.name for m in team.members.where(Member.role == "leader")] == ["张一"]
    assert member("13800000003").role == "member"  # 角色 left blank
    assert member("13800000002").branch.name == "第一支部"
    assert member("13800000005").branch is None
    peace = Community.get(Community.name == "和平社区")
    assert (peace.coord_type, peace.radius_m) == ("gcj02", 300)  # defaults for blank cells
    assert partner("13800000004") == "和平路4号"
    assert Pairing.get().started_on == date(2026, 1, 1)
    assert {m.created_at for m in Member.select()} == {NOW}


def test_a_community_without_a_radius_takes_the_configured_one(database, tmp_path):
    """[rules] checkin_radius_m is the radius a new community gets when its cell is blank; a
    radius in the file stands, and a later import with another setting (or a blank cell)
    leaves a stored radius as it is."""
    run(tmp_path, base_roster(), radius_m=800)
    radii = {c.name: c.radius_m for c in Community.select()}
    assert radii == {"幸福社区": 300, "和平社区": 800}
    run(tmp_path, base_roster(), name="again.xlsx", radius_m=500)
    assert {c.name: c.radius_m for c in Community.select()} == radii


def test_reimporting_the_same_file_changes_nothing(database, tmp_path):
    run(tmp_path, base_roster())
    before = rows()

    result = run(tmp_path, base_roster())

    assert result.applied and result.changes == ()
    assert {c.sheet: c.unchanged for c in result.counts} == {
        "社区": 2,
        "服务队": 2,
        "党员": 6,
        "结对家庭": 6,
    }
    assert rows() == before
    assert "没有需要变更" in format_report(result)


def test_an_edited_file_updates_rows_by_their_natural_keys(database, tmp_path):
    run(tmp_path, base_roster())
    ids = {m.phone: m.id for m in Member.select()}
    roster = base_roster()
    edit(roster, "社区", 3, "纬度", 34.77)  # community found by name
    edit(roster, "党员", 4, "服务队", "第二服务队")  # 张三 moves team
    edit(roster, "党员", 7, "所在支部", "第三支部")
    edit(roster, "服务队", 2, "队长手机号", "13800000002")  # 张二 takes over from 张一
    edit(roster, "党员", 2, "角色", "队员")
    edit(roster, "党员", 3, "角色", "")
    edit(roster, "结对家庭", 2, "结对党员手机号", "13800000002")  # 张一 and 张二 swap households
    edit(roster, "结对家庭", 3, "结对党员手机号", "13800000001")
    edit(roster, "结对家庭", 4, "家庭情况", "独居老人")

    result = run(tmp_path, roster, "改.xlsx")

    assert result.applied and result.errors == ()
    assert {m.phone: m.id for m in Member.select()} == ids
    assert [Community.select().count(), Team.select().count(), Household.select().count()] == [
        2,
        2,
        6,
    ]
    assert Community.get(Community.name == "和平社区").lat == 34.77
    assert member("13800000003").team.name == "第二服务队"
    assert member("13800000006").branch.name == "第三支部"
    assert [member(p).role for p in ("13800000001", "13800000002")] == ["member", "leader"]
    assert [partner("13800000001"), partner("13800000002")] == ["幸福路2号", "幸福路1号"]
    ended = Pairing.select().where(Pairing.ended_on.is_null(False))
    assert sorted((p.member.phone, p.ended_on) for p in ended) == [
        ("13800000001", TODAY),
        ("13800000002", TODAY),
    ]
    assert Pairing.select().where(Pairing.ended_on.is_null()).count() == 6
    assert Household.get(Household.address == "幸福路3号").situation == "独居老人"
    lines = format_report(result).splitlines()
    assert "  [修改] 党员 13800000003 张三：服务队 第一服务队 → 第二服务队" in lines
    assert "  [修改] 党员 13800000001 张一：角色 队长 → 队员" in lines
    swap = "结对党员 张一（13800000001） → 张二（13800000002）"
    assert f"  [修改] 结对家庭 户主1（幸福社区 幸福路1号）：{swap}" in lines
    assert "  [修改] 社区 和平社区：纬度 34.76 → 34.77" in lines
    assert run(tmp_path, roster, "改.xlsx").changes == ()


def test_leaders_can_swap_teams(database, tmp_path):
    """Each leader moves to lead the other team: demotions go first, so the index never trips."""
    run(tmp_path, base_roster())
    roster = base_roster()
    edit(roster, "服务队", 2, "队长手机号", "13800000004")
    edit(roster, "服务队", 3, "队长手机号", "13800000001")
    edit(roster, "党员", 2, "服务队", "第二服务队")
    edit(roster, "党员", 5, "服务队", "第一服务队")
    edit(roster, "结对家庭", 2, "结对党员手机号", "13800000004")
    edit(roster, "结对家庭", 5, "结对党员手机号", "13800000001")

    result = run(tmp_path, roster, "换.xlsx")

    assert result.applied, result.problems
    leaders = Member.select().where(Member.role == "leader")
    assert sorted((m.team.name, m.name) for m in leaders) == [
        ("第一服务队", "李一"),
        ("第二服务队", "张一"),
    ]


def test_a_leader_the_file_leaves_out_is_demoted(database, tmp_path):
    """A partial file works with what the database holds: rows it leaves out stay as they are."""
    run(tmp_path, base_roster())
    roster = {sheet: rows[:1] for sheet, rows in base_roster().items()}
    roster["党员"].append(["赵四", "13800000007", "", "第一服务队", "队长"])
    roster["结对家庭"].append(
        ["户主7", "", "幸福路7号", "幸福社区", "", "", "", "", "13800000001", ""]
    )

    result = run(tmp_path, roster, "补.xlsx")

    assert result.applied and result.errors == ()
    assert member("13800000001").role == "member" and member("13800000007").role == "leader"
    assert partner("13800000001") == "幸福路7号"
    assert Member.select().count() == 7
    assert [(c.sheet, c.label, c.details) for c in result.changes if c.action == "updated"] == [
        ("党员", "党员 13800000001 张一", ("角色 队长 → 队员（本队换了队长）",)),
        (
            "结对家庭",
            "结对家庭 户主1（幸福社区 幸福路1号）",
            ("结对党员 张一（13800000001） → （无）",),
        ),
    ]
    new = Pairing.get(Pairing.household == Household.get(Household.address == "幸福路7号"))
    assert new.started_on == TODAY  # 结对日期 left blank


def leaving(rows: dict[int, tuple], unpaired: int | None = None) -> dict:
    """The base roster with 状态 and 离队日期 filled for those 党员 rows, and the household on
    结对家庭 row `unpaired` left without its member (one who leaves is paired with nobody)."""
    roster = with_status(base_roster(), rows)
    return edit(roster, "结对家庭", unpaired, "结对党员手机号", "") if unpaired else roster


def test_a_member_who_leaves_keeps_the_day_and_their_pairing_ends_on_it(database, tmp_path):
    run(tmp_path, base_roster(), today=ADDED)

    result = run(tmp_path, leaving({4: ("离队", "2026-11-20")}, unpaired=4), "离队.xlsx")

    assert result.applied and result.errors == ()
    gone = member("13800000003")
    assert (gone.active, gone.team.name) == (False, "第一服务队")
    assert spells("13800000003") == [(ADDED, date(2026, 11, 20))]  # left before the import
    ended = Pairing.get(Pairing.member == gone.id)
    assert (ended.ended_on, ended.household.address) == (date(2026, 11, 20), "幸福路3号")
    lines = format_report(result).splitlines()
    assert "  [修改] 党员 13800000003 张三：状态 在册 → 离队；离队日期 （空） → 2026-11-20" in lines
    assert (
        "  [修改] 结对家庭 户主3（幸福社区 幸福路3号）：结对党员 张三（13800000003） → （无）"
        in lines
    )
    assert not [p for p in result.warnings if "还没有结对家庭" in p.message]
    again = run(tmp_path, leaving({4: ("离队", "2026-11-20")}, unpaired=4), "离队.xlsx")
    assert again.changes == ()


def test_a_leaver_still_named_on_their_household_ends_the_pairing_on_the_day(database, tmp_path):
    """The clerk marks 离队 in the file they keep and leaves the 结对家庭 row as it was: the
    pairing ends on the day of leaving, with a reminder at the cell, and no error."""
    run(tmp_path, base_roster(), today=ADDED)

    result = run(tmp_path, leaving({4: ("离队", "2026-11-20")}), "离队.xlsx")

    assert result.applied and result.errors == ()
    (warning,) = [p for p in result.warnings if p.sheet == "结对家庭"]
    assert (warning.row, warning.column, warning.column_letter) == (4, "结对党员手机号", "I")
    assert warning.message == (
        "结对党员 张三（13800000003）已于 2026-11-20 离队，这户与其的结对到这一天结束；"
        "要为这户结对新的党员，请改填其手机号"
    )
    ended = Pairing.get(Pairing.member == member("13800000003").id)
    assert (ended.ended_on, ended.household.address) == (date(2026, 11, 20), "幸福路3号")
    assert (
        "  [修改] 结对家庭 户主3（幸福社区 幸福路3号）：结对党员 张三（13800000003） → （无）"
        in format_report(result).splitlines()
    )
    again = run(tmp_path, leaving({4: ("离队", "2026-11-20")}), "离队.xlsx")
    assert again.applied and again.changes == ()
    (reminder,) = [p for p in again.warnings if p.sheet == "结对家庭"]
    assert reminder.row == 4 and "不会与这户结对" in reminder.message


def test_a_leaver_named_on_a_household_paired_with_someone_else_is_an_error(database, tmp_path):
    """A pairing can end with a member who leaves, never begin: a cell that would move a
    household from the member it keeps to one who left says what to write instead."""
    run(tmp_path, base_roster(), today=ADDED)
    roster = leaving({4: ("离队", "2026-11-20")}, unpaired=4)
    edit(roster, "结对家庭", 3, "结对党员手机号", "13800000003")  # 户主2 stays with 张二

    result = run(tmp_path, roster, "离队.xlsx")

    assert not result.applied
    (error,) = result.errors
    assert (error.sheet, error.row, error.column) == ("结对家庭", 3, "结对党员手机号")
    assert "张三（13800000003）已离队" in error.message
    assert "张二（13800000002）" in error.message
    assert member("13800000003").active


def test_leaving_without_a_day_is_the_import_day_and_a_return_opens_a_new_spell(database, tmp_path):
    run(tmp_path, base_roster())
    run(tmp_path, leaving({7: ("离队", "")}, unpaired=7), "离队.xlsx")
    assert (member("13800000006").active, left_on("13800000006")) == (False, TODAY)

    later = date(2026, 12, 10)
    again = run(tmp_path, leaving({7: ("离队", "")}, unpaired=7), "离队.xlsx", today=later)
    assert again.changes == () and left_on("13800000006") == TODAY  # the day stays

    back = run(tmp_path, leaving({7: ("在册", "")}), "回来.xlsx", today=later)

    assert back.applied and back.errors == ()
    assert member("13800000006").active
    assert spells("13800000006") == [(TODAY, TODAY), (later, None)]  # the first one kept
    assert partner("13800000006") == "和平路6号"  # the file pairs them again
    lines = format_report(back).splitlines()
    assert (
        "  [修改] 党员 13800000006 李三：状态 离队 → 在册；离队日期 2026-11-29 → （空）；"
        "重新加入，此前的离队（离队日期 2026-11-29）保留"
    ) in lines


def test_leaving_twice_keeps_both_absences(database, tmp_path):
    """Away from 5 to 20 December, then from 10 January: the three spells between stay."""
    run(tmp_path, base_roster())
    days = [date(2026, 12, 5), date(2026, 12, 20), date(2027, 1, 10)]
    for n, (day, status) in enumerate(zip(days, ("离队", "在册", "离队"), strict=True)):
        unpaired = 7 if status == "离队" else None
        result = run(tmp_path, leaving({7: (status, "")}, unpaired), f"{n}.xlsx", today=day)
        assert result.applied, result.errors

    assert spells("13800000006") == [
        (TODAY, date(2026, 12, 5)),
        (date(2026, 12, 20), date(2027, 1, 10)),
    ]
    assert not member("13800000006").active


def test_a_return_on_the_day_of_leaving_takes_the_leaving_back(database, tmp_path):
    """A file marking 离队 by mistake, put right the same day: one spell, still open."""
    run(tmp_path, base_roster())
    later = date(2026, 12, 10)
    run(tmp_path, leaving({7: ("离队", "")}, unpaired=7), "离队.xlsx", today=later)

    back = run(tmp_path, leaving({7: ("在册", "")}), "回来.xlsx", today=later)

    assert back.applied and back.errors == ()
    assert spells("13800000006") == [(TODAY, None)]
    assert member("13800000006").active


def test_a_backdated_leaving_is_taken_back_by_a_return_imported_the_same_day(database, tmp_path):
    """On 10 December the clerk imports 离队 with 离队日期 2026-11-30 by mistake and puts it
    right that day: the leaving recorded that day is undone, whatever day it wrote, and the
    check says so before anything is written."""
    run(tmp_path, base_roster())
    later = date(2026, 12, 10)
    run(tmp_path, leaving({7: ("离队", "2026-11-30")}, unpaired=7), "离队.xlsx", today=later)
    back = leaving({7: ("在册", "")})

    check = run(tmp_path, back, "回来.xlsx", today=later, dry_run=True)
    result = run(tmp_path, back, "回来.xlsx", today=later)

    undo = "撤销 12月10日 录入的离队（离队日期 2026-11-30）"
    assert any(undo in line for line in format_report(check).splitlines())
    assert result.applied and result.errors == ()
    assert spells("13800000006") == [(TODAY, None)]
    assert member("13800000006").active


def test_a_return_imported_after_the_day_the_leaving_was_recorded_keeps_the_absence(
    database, tmp_path
):
    run(tmp_path, base_roster())
    run(
        tmp_path,
        leaving({7: ("离队", "2026-11-30")}, unpaired=7),
        "离队.xlsx",
        today=date(2026, 12, 10),
    )

    result = run(tmp_path, leaving({7: ("在册", "")}), "回来.xlsx", today=date(2026, 12, 11))

    lines = format_report(result).splitlines()
    assert any("重新加入" in line and "撤销" not in line for line in lines)
    assert spells("13800000006") == [(TODAY, date(2026, 11, 30)), (date(2026, 12, 11), None)]


def test_a_day_of_leaving_before_the_member_was_added_is_refused(database, tmp_path):
    """李三 has been on the roster since the import day: leaving earlier would end his only
    spell before it began."""
    run(tmp_path, base_roster())

    result = run(tmp_path, leaving({7: ("离队", "2026-11-20")}, unpaired=7), "离队.xlsx")

    assert not result.applied
    (error,) = result.errors
    assert (error.sheet, error.row, error.column) == ("党员", 7, "离队日期")
    assert error.message == (
        "李三（13800000006）于 2026-11-29 加入名册，离队日期 2026-11-20 早于这一天："
        "请填写 2026-11-29 或之后的日期"
    )
    assert spells("13800000006") == [(TODAY, None)]


def test_a_day_of_leaving_before_the_return_is_refused(database, tmp_path):
    """The clerk's file from before 李三 came back still says 离队 2026-12-05: importing it
    would end his present spell before it began."""
    run(tmp_path, base_roster())
    stale = leaving({7: ("离队", "2026-12-05")}, unpaired=7)
    run(tmp_path, stale, "离队.xlsx", today=date(2026, 12, 5))
    run(tmp_path, leaving({7: ("在册", "")}), "回来.xlsx", today=date(2026, 12, 10))

    result = run(tmp_path, stale, "离队.xlsx", today=date(2026, 12, 20))

    assert not result.applied
    (error,) = result.errors
    assert (error.sheet, error.row, error.column) == ("党员", 7, "离队日期")
    assert error.message == (
        "李三（13800000006）已于 2026-12-10 回到队里，离队日期 2026-12-05 早于这一天："
        "请填写 2026-12-10 或之后的日期（这之前的离队已有记录，不必再填）"
    )
    assert spells("13800000006") == [(TODAY, date(2026, 12, 5)), (date(2026, 12, 10), None)]


def test_a_new_day_of_leaving_corrects_only_the_latest_absence(database, tmp_path):
    run(tmp_path, base_roster())
    for n, status in enumerate(("离队", "在册", "离队")):  # on 5, 10 and 15 December
        roster = leaving({7: (status, "")}, 7 if status == "离队" else None)
        run(tmp_path, roster, f"{n}.xlsx", today=date(2026, 12, 5 + 5 * n))
    corrected = leaving({7: ("离队", "2026-12-12")}, unpaired=7)

    result = run(tmp_path, corrected, "改.xlsx", today=date(2026, 12, 20))

    assert result.applied and result.errors == ()
    assert spells("13800000006") == [
        (TODAY, date(2026, 12, 5)),
        (date(2026, 12, 10), date(2026, 12, 12)),
    ]
    lines = format_report(result).splitlines()
    assert "  [修改] 党员 13800000006 李三：离队日期 2026-12-15 → 2026-12-12" in lines


def test_entries_after_the_day_of_leaving_are_pointed_out_before_the_import(database, tmp_path):
    """A leader registered a visit for 张三 on 30 November; a file then says he left on the
    20th. The clerk may be right and the entry wrong, or the other way round: a reminder at
    the cell, not an error. The figures keep their rule (whoever served in a period counts
    in it), so the visit still counts, as the reminder says."""
    added, later = date(2026, 10, 8), date(2026, 12, 1)
    run(tmp_path, base_roster(), today=added, now=datetime(2026, 10, 8, 2))
    zhang = member("13800000003")
    home = Pairing.get(Pairing.member == zhang.id).household
    visit = {"kind": "visit", "household": home, "source": "leader", "status": "pending"}
    make_record(zhang, checkin_at=datetime(2026, 11, 30, 2), **visit)
    make_record(zhang, checkin_at=datetime(2026, 11, 25, 2), **visit)
    make_record(zhang, checkin_at=datetime(2026, 11, 20, 15), **visit)  # the 20th: still there
    make_record(zhang, checkin_at=datetime(2026, 11, 28, 2), **visit | {"status": "rejected"})
    roster = leaving({4: ("离队", "2026-11-20")}, unpaired=4)

    result = run(tmp_path, roster, "离队.xlsx", today=later, dry_run=True)

    assert result.errors == ()
    (warning,) = [p for p in result.warnings if p.sheet == "党员"]
    assert (warning.row, warning.column, warning.column_letter) == (4, "离队日期", "G")
    assert warning.message == (
        "张三（13800000003）在离队日期 2026-11-20 之后还有 2 条登记（最近一条在 11月30日），"
        "请核对离队日期；日期无误的话，这些登记仍计入统计，请与队长核实"
    )
    applied = run(tmp_path, roster, "离队.xlsx", today=later)
    assert applied.applied and [p.message for p in applied.warnings] == [
        p.message for p in result.warnings
    ]
    stats = team_stats(2026, 4, datetime(2026, 12, 1, 2), 30, [zhang.team_id])[zhang.team_id]
    (line,) = [m for m in stats["per_member"] if m["name"] == "张三"]
    assert (line["left_on"], line["visits"]) == ("2026-11-20", 3)
    again = run(tmp_path, roster, "离队.xlsx", today=later)  # nothing changes: said once
    assert again.changes == () and not [p for p in again.warnings if p.sheet == "党员"]


def test_a_corrected_day_of_leaving_is_checked_against_the_entries_too(database, tmp_path):
    run(tmp_path, base_roster(), today=date(2026, 10, 8), now=datetime(2026, 10, 8, 2))
    run(tmp_path, leaving({7: ("离队", "")}, 7), "离队.xlsx", today=date(2026, 12, 20))
    make_record(member("13800000006"), checkin_at=datetime(2026, 12, 15, 2))

    result = run(
        tmp_path, leaving({7: ("离队", "2026-12-12")}, 7), "改.xlsx", today=date(2027, 1, 4)
    )

    (warning,) = [p for p in result.warnings if p.sheet == "党员"]
    assert warning.row == 7 and "之后还有 1 条登记（最近一条在 12月15日）" in warning.message


def test_a_day_of_leaving_with_entries_in_the_next_year_names_that_year(database, tmp_path):
    run(tmp_path, base_roster(), today=date(2026, 10, 8), now=datetime(2026, 10, 8, 2))
    make_record(member("13800000006"), checkin_at=datetime(2027, 1, 3, 2))

    result = run(tmp_path, leaving({7: ("", "2026-12-31")}, 7), "离队.xlsx", today=date(2027, 1, 4))

    (warning,) = [p for p in result.warnings if p.sheet == "党员"]
    assert "之后还有 1 条登记（最近一条在 2027年1月3日）" in warning.message


def test_a_day_of_leaving_alone_marks_the_member_as_left(database, tmp_path):
    run(tmp_path, base_roster(), today=ADDED)

    result = run(tmp_path, leaving({3: ("", "2026-10-31")}, unpaired=3), "离队.xlsx")

    assert result.applied and result.errors == ()
    assert (member("13800000002").active, left_on("13800000002")) == (False, date(2026, 10, 31))


def test_a_leader_leaves_when_the_file_names_the_new_one(database, tmp_path):
    run(tmp_path, base_roster(), today=ADDED)
    roster = leaving({2: ("离队", "2026-11-01")}, unpaired=2)
    edit(roster, "服务队", 2, "队长手机号", "13800000002")
    edit(roster, "党员", 2, "角色", "")
    edit(roster, "党员", 3, "角色", "队长")

    result = run(tmp_path, roster, "换队长.xlsx")

    assert result.applied, result.errors
    assert (member("13800000001").role, member("13800000001").active) == ("member", False)
    assert member("13800000002").role == "leader"


def only_teams(*teams: list) -> dict:
    """A file that lists only these 服务队 rows (the other sheets keep their headers)."""
    roster = {sheet: rows[:1] for sheet, rows in base_roster().items()}
    roster["服务队"] += [list(team) for team in teams]
    return roster


def leaders() -> list[tuple[str, str, bool]]:
    found = Member.select().where(Member.role == "leader").order_by(Member.team)
    return [(m.team.name, m.name, m.active) for m in found]


def test_a_leader_named_only_by_the_team_row_is_promoted(database, tmp_path):
    """队长手机号 alone names the leader, as the template says, whether or not the file lists
    them in 党员: the old leader steps down and the named one takes over."""
    run(tmp_path, base_roster())

    result = run(tmp_path, only_teams(["第二服务队", "和平社区", "13800000005"]), "换队长.xlsx")

    assert result.applied and result.errors == ()
    assert leaders() == [("第一服务队", "张一", True), ("第二服务队", "李二", True)]
    lines = format_report(result).splitlines()
    assert "  [修改] 党员 13800000004 李一：角色 队长 → 队员（本队换了队长）" in lines
    assert "  [修改] 党员 13800000005 李二：角色 队员 → 队长（本队换了队长）" in lines
    assert run(tmp_path, only_teams(["第二服务队", "和平社区", "13800000005"])).changes == ()


def _left_earlier(tmp_path):
    run(tmp_path, leaving({7: ("离队", "2026-11-20")}, unpaired=7), "离队.xlsx")


def _inactive_without_a_day(tmp_path):
    """One who left before days of leaving were kept: inactive, and no spell at all."""
    MemberSpell.delete().where(MemberSpell.member == member("13800000006")).execute()
    Member.update(active=False).where(Member.phone == "13800000006").execute()


@pytest.mark.parametrize(
    "gone, says",
    [(_left_earlier, "已于 2026-11-20 离队"), (_inactive_without_a_day, "已离队")],
    ids=["left in an earlier file", "inactive"],
)
def test_a_member_who_has_left_cannot_be_named_leader(database, tmp_path, gone, says):
    """A team always ends with an active leader: naming one who has left, who is not in the
    file's 党员 sheet, is refused at the cell, and the team keeps its leader."""
    run(tmp_path, base_roster(), today=ADDED)
    gone(tmp_path)

    result = run(tmp_path, only_teams(["第二服务队", "和平社区", "13800000006"]), "换队长.xlsx")

    assert not result.applied
    (error,) = result.errors
    assert (error.sheet, error.row, error.column, error.column_letter) == (
        "服务队",
        2,
        "队长手机号",
        "C",
    )
    assert error.message == (
        f"队长 李三（13800000006）{says}，不能担任队长：请填写在册党员的手机号"
    )
    assert leaders() == [("第一服务队", "张一", True), ("第二服务队", "李一", True)]


def test_a_member_who_has_left_cannot_be_made_leader_by_their_role(database, tmp_path):
    run(tmp_path, base_roster(), today=ADDED)
    _left_earlier(tmp_path)
    roster = {sheet: rows[:1] for sheet, rows in base_roster().items()}
    roster["党员"].append(["李三", "13800000006", "", "第二服务队", "队长"])

    result = run(tmp_path, roster, "换队长.xlsx")

    (error,) = result.errors
    assert (error.sheet, error.row, error.column) == ("党员", 2, "角色")
    assert "李三（13800000006）已于 2026-11-20 离队，不能担任队长" in error.message
    assert leaders() == [("第一服务队", "张一", True), ("第二服务队", "李一", True)]


def test_a_new_member_cannot_be_recorded_as_gone_before_the_import_day(database, tmp_path):
    """The quarters count a member from the day they are added (Member.created_at): one
    added as gone since an earlier day would count in none, so the row is refused and says
    why. The day they joined is not in the file, and guessing it would rewrite past quarters."""
    roster = leaving({4: ("离队", "2026-06-30")}, unpaired=4)

    result = run(tmp_path, roster)

    assert not result.applied
    (error,) = result.errors
    assert (error.sheet, error.row, error.column, error.column_letter) == (
        "党员",
        4,
        "离队日期",
        "G",
    )
    assert error.message == (
        "系统中还没有手机号为 13800000003 的党员，不能登记其在导入之前（2026-06-30）离队："
        "新增的党员从导入当天起才在名册上。已离队的党员不必导入，请删除这一行；"
        "如果是系统中已有的党员，请核对手机号"
    )
    assert Member.select().count() == 0


def test_a_new_member_who_leaves_on_the_import_day_counts_in_its_quarter(database, tmp_path):
    roster = leaving({4: ("离队", "")}, unpaired=4)

    result = run(tmp_path, roster)

    assert result.applied and result.errors == ()
    assert (member("13800000003").active, spells("13800000003")) == (False, [(TODAY, TODAY)])
    created = [c.details for c in result.changes if c.label == "党员 13800000003 张三"]
    assert created == [("服务队 第一服务队，队员，2026-11-29 离队",)]
    team = member("13800000003").team_id
    stats = team_stats(2026, 4, NOW, 30, [team])[team]
    assert stats["members"] == 3
    assert [line["name"] for line in stats["per_member"] if not line["active"]] == ["张三"]


def test_a_dry_run_writes_nothing_but_reports_the_plan(database, tmp_path):
    run(tmp_path, base_roster())
    before = rows()
    roster = base_roster()
    edit(roster, "党员", 4, "服务队", "第二服务队")
    roster["党员"].append(["王五", "13800000009", "第一支部", "第一服务队", ""])

    result = run(tmp_path, roster, "试.xlsx", dry_run=True)

    assert rows() == before
    assert result.dry_run and not result.applied
    assert [(c.action, c.label, c.details) for c in result.changes if c.sheet == "党员"] == [
        ("updated", "党员 13800000003 张三", ("服务队 第一服务队 → 第二服务队",)),
        ("created", "党员 13800000009 王五", ("服务队 第一服务队，队员",)),
    ]
    report = format_report(result)
    assert "试运行" in report and "党员：新增 1，修改 1，未变 5" in report
    assert run(tmp_path, roster, "试.xlsx").changes == result.changes


def test_a_dry_run_on_an_empty_database_plans_every_row(database, tmp_path):
    result = run(tmp_path, base_roster(), dry_run=True)

    assert len([c for c in result.changes if c.action == "created"]) == 2 + 2 + 2 + 6 + 6
    assert all(m.select().count() == 0 for m in MODELS)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_files_import_like_the_workbook(database, tmp_path, encoding):
    paths = write_csvs(tmp_path / "csv", base_roster(), encoding)

    result = import_roster(paths, team_size=TEAM_SIZE, today=TODAY)

    assert result.applied and result.problems == ()
    assert sorted(m.name for m in Member.select()) == [
        "张一",
        "张三",
        "张二",
        "李一",
        "李三",
        "李二",
    ]
    assert Pairing.select().count() == 6
    assert import_roster(tmp_path / "csv", team_size=TEAM_SIZE).changes == ()  # a folder works too


def test_phones_excel_turned_into_numbers_are_read_as_phones(database, tmp_path):
    roster = base_roster()
    edit(roster, "党员", 2, "手机号", 13800000001)
    edit(roster, "党员", 3, "手机号", 13800000002.0)
    edit(roster, "结对家庭", 2, "联系电话", 13700000001.0)
    edit(roster, "结对家庭", 3, "结对党员手机号", 13800000002)
    edit(roster, "服务队", 2, "队长手机号", 13800000001.0)

    result = run(tmp_path, roster)

    assert result.applied and result.problems == ()
    assert member("13800000002").name == "张二"
    assert Household.get(Household.address == "幸福路1号").phone == "13700000001"
    assert partner("13800000002") == "幸福路2号"


def test_phones_as_a_csv_export_writes_them_are_read_as_phones(database, tmp_path):
    roster = base_roster()
    edit(roster, "党员", 2, "手机号", "13800000001.0")  # the text a number cell became
    edit(roster, "服务队", 2, "队长手机号", "１３８ ００００ ０００１")
    edit(roster, "结对家庭", 3, "结对党员手机号", "13800000002.0")

    result = import_roster(write_csvs(tmp_path, roster), team_size=TEAM_SIZE, today=TODAY)

    assert result.applied and result.problems == ()
    assert member("13800000001").name == "张一"
    assert partner("13800000002") == "幸福路2号"


def test_a_phone_in_scientific_notation_is_explained(database, tmp_path):
    roster = base_roster()
    edit(roster, "党员", 3, "手机号", "1.38E+10")

    report = format_report(import_roster(write_csvs(tmp_path, roster), team_size=TEAM_SIZE))

    assert "「党员」第 3 行" in report
    assert "号码「1.38E+10」被 Excel 变成了科学计数法" in report and "“文本”格式" in report
    assert Member.select().count() == 0


def test_format_report_lists_each_error_with_its_place(database, tmp_path):
    roster = base_roster()
    edit(roster, "党员", 4, "手机号", "1380000003")

    report = format_report(run(tmp_path, roster))

    assert report.splitlines()[0].startswith("检查结果：")
    assert "「党员」第 4 行 B 列「手机号」：手机号格式不正确：「1380000003」" in report
    assert report.splitlines()[-1] == "有错误，没有导入任何数据。请改正后重新导入。"


def test_plan_refuses_a_file_with_errors_and_writes_nothing(database, tmp_path):
    roster = base_roster()
    good = read_workbook(write_xlsx(tmp_path / "好.xlsx", roster))
    edit(roster, "党员", 3, "服务队", "第九服务队")
    bad = read_workbook(write_xlsx(tmp_path / "坏.xlsx", roster))

    with pytest.raises(Invalid, match="有错误"):
        plan(bad, TODAY)
    the_plan = plan(good, TODAY)

    assert [c.sheet for c in the_plan.counts] == ["社区", "服务队", "党员", "结对家庭"]
    assert the_plan.steps[0] == Step("branch", "create", (), {"name": "第一支部"})
    assert all(m.select().count() == 0 for m in MODELS)


def test_a_clash_while_writing_becomes_a_conflict_and_rolls_back(database, tmp_path, monkeypatch):
    """Someone adds the same phone between the plan and the writes: nothing of the file stays."""
    import services.roster_import as roster_import

    def plan_then_clash(*args):
        the_plan = plan_checked(*args)
        Member.create(name="别人", phone="13800000006", created_at=datetime(2026, 11, 29))
        return the_plan

    monkeypatch.setattr(roster_import, "plan_checked", plan_then_clash)

    with pytest.raises(Conflict):
        run(tmp_path, base_roster())

    assert all(m.select().count() == 0 for m in MODELS)
