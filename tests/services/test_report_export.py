"""A quarterly report as a workbook, opened again with openpyxl: the 概况 sheet carries the
JSON report's figures and status, the 队员明细 sheet each member in roster order, and only
the report's readers get it.

Time is 10:00 on 5 January 2027 in Shanghai: Q4 2026 has just ended, its deadline the 10th."""

import io
from datetime import date, datetime, time, timedelta

import pytest
from openpyxl import load_workbook

from models import Account, Member, QuarterlyReport, db
from services import broadcast, clock, history
from services.actors import Actor
from services.errors import Forbidden, Invalid
from services.outbox_delivery import Policy
from services.report_export import export_report
from services.report_review import decide_report
from services.report_view import view_report
from services.report_writing import save_summary, submit_report
from services.reports import ReportRules
from services.summary import member_summary
from tests.factories import make_activity, make_member, make_record, make_team
from tests.register_world import build_world, checked_in

NOW = clock.to_utc(datetime(2027, 1, 5, 10))
RULES = ReportRules(deadline_days=10, interval_days=30)
FILLED = {"content": "清理楼道杂物", "target": "3号楼住户", "outcome": "楼道整洁"}


def at(day: date, hour: int = 10) -> datetime:
    return clock.to_utc(datetime.combine(day, time(hour)))


@pytest.fixture
def world(database):
    """Team A: its leader, 王丽 (90 minutes in Q4), 李强 (nothing); team B."""
    team_a, team_b = make_team(name="第一服务队"), make_team(name="第二服务队")
    leader = team_a.members.where(Member.role == "leader").get()
    alice = make_member(name="王丽", team=team_a)
    make_member(name="李强", team=team_a)
    start = at(date(2026, 11, 20))
    make_record(
        alice,
        checkin_at=start,
        checkout_at=start + timedelta(minutes=90),
        duration_minutes=90,
        status="verified",
        **FILLED,
    )
    return team_a, team_b, leader, alice


def workbook(export):
    return load_workbook(io.BytesIO(export.content))


def summary_of(book) -> dict:
    return {row[0].value: row[1].value for row in book["概况"].iter_rows(2)}


def test_summary_sheet_holds_the_reports_figures(world):
    team_a, _, leader, _ = world
    export = export_report(Actor(member=leader), "2026-Q4", None, NOW, RULES)
    book = workbook(export)
    assert book.sheetnames == ["概况", "队员明细"]
    figures = summary_of(book)
    stats = view_report(Actor(member=leader), "2026-Q4", None, NOW, RULES).stats
    assert figures["服务队"] == "第一服务队" and figures["季度"] == "2026年第4季度"
    assert figures["统计期间"] == "2026-10-01 至 2026-12-31"
    assert figures["报告状态"] == "草稿"
    assert figures["截止日期"] == datetime(2027, 1, 10)
    assert figures["服务次数（次）"] == stats["services"] == 1
    assert figures["服务时长（小时）"] == stats["hours"] == 1.5
    assert figures["其中分散活动（次）"] == 1 and figures["其中集中活动时长（小时）"] == 0
    assert figures["在册队员（人）"] == stats["members"] == 3
    assert figures["平均评分（1–5）"] is None
    assert figures["统计时间"] == datetime(2027, 1, 5, 10)
    assert export.filename == "季度报告_第一服务队_2026年第4季度.xlsx"
    assert export.ascii_name == "report-2026-Q4.xlsx"


def test_members_sheet_in_roster_order_with_numbers(world):
    _, _, leader, _ = world
    sheet = workbook(export_report(Actor(member=leader), "2026-Q4", None, NOW, RULES))["队员明细"]
    header = ["姓名", "服务次数", "服务时长（小时）", "走访次数", "备注"]
    assert [c.value for c in sheet[1]] == header
    rows = [[c.value for c in row] for row in sheet.iter_rows(2)]
    expected = [[leader.name, 0, 0, 0], ["王丽", 1, 1.5, 0], ["李强", 0, 0, 0]]
    assert rows == [[*row, None] for row in expected]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:E4"


