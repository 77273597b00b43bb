"""The annual assessment: each member's year on a hand-built register (Shanghai's calendar at
both ends of the year), the suggested grade from the limits, and the office's decisions,
audit lines, 409s and the final step."""

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter

from models import Assessment, AssessmentYear, AuditLog, Feedback, Member, ServiceRecord
from services import clock, spells
from services.actors import Actor
from services.annual_assessment import Choice, annual_list, check_year, decide, finalise
from services.annual_export import export_year
from services.annual_figures import members_of_year
from services.annual_grades import Limits, suggest
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.report_stats import team_stats
from tests.factories import (
    make_activity,
    make_member,
    make_record,
    make_team,
    office_actor,
    stay,
)
from tests.services.roster_files import away_and_back

FILLED = {"content": "清理楼道杂物", "target": "3号楼住户", "outcome": "楼道整洁"}
LIMITS = Limits()
AFTER = datetime(2027, 1, 5, 2)  # the year 2026 has ended
DURING = datetime(2026, 11, 29, 2)


def at(day: date, hour: int = 10) -> datetime:
    """A Shanghai wall-clock time as the naive UTC services take."""
    return clock.to_utc(datetime.combine(day, time(hour)))


def served(member, when, minutes=60, kind="individual", status="verified", **kw):
    fields = FILLED | {"checkout_at": when + timedelta(minutes=minutes)} | kw
    return make_record(
        member, checkin_at=when, kind=kind, duration_minutes=minutes, status=status, **fields
    )


def rate(member, rating, day, moderation="approved"):
    Feedback.create(
        target_kind="member",
        member=member,
        rating=rating,
        moderation=moderation,
        created_at=at(day),
    )


def line_of(listing, member):
    return next(x for x in listing.lines() if x.figures.member_id == member.id)


@pytest.fixture
def world(database):
    team = make_team(name="一队")
    joined = datetime(2025, 6, 1)
    alice = make_member(name="阿丽", team=team, created_at=joined)
    bob = make_member(name="阿博", team=team, created_at=at(date(2026, 7, 2)))
    leader = team.members.where(Member.role == "leader").get()
    stay(leader, joined.date())
    return team, alice, bob, leader


def test_a_members_year_adds_up_by_kind_with_shanghai_year_ends(world):
    team, alice, bob, _ = world
    centralised = make_activity(team, starts_at=at(date(2026, 3, 1)))
    task = make_activity(team, starts_at=at(date(2026, 4, 1)), kind="adhoc")
    served(alice, at(date(2026, 3, 1)), 120, "activity", activity=centralised)
    served(alice, at(date(2026, 4, 1)), 90, "activity", activity=task)
    served(alice, at(date(2026, 5, 3)), 30)  # 分散活动
    for month in (1, 1, 6, 12):
        served(alice, at(date(2026, month, 15)), 40, "visit")
    # 2026-01-01 07:00 in Shanghai is 2025-12-31 23:00 UTC: in 2026; 2027-01-01 07:00 is not
    served(alice, at(date(2026, 1, 1), 7), 60)
    served(alice, at(date(2027, 1, 1), 7), 60)
    served(alice, at(date(2026, 12, 31), 23), 60, status="rejected")
    served(alice, at(date(2026, 8, 8)), 60, "visit", status="rejected")
    rate(alice, 5, date(2026, 2, 1))
    rate(alice, 4, date(2026, 9, 1))
    rate(alice, 1, date(2026, 9, 2), moderation="pending")  # held: counts nowhere
    rate(alice, 1, date(2025, 12, 1))  # another year

    m = next(x for x in members_of_year(2026, AFTER, None)[team.id] if x.member_id == alice.id)
    assert m.services == {"centralised": 1, "visit": 4, "individual": 2, "adhoc": 1}
    assert m.minutes == 120 + 90 + 30 + 4 * 40 + 60
    assert m.hours == 7.7
    assert (m.visits, m.visit_months, m.rejected) == (4, 3, 2)
    assert (m.ratings_count, m.ratings_average) == (2, 4.5)
    assert m.roster_name == "全年在册" and m.share == 1
    # the year is its four quarters added up (services.report_stats)
    quarters = [team_stats(2026, q, AFTER, 30, [team.id])[team.id] for q in (1, 2, 3, 4)]
    per_member = [next(p for p in q["per_member"] if p["member_id"] == alice.id) for q in quarters]
    assert sum(p["minutes"] for p in per_member) == m.minutes
    assert sum(p["visits"] for p in per_member) == m.visits