def test_a_submitted_report_shows_who_and_when_and_its_summary(world):
    _, _, leader, _ = world
    actor = Actor(member=leader)
    save_summary(actor, "2026-Q4", "本季度开展活动一次。\n=SUM(1)", NOW, RULES)
    submit_report(actor, "2026-Q4", NOW, RULES)
    figures = summary_of(workbook(export_report(actor, "2026-Q4", None, NOW, RULES)))
    assert figures["报告状态"] == "已提交" and figures["提交人"] == leader.name
    assert figures["提交时间"] == datetime(2027, 1, 5, 10)
    assert figures["工作小结"] == "本季度开展活动一次。\n=SUM(1)"
    assert figures["数据口径"] == "提交时冻结的数据"


def test_the_office_reads_any_team_and_others_are_refused(world):
    team_a, team_b, _, alice = world
    account = {"username": "o", "display_name": "办公室", "password_hash": "-", "created_at": NOW}
    office = Actor(account=Account.create(**account))
    export = export_report(office, "2026-Q4", team_b.id, NOW, RULES)
    assert summary_of(workbook(export))["服务队"] == "第二服务队"
    with pytest.raises(Invalid):
        export_report(office, "2026-Q4", None, NOW, RULES)  # which team?
    leader_b = Actor(member=team_b.members.where(Member.role == "leader").get())
    with pytest.raises(Forbidden):
        export_report(leader_b, "2026-Q4", team_a.id, NOW, RULES)
    with pytest.raises(Forbidden):
        export_report(Actor(member=alice), "2026-Q4", None, NOW, RULES)
    with pytest.raises(Invalid):
        export_report(leader_b, "2026-Q5", None, NOW, RULES)


def test_a_member_who_left_but_served_is_marked(world):
    team_a, _, leader, _ = world
    gone = make_member(name="陈静", team=team_a, active=False)
    make_record(gone, checkin_at=at(date(2026, 12, 1)), status="verified")
    sheet = workbook(export_report(Actor(member=leader), "2026-Q4", None, NOW, RULES))["队员明细"]
    assert [row[-1].value for row in sheet.iter_rows(2) if row[0].value == "陈静"] == ["已不在册"]


def test_a_member_who_left_since_is_counted_with_the_day_they_left(world):
    team_a, _, leader, _ = world
    make_member(name="陈静", team=team_a, active=False, left_on=date(2026, 12, 15))
    make_member(name="赵刚", team=team_a, active=False, left_on=date(2026, 9, 30))  # before Q4
    book = workbook(export_report(Actor(member=leader), "2026-Q4", None, NOW, RULES))
    notes = {row[0].value: row[-1].value for row in book["队员明细"].iter_rows(2)}
    assert notes == {leader.name: None, "王丽": None, "李强": None, "陈静": "2026-12-15 离队"}
    assert summary_of(book)["在册队员（人）"] == 4


def test_members_hours_add_up_to_the_teams(world):
    """Rounded one by one, 190 + 190 + 130 + 60 + 60 minutes would show 3.2 + 3.2 + 2.2 + 1 + 1
    = 10.6 hours against a total of 10.5: the cells hold exact hours, shown to one decimal."""
    team_a, _, leader, alice = world  # alice has 90 minutes already
    served = {"王丽": [100], "李强": [190], "张敏": [130], "赵刚": [60], "孙丽": [60]}
    for name, minutes in served.items():
        member = alice if name == "王丽" else make_member(name=name, team=team_a)
        for length in minutes:
            start = at(date(2026, 12, 1))
            done = {"checkout_at": start + timedelta(minutes=length), "duration_minutes": length}
            make_record(member, checkin_at=start, status="verified", **done, **FILLED)
    book = workbook(export_report(Actor(member=leader), "2026-Q4", None, NOW, RULES))
    figures = summary_of(book)
    sheet = book["队员明细"]
    hours = [row[2] for row in sheet.iter_rows(2)]
    assert figures["服务时长（小时）"] == pytest.approx(630 / 60)
    assert sum(c.value for c in hours) == pytest.approx(figures["服务时长（小时）"])
    assert {c.number_format for c in hours} == {"0.0"}
    by_name = {row[0].value: row[2].value for row in sheet.iter_rows(2)}
    assert by_name["李强"] == pytest.approx(190 / 60)  # not 3.2