def test_members_who_joined_or_left_mid_year_are_shown_so_and_judged_for_their_part(world):
    team, alice, bob, _ = world
    carol = make_member(name="阿卡", team=team, created_at=datetime(2025, 1, 1))
    stay(carol, date(2025, 1, 1), date(2026, 3, 31))
    gone = make_member(team=team, created_at=datetime(2024, 1, 1))
    stay(gone, date(2024, 1, 1), date(2025, 10, 1))
    lines = {m.member_id: m for m in members_of_year(2026, AFTER, None)[team.id]}
    assert gone.id not in lines  # left before the year and did nothing in it
    assert lines[bob.id].roster_name == "7月2日加入"
    assert lines[bob.id].roster_days == 183
    assert lines[carol.id].roster_name == "3月31日离开"
    assert lines[carol.id].roster_days == 90
    # Bob served half the year: half the hours and months make him 合格
    for month in (7, 8, 9, 10):
        served(bob, at(date(2026, month, 10)), 200, "visit")
    bob_year = next(m for m in members_of_year(2026, AFTER, None)[team.id] if m.member_id == bob.id)
    s = suggest(bob_year, LIMITS)
    assert s.grade == "pass", s.reason
    assert "年内在册 183 天" in s.reason and "未达优秀" in s.reason


def year_of(name: str, year: int, now: datetime):
    lines = [m for team in members_of_year(year, now, None).values() for m in team]
    return next((m for m in lines if m.name == name), None)


def test_a_member_away_part_of_the_year_is_judged_for_the_days_on_the_roster(database, tmp_path):
    """李三 leaves on 31 March and comes back on 1 September: 90 days and 122 days of 2026."""
    away_and_back(tmp_path, 7, date(2025, 6, 1), date(2026, 3, 31), date(2026, 9, 1))

    li = year_of("李三", 2026, AFTER)

    assert li.roster_days == 90 + 122
    assert li.roster_name == "3月31日离开，9月1日重新加入"
    assert (li.joined_on, li.left_on, li.active) == (None, None, True)
    assert "年内在册 212 天" in suggest(li, LIMITS).reason


def test_a_member_away_all_year_is_not_on_its_list(database, tmp_path):
    """Away from October 2025 to January 2027: not on 2026's list, nor open to a decision."""
    away_and_back(tmp_path, 7, date(2025, 6, 1), date(2025, 10, 1), date(2027, 1, 4))
    li = Member.get(Member.name == "李三")
    later = at(date(2027, 1, 10))

    assert year_of("李三", 2026, later) is None
    assert year_of("李三", 2025, later).roster_name == "6月1日加入，10月1日离开"
    assert year_of("李三", 2027, later).roster_name == "1月4日重新加入"
    with pytest.raises(NotFound):
        decide(office_actor(), 2026, li.id, Choice("pass"), later)


def year(**kw):
    """A member's year with these figures (the rest: nothing done, a whole year)."""
    from services.annual_figures import MemberYear

    base = MemberYear(
        member_id=1,
        name="阿丽",
        team_id=1,
        active=True,
        joined_on=None,
        left_on=None,
        roster_days=365,
        year_days=365,
        minutes=0,
        services=dict.fromkeys(("centralised", "visit", "individual", "adhoc"), 0),
        visits=0,
        visit_months=0,
        rejected=0,
        ratings_count=0,
        ratings_average=None,
    )
    return replace(base, **kw)


@pytest.mark.parametrize(
    ("figures", "grade", "words"),
    [
        ({"minutes": 40 * 60, "visit_months": 10}, "excellent", "达到优秀标准"),
        ({"minutes": 40 * 60, "visit_months": 9}, "pass", "有入户走访的月份不足 10 个月"),
        ({"minutes": 39 * 60, "visit_months": 12}, "pass", "服务时长不足 40 小时"),
        (
            {"minutes": 50 * 60, "visit_months": 12, "ratings_count": 3, "ratings_average": 4.4},
            "pass",
            "居民评价平均分低于 4.5 分",
        ),
        ({"minutes": 50 * 60, "visit_months": 12, "rejected": 1}, "pass", "被退回的登记超过 0 条"),
        ({"minutes": 50 * 60, "visit_months": 12, "rejected": 4}, "basic", "被退回的登记超过 3 条"),
        ({"minutes": 8 * 60, "visit_months": 3}, "basic", "未达合格"),
        ({"minutes": 7 * 60, "visit_months": 12}, "fail", "未达基本合格：服务时长不足 8 小时"),
        ({}, "fail", "无居民评价"),
    ],
)
def test_the_suggestion_is_the_highest_grade_met_with_what_fell_short(figures, grade, words):
    s = suggest(year(**figures), LIMITS)
    assert s.grade == grade, s.reason
    assert words in s.reason


def test_the_limits_come_from_the_settings_and_move_the_suggestion():
    from settings import load_settings

    settings = load_settings(None, env={}, overrides={"assessment": {"excellent_hours": 30}})
    limits = settings.assessment
    assert limits.excellent_hours == 30 and limits.pass_hours == 20
    figures = year(minutes=35 * 60, visit_months=12)
    assert suggest(figures, LIMITS).grade == "pass"
    assert suggest(figures, limits).grade == "excellent"


def test_a_running_year_says_so(world):
    s = suggest(year(minutes=50 * 60, visit_months=12), LIMITS, year_over=False)
    assert "年度尚未结束" in s.reason


def test_the_office_decides_and_each_decision_is_audited(world):
    team, alice, bob, _ = world
    office = office_actor()
    d = decide(office, 2026, alice.id, Choice("excellent", True, " 表现突出 "), AFTER, expected=0)
    assert (d.grade, d.commended, d.note, d.version, d.decided_by) == (
        "excellent",
        True,
        "表现突出",
        1,
        "办公室",
    )
    again = decide(office, 2026, alice.id, Choice("excellent", True, "表现突出"), AFTER, 0)
    assert again.version == 1  # a repeat changes nothing, even from a stale page
    d = decide(office, 2026, alice.id, Choice("pass", False, ""), AFTER, expected=1)
    assert d.version == 2
    lines = AuditLog.select().where(AuditLog.action == "annual_decide").order_by(AuditLog.id)
    assert [x.detail["to"]["grade"] for x in lines] == ["excellent", "pass"]
    assert lines[1].detail["from"] == {"grade": "excellent", "commended": True, "note": "表现突出"}
    assert lines[1].actor == office.label
    listing = annual_list(office, 2026, AFTER, LIMITS)
    assert line_of(listing, alice).decision.grade_name == "合格"
    assert line_of(listing, bob).decision is None


def test_a_stale_page_is_a_409_and_changes_nothing(world):
    _, alice, _, _ = world
    office, other = office_actor(), office_actor("clerk2")
    decide(office, 2026, alice.id, Choice("pass"), AFTER, expected=0)
    with pytest.raises(Conflict) as refused:
        decide(other, 2026, alice.id, Choice("excellent"), AFTER, expected=0)
    assert refused.value.code == "assessment_changed"
    assert Assessment.get().grade == "pass"
    with pytest.raises(Conflict):  # a first decision made meanwhile by someone else
        decide(other, 2026, world[2].id, Choice("fail"), AFTER, expected=1)


@pytest.mark.parametrize(
    ("choice", "code"),
    [
        (Choice("great"), "bad_grade"),
        (Choice("basic", True), "bad_commendation"),
        (Choice("fail", True), "bad_commendation"),
        (Choice("pass", False, "长" * 201), "text_too_long"),
    ],
)
def test_a_wrong_decision_is_refused(world, choice, code):
    with pytest.raises(Invalid) as refused:
        decide(office_actor(), 2026, world[1].id, choice, AFTER)
    assert refused.value.code == code
    assert not Assessment.select().exists()


def test_only_the_office_and_only_members_of_the_year(world):
    team, alice, _, leader = world
    with pytest.raises(Forbidden):
        annual_list(Actor(member=leader), 2026, AFTER, LIMITS)
    with pytest.raises(Forbidden):
        decide(Actor(member=leader), 2026, alice.id, Choice("pass"), AFTER)
    office = office_actor()
    with pytest.raises(NotFound):
        decide(office, 2026, 999_999, Choice("pass"), AFTER)
    with pytest.raises(NotFound) as refused:  # added in 2025-06: not on 2024's roster
        decide(office, 2024, alice.id, Choice("pass"), AFTER)
    assert refused.value.code == "member_not_found"
    for wrong in (1999, 2028, 0):
        with pytest.raises(Invalid):
            check_year(wrong, AFTER)
    with pytest.raises(NotFound):
        annual_list(office, 2026, AFTER, LIMITS, team_id=999)