def test_a_report_frozen_before_minutes_were_kept_shows_its_hours(world):
    _, _, leader, _ = world
    actor = Actor(member=leader)
    save_summary(actor, "2026-Q4", "本季度开展活动一次。", NOW, RULES)
    submit_report(actor, "2026-Q4", NOW, RULES)
    report = QuarterlyReport.get()
    old = {k: v for k, v in report.stats.items() if k != "minutes"}
    old["by_kind"] = {
        k: {"services": v["services"], "hours": v["hours"]} for k, v in old["by_kind"].items()
    }
    old["per_member"] = [{k: v for k, v in m.items() if k != "minutes"} for m in old["per_member"]]
    QuarterlyReport.update(stats=old).where(QuarterlyReport.id == report.id).execute()
    book = workbook(export_report(actor, "2026-Q4", None, NOW, RULES))
    figures = summary_of(book)
    assert figures["服务时长（小时）"] == 1.5 and figures["其中分散活动时长（小时）"] == 1.5
    assert [row[2].value for row in book["队员明细"].iter_rows(2)] == [0, 1.5, 0]


def test_the_summary_counts_urgent_notices_and_an_old_report_leaves_it_blank(world):
    team_a, _, leader, alice = world
    Member.update(oa_openid="oa-alice").where(Member.id == alice.id).execute()
    policy = Policy(orders={}, default_order=("oa_template",), quiet_hours="off")
    broadcast.send(leader, "立即集合", "urgent-1", at(date(2026, 12, 1), 23), policy, True)
    actor = Actor(member=leader)
    live = summary_of(workbook(export_report(actor, "2026-Q4", None, NOW, RULES)))
    assert live["紧急通知（条）"] == 1
    save_summary(actor, "2026-Q4", "本季度开展活动一次。", NOW, RULES)
    submit_report(actor, "2026-Q4", NOW, RULES)
    report = QuarterlyReport.get()
    old = {k: v for k, v in report.stats.items() if k != "urgent_broadcasts"}
    QuarterlyReport.update(stats=old).where(QuarterlyReport.id == report.id).execute()
    figures = summary_of(workbook(export_report(actor, "2026-Q4", None, NOW, RULES)))
    assert "紧急通知（条）" in figures and figures["紧急通知（条）"] is None


def test_cancelled_activities_are_listed_with_their_reasons_apart_from_those_held(world):
    """The file says what the report says: held and cancelled apart, each cancelled one on a
    row of its own under the count, with its reason and what was done before it was called
    off (counted in the hours); an old report without the figures leaves them blank."""
    team_a, _, leader, alice = world
    make_activity(team_a, starts_at=at(date(2026, 10, 9), 9), title="健康讲座")
    rained = make_activity(
        team_a, starts_at=at(date(2026, 12, 5), 9), title="河道清理", status="cancelled"
    )
    rained.cancel_reason = "暴雨预警"
    rained.save()
    make_activity(team_a, starts_at=at(date(2026, 12, 12), 14), title="义诊", status="cancelled")
    start = at(date(2026, 12, 5), 9)
    make_record(
        alice,
        rained,
        checkin_at=start,
        checkout_at=start + timedelta(minutes=45),
        duration_minutes=45,
        status="verified",
        **FILLED,
    )
    actor = Actor(member=leader)
    book = workbook(export_report(actor, "2026-Q4", None, NOW, RULES))
    figures, notes = summary_of(book), notes_of(book)
    rows = [(r[0].value, r[1].value) for r in book["概况"].iter_rows(2)]
    assert figures["开展活动（次）"] == 1
    assert figures["已取消活动（场）"] == 2
    at_count = rows.index(("已取消活动（场）", 2))
    assert rows[at_count + 1 : at_count + 3] == [
        (
            "取消的活动",
            "2026-12-05 09:00 河道清理（取消原因：暴雨预警；取消前已有 1 次服务登记，共 0.8 小时）",
        ),
        ("取消的活动", "2026-12-12 14:00 义诊（取消时未填写原因）"),
    ]
    assert figures["其中已取消活动的服务（次）"] == 1
    assert figures["其中已取消活动的服务时长（小时）"] == pytest.approx(0.75)
    assert figures["服务时长（小时）"] == pytest.approx(1.5 + 0.75)  # counted in the hours
    assert "不计入“开展活动（次）”" in notes["已取消活动（场）"]
    assert "已计入上面的服务次数和服务时长" in notes["其中已取消活动的服务（次）"]
    save_summary(actor, "2026-Q4", "本季度一次活动因暴雨取消。", NOW, RULES)
    submit_report(actor, "2026-Q4", NOW, RULES)
    report = QuarterlyReport.get()
    gone = ("activities_cancelled", "cancelled_activities", "cancelled_entries")
    old = {k: v for k, v in report.stats.items() if k not in gone}
    QuarterlyReport.update(stats=old).where(QuarterlyReport.id == report.id).execute()
    book = workbook(export_report(actor, "2026-Q4", None, NOW, RULES))
    figures = summary_of(book)
    assert figures["已取消活动（场）"] is None and "取消的活动" not in figures
    assert figures["其中已取消活动的服务时长（小时）"] is None


def notes_of(book) -> dict:
    return {row[0].value: row[2].value for row in book["概况"].iter_rows(2)}


def test_figures_that_sound_alike_say_what_they_count(world):
    """Two visit figures (every visit check-in; visits counted as services) and the flagged
    entries, which are not all that waits for review: each labelled apart and explained."""
    team_a, _, leader, alice = world
    visit = {"kind": "visit", "checkin_at": at(date(2026, 12, 3))}
    make_record(alice, status="verified", **visit)  # checked in, never checked out
    make_record(alice, status="flagged", **visit)
    make_record(alice, status="pending", source="leader", registered_by=leader, **visit)
    book = workbook(export_report(Actor(member=leader), "2026-Q4", None, NOW, RULES))
    figures, notes = summary_of(book), notes_of(book)
    assert [c.value for c in book["概况"][1]] == ["项目", "内容", "说明"]
    assert figures["结对走访（次，按签到计）"] == 3 and figures["其中结对走访（次）"] == 0
    assert "其中结对走访（次）" in notes["结对走访（次，按签到计）"]
    assert "结对走访（次，按签到计）" in notes["其中结对走访（次）"]
    assert "结对走访（次）" not in figures and "待审核记录（条）" not in figures
    assert figures["存疑待审核记录（条）"] == 1  # the JSON's `flagged`: not the pending one
    assert "队长代登记" in notes["存疑待审核记录（条）"]


@pytest.fixture
def checked(database):
    """Entries made as the service makes them (with history): alice 190 and bob 60 minutes in
    Q4 2026 for team A, and the office."""
    w = build_world()
    start = at(date(2026, 11, 24))
    made = [
        checked_in(who, at=start, minutes=m, filled=True)
        for who, m in ((w.alice, 190), (w.bob, 60))
    ]
    return w, made


def _tamper(entry, minutes: int) -> None:
    """Hours added straight in the database."""
    db.execute_sql(f"UPDATE service_record SET duration_minutes = {minutes} WHERE id = {entry.id}")


def test_the_offices_file_carries_the_register_check(checked):
    w, (alice_entry, _) = checked
    office = w.actor("office")
    clean = summary_of(workbook(export_report(office, "2026-Q4", w.team_a.id, NOW, RULES)))
    assert clean["登记簿核验"] == "通过" and "核验未通过的记录" not in clean
    _tamper(alice_entry, 600)
    book = workbook(export_report(office, "2026-Q4", w.team_a.id, NOW, RULES))
    figures = summary_of(book)
    rows = [(r[0].value, r[1].value) for r in book["概况"].iter_rows(2)]
    assert figures["服务时长（小时）"] == pytest.approx(11)  # the figures as they are
    assert figures["登记簿核验"] == "未通过：1 条记录在系统之外被改动过"
    assert (
        "核验未通过的记录",
        f"alice 2026-11-24 分散活动（记录 #{alice_entry.id}）："
        "记录被绕过系统修改：服务时长（分钟） 190 → 600",
    ) in rows
    assert figures["未通过记录的时长（小时）"] == 10
    leaders = summary_of(workbook(export_report(w.actor("leader_a"), "2026-Q4", None, NOW, RULES)))
    assert not {"登记簿核验", "核验未通过的记录", "未通过记录的时长（小时）"} & set(leaders)


def test_the_register_check_runs_once_per_export(checked, monkeypatch):
    """view_report checks the report's chains for the office; the export writes what it found
    and hashes no chain a second time."""
    w, made = checked
    hashed = []
    real = history._signed
    monkeypatch.setattr(history, "_signed", lambda h, *a: hashed.append(h.record_id) or real(h, *a))
    view_report(w.actor("office"), "2026-Q4", w.team_a.id, NOW, RULES)
    by_view = sorted(hashed)
    hashed.clear()
    export_report(w.actor("office"), "2026-Q4", w.team_a.id, NOW, RULES)
    assert sorted(hashed) == by_view and set(by_view) == {r.id for r in made}