def test_the_year_is_made_final_once_ended_and_all_decided_then_nothing_changes(world):
    team, alice, bob, leader = world
    office = office_actor()
    with pytest.raises(Conflict) as refused:
        finalise(office, 2026, DURING)
    assert refused.value.code == "year_not_ended"
    decide(office, 2026, alice.id, Choice("excellent", True), AFTER)
    with pytest.raises(Conflict) as refused:
        finalise(office, 2026, AFTER)
    assert refused.value.code == "assessment_undecided"
    assert "还有 2 名党员" in refused.value.message
    decide(office, 2026, bob.id, Choice("pass"), AFTER)
    decide(office, 2026, leader.id, Choice("basic"), AFTER)
    state = finalise(office, 2026, AFTER)
    assert state.final and state.finalised_by == "办公室"
    assert AssessmentYear.get().year == 2026
    audit_line = AuditLog.get(AuditLog.action == "annual_finalise")
    assert audit_line.detail == {"members": 3, "commended": 1}
    for attempt in (
        lambda: decide(office, 2026, bob.id, Choice("excellent"), AFTER),
        lambda: decide(office, 2026, alice.id, Choice("excellent", True), AFTER),  # a repeat
        lambda: finalise(office, 2026, AFTER),
    ):
        with pytest.raises(Conflict) as refused:
            attempt()
        assert refused.value.code == "assessment_final"
    assert Assessment.get(Assessment.member == bob.id).grade == "pass"
    assert annual_list(office, 2026, AFTER, LIMITS).state.final


def _decide_all(office, world):
    team, alice, bob, leader = world
    decide(office, 2026, alice.id, Choice("excellent", True), AFTER)
    decide(office, 2026, bob.id, Choice("pass"), AFTER)
    decide(office, 2026, leader.id, Choice("basic"), AFTER)


def test_a_final_year_keeps_its_figures_when_an_entry_is_reviewed_afterwards(world):
    team, alice, bob, leader = world
    office = office_actor()
    entries = [served(alice, at(date(2026, m, 10)), minutes=120) for m in (3, 4, 5)]
    _decide_all(office, world)
    finalise(office, 2026, AFTER)
    kept = line_of(annual_list(office, 2026, AFTER, LIMITS), alice)
    assert (kept.figures.hours, kept.figures.rejected) == (6.0, 0)

    # a review after 定稿 rejects two of the year's entries
    ServiceRecord.update(status="rejected").where(
        ServiceRecord.id.in_([e.id for e in entries[:2]])
    ).execute()
    live = {m.member_id: m for m in members_of_year(2026, AFTER, None)[team.id]}
    assert live[alice.id].rejected == 2  # the figures counted afresh have changed
    later = datetime(2027, 2, 1, 2)
    listing = annual_list(office, 2026, later, replace(LIMITS, basic_hours=1.0))
    again = line_of(listing, alice)
    assert again.figures == kept.figures and again.suggestion == kept.suggestion
    assert [x.figures.member_id for x in listing.lines()] == [
        x.figures.member_id for x in annual_list(office, 2026, AFTER, LIMITS).lines()
    ]
    book = load_workbook(BytesIO(export_year(office, 2026, later, LIMITS).content))
    sheet = book["年度考核"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if alice.name in r)
    assert row[header.index("服务时长（小时）")] == 6.0
    assert row[header.index("被退回的登记（条）")] == 0
    assert row[header.index("建议理由")] == kept.suggestion.reason


def test_a_final_year_keeps_each_members_absences(world):
    team, alice, bob, leader = world
    spells.leave(bob.id, date(2026, 8, 31))
    spells.come_back(bob.id, date(2026, 10, 8))
    office = office_actor()
    _decide_all(office, world)
    finalise(office, 2026, AFTER)

    kept = line_of(annual_list(office, 2026, AFTER, LIMITS), bob).figures

    assert kept.away == ((date(2026, 8, 31), date(2026, 10, 8)),)
    assert kept.roster_name == "7月2日加入，8月31日离开，10月8日重新加入"
    fresh = members_of_year(2026, AFTER, None)[team.id]
    assert kept == next(m for m in fresh if m.member_id == bob.id)