def test_the_hours_by_kind_add_up_as_the_member_s_summary_shows_them(world):
    """王丽 served 190 minutes in an activity and 90 + 45 on her own: rounded each alone the
    kinds would show 3.2 + 2.3 against 5.4 hours. The report, its file and her own summary
    show the same 3.2 + 2.2 for the same minutes."""
    team_a, _, leader, alice = world  # 90 minutes on her own already
    start = at(date(2026, 12, 1))
    for activity, length in ((make_activity(team_a, starts_at=start), 190), (None, 45)):
        done = {"checkout_at": start + timedelta(minutes=length), "duration_minutes": length}
        make_record(alice, activity, checkin_at=start, status="verified", **done, **FILLED)
    stats = view_report(Actor(member=leader), "2026-Q4", None, NOW, RULES).stats
    kinds = {k: (v["hours"], v["minutes"]) for k, v in stats["by_kind"].items()}
    assert kinds == {"activity": (3.2, 190), "visit": (0.0, 0), "individual": (2.2, 135)}
    assert (stats["hours"], stats["minutes"]) == (5.4, 325)
    mine = member_summary(alice, at(date(2026, 12, 31)), 30).quarter
    assert {k: (s.hours, s.minutes) for k, s in mine.by_kind.items()} == kinds
    figures = summary_of(workbook(export_report(Actor(member=leader), "2026-Q4", None, NOW, RULES)))
    assert figures["其中集中活动时长（小时）"] == 3.2 and figures["其中分散活动时长（小时）"] == 2.2


# --- the office's decision, as the clerk reads it in 概况 -------------------------------------

REVIEW_ROWS = ("办公室审阅", "审阅人", "审阅时间", "退回原因")


def review_rows(actor, team_id=None) -> tuple:
    figures = summary_of(workbook(export_report(actor, "2026-Q4", team_id, NOW, RULES)))
    return tuple(figures[row] for row in REVIEW_ROWS)


def test_the_offices_decision_reads_in_chinese_through_return_resubmission_and_acceptance(world):
    team_a, _, leader, _ = world
    account = {"username": "zhang", "display_name": "张秘书", "password_hash": "-"}
    office = Actor(account=Account.create(created_at=NOW, **account))
    writer = Actor(member=leader)
    assert review_rows(writer) == ("报告尚未提交", None, None, None)
    save_summary(writer, "2026-Q4", "本季度开展活动一次。", NOW, RULES)
    submit_report(writer, "2026-Q4", NOW, RULES)
    assert review_rows(office, team_a.id) == ("等待办公室审阅", None, None, None)

    returned_at = NOW + timedelta(hours=2)
    decide_report(office, team_a.id, "2026-Q4", "return", "请补充走访情况。", returned_at, "off")
    returned = ("已退回，等待队长修改后重新提交", "张秘书", datetime(2027, 1, 5, 12))
    returned += ("请补充走访情况。",)
    assert review_rows(writer) == review_rows(office, team_a.id) == returned
    figures = summary_of(workbook(export_report(office, "2026-Q4", team_a.id, NOW, RULES)))
    assert figures["数据口径"] == "实时数据（报告已退回，重新提交时冻结）"

    submit_report(writer, "2026-Q4", NOW + timedelta(hours=3), RULES)
    again = review_rows(office, team_a.id)
    assert again[0] == "曾退回，队长已修改并重新提交，等待办公室审阅"
    assert again[1:] == returned[1:]  # the last return, kept so the office can compare

    decide_report(office, team_a.id, "2026-Q4", "accept", None, NOW + timedelta(days=1), "off")
    book = workbook(export_report(office, "2026-Q4", team_a.id, NOW, RULES))
    figures = summary_of(book)
    assert tuple(figures[row] for row in REVIEW_ROWS) == (
        "已通过",
        "张秘书",
        datetime(2027, 1, 6, 10),
        "通过前曾退回，原因：请补充走访情况。",  # not the acceptance's: the return before it
    )
    rows = {row[0].value: row for row in book["概况"].iter_rows(2)}
    assert rows["审阅时间"][1].number_format == "yyyy-mm-dd hh:mm"
    assert "退回" in rows["退回原因"][2].value  # its 说明 says which return it is