def test_a_year_with_nobody_on_its_list_cannot_be_made_final(database):
    with pytest.raises(Conflict) as refused:
        finalise(office_actor(), 2026, AFTER)
    assert refused.value.code == "assessment_empty"
    assert "没有党员" in refused.value.message
    assert not AssessmentYear.select().exists()


def test_the_refusal_names_the_undecided_members_by_team(world):
    team, alice, bob, leader = world
    office = office_actor()
    decide(office, 2026, alice.id, Choice("pass"), AFTER)
    with pytest.raises(Conflict) as refused:
        finalise(office, 2026, AFTER)
    message = refused.value.message
    assert f"一队：{leader.name}、阿博" in message or f"一队：阿博、{leader.name}" in message
    assert "阿丽" not in message
    others = make_team(name="二队")
    for n in range(12):
        make_member(name=f"队员{n:02d}", team=others, created_at=datetime(2025, 6, 1))
    with pytest.raises(Conflict) as refused:
        finalise(office, 2026, AFTER)
    message = refused.value.message
    assert "还有 15 名党员" in message and "二队：" in message and "等 15 人" in message
    assert "队员11" not in message  # only the first few are named


def test_the_printed_sheets_fit_the_page_width_wrap_long_texts_and_repeat_the_header(world):
    team, alice, bob, leader = world
    office = office_actor()
    decide(office, 2026, alice.id, Choice("excellent", True, "全年坚持入户走访，" * 8), AFTER)
    book = load_workbook(BytesIO(export_year(office, 2026, AFTER, LIMITS).content))
    for name in ("年度考核", "表彰名单"):
        sheet = book[name]
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize) == ("landscape", 9)  # A4
        assert (setup.fitToWidth, setup.fitToHeight) in ((1, 0), (None, 0))
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$1:$1"
        header = [c.value for c in sheet[1]]
        area = sheet.print_area[0] if isinstance(sheet.print_area, list) else sheet.print_area
        last = area.split(":")[1].lstrip("$").rstrip("0123456789$")
        printed = header[: column_index_from_string(last)]
        widths = [
            sheet.column_dimensions[get_column_letter(i)].width for i in range(1, len(printed) + 1)
        ]
        assert sum(widths) <= 175, (name, sum(widths))  # ~80% of full size, not ~40%
        assert sheet["A1"].alignment.wrap_text
        note = header.index("备注") + 1
        row = next(
            r
            for r in range(2, sheet.max_row + 1)
            if sheet.cell(r, 3).value == "阿丽" or sheet.cell(r, 2).value == "阿丽"
        )
        assert sheet.cell(row, note).alignment.wrap_text
    sheet = book["年度考核"]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("建议理由") + 1).alignment.wrap_text
    assert "建议理由" in header and "确定时间" in header  # still in the file


def test_the_excel_file_says_what_each_visit_figure_counts(world):
    """A visit checked in and never filled in: 结对走访 0 beside 入户走访 1 and 有走访的月数 1.
    The 说明 sheet says why, next to the columns it names."""
    team, alice, bob, leader = world
    make_record(alice, checkin_at=at(date(2026, 5, 10)), kind="visit", status="verified")
    book = load_workbook(BytesIO(export_year(office_actor(), 2026, AFTER, LIMITS).content))

    sheet = book["年度考核"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if alice.name in r)
    figures = [row[header.index(h)] for h in ("结对走访（次）", "入户走访（次）", "有走访的月数")]
    assert figures == [0, 1, 1]
    assert book.sheetnames == ["年度考核", "表彰名单", "说明"]
    notes = {name: text for name, text in book["说明"].iter_rows(min_row=2, values_only=True)}
    assert notes["结对走访（次）"].startswith("计入服务时长的走访登记：已签退")
    assert notes["入户走访（次）"].startswith("每次走访签到算一次（未通过的除外），不论是否已签退")
    assert "入户走访" in notes["有走访的月数"]
    assert set(notes) <= set(header)
