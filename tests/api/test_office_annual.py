"""The office's annual assessment over HTTP: the list with figures, suggestion and decision;
decisions with `expected`; the final step and the 409s after it; the Excel file read back
with openpyxl (two sheets, Chinese headers, the page header for printing)."""

import io
from datetime import date, datetime, time, timedelta

import pytest
from openpyxl import load_workbook

from models import AuditLog, Member
from services import clock, spells
from tests.factories import make_activity, make_member, make_record, make_team, stay

NOW = datetime(2027, 1, 6, 2)  # 2026 has ended in Shanghai
FILLED = {"content": "清理楼道杂物", "target": "3号楼住户", "outcome": "楼道整洁"}


def at(day: date, hour: int = 10) -> datetime:
    return clock.to_utc(datetime.combine(day, time(hour)))


def served(member, when, minutes, kind="individual", **kw):
    fields = FILLED | {"checkout_at": when + timedelta(minutes=minutes)} | kw
    return make_record(
        member, checkin_at=when, kind=kind, duration_minutes=minutes, status="verified", **fields
    )


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: NOW)
    one, two = make_team(name="一队"), make_team(name="二队")
    added = datetime(2025, 12, 1)
    for leader in Member.select():
        stay(leader, added.date())
    alice = make_member(name="阿丽", team=one, created_at=added)
    bob = make_member(name="阿博", team=two, created_at=at(date(2026, 7, 2)))
    task = make_activity(one, starts_at=at(date(2026, 5, 1)), kind="adhoc")
    served(alice, at(date(2026, 5, 1)), 600, "activity", activity=task)
    for month in range(1, 13):
        served(alice, at(date(2026, month, 3)), 180, "visit")
    return one, two, alice, bob


def member_line(body, member):
    lines = [x for t in body["teams"] for x in t["members"]]
    return next(x for x in lines if x["member"]["id"] == member.id)


def test_the_list_gives_figures_suggestion_and_decision_team_by_team(world, office):
    one, two, alice, bob = world
    body = office.get("/office/annual/2026").get_json()
    assert [t["name"] for t in body["teams"]] == ["一队", "二队"]
    assert (body["year"], body["year_over"], body["final"]) == (2026, True, False)
    line = member_line(body, alice)
    assert line["hours"] == 46.0 and line["minutes"] == 2760
    assert line["services"] == {"centralised": 0, "visit": 12, "individual": 0, "adhoc": 1}
    assert (line["visits"], line["visit_months"], line["rejected"]) == (12, 12, 0)
    assert line["suggestion"]["grade"] == "excellent"
    assert "达到优秀标准" in line["suggestion"]["reason"]
    assert line["decision"] is None and line["roster"]["name"] == "全年在册"
    b = member_line(body, bob)
    assert b["roster"] == {
        "name": "7月2日加入",
        "active": True,
        "joined_on": "2026-07-02",
        "left_on": None,
        "away": [],
        "days": 183,
    }
    assert b["suggestion"]["grade"] == "fail"
    only = office.get(f"/office/annual/2026?team_id={two.id}").get_json()
    assert [t["name"] for t in only["teams"]] == ["二队"]
    missing = office.get("/office/annual/2026?team_id=999")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "team_not_found"
    assert office.get("/office/annual/2028").get_json()["error"]["code"] == "bad_year"


def test_an_absence_ended_in_the_year_is_listed_and_not_counted(world, office):
    _, _, _, bob = world
    spells.leave(bob.id, date(2026, 8, 31))
    spells.come_back(bob.id, date(2026, 10, 8))

    b = member_line(office.get("/office/annual/2026").get_json(), bob)

    assert b["roster"] == {
        "name": "7月2日加入，8月31日离开，10月8日重新加入",
        "active": True,
        "joined_on": "2026-07-02",
        "left_on": None,
        "away": [{"left_on": "2026-08-31", "back_on": "2026-10-08"}],
        "days": 61 + 85,
    }


def test_a_decision_is_kept_and_a_stale_page_is_409(world, office):
    _, _, alice, _ = world
    path = f"/office/annual/2026/members/{alice.id}"
    first = office.post(path, json={"grade": "excellent", "commended": True, "expected": 0})
    assert first.status_code == 200, first.get_json()
    d = first.get_json()
    assert (d["grade_name"], d["commended"], d["version"], d["decided_by"]) == (
        "优秀",
        True,
        1,
        "办公室",
    )
    stale = office.post(path, json={"grade": "pass", "expected": 0})
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "assessment_changed"
    refused = office.post(path, json={"grade": "fail", "commended": True, "expected": 1})
    assert refused.get_json()["error"]["code"] == "bad_commendation"
    assert office.post(path, json={"grade": "great"}).get_json()["error"]["code"] == "bad_grade"
    body = office.get("/office/annual/2026").get_json()
    assert member_line(body, alice)["decision"]["grade"] == "excellent"
    assert AuditLog.select().where(AuditLog.action == "annual_decide").count() == 1


def test_the_year_is_made_final_and_then_nothing_changes(world, office):
    one, two, alice, bob = world
    final = "/office/annual/2026/final"
    undecided = office.post(final)
    assert undecided.status_code == 409
    assert undecided.get_json()["error"]["code"] == "assessment_undecided"
    members = Member.select().where(Member.team.is_null(False))
    for member in members:
        grade = "excellent" if member.id == alice.id else "pass"
        response = office.post(
            f"/office/annual/2026/members/{member.id}",
            json={"grade": grade, "commended": member.id == alice.id},
        )
        assert response.status_code == 200
    made = office.post(final)
    assert made.status_code == 200 and made.get_json()["final"] is True
    again = office.post(f"/office/annual/2026/members/{bob.id}", json={"grade": "fail"})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "assessment_final"
    assert office.post(final).get_json()["error"]["code"] == "assessment_final"
    running = office.post("/office/annual/2027/final")
    assert running.get_json()["error"]["code"] == "year_not_ended"


def test_the_excel_file_has_the_assessment_and_the_commendation_list(world, office):
    one, _, alice, bob = world
    office.post(
        f"/office/annual/2026/members/{alice.id}",
        json={"grade": "excellent", "commended": True, "note": "=走访全年不断"},
    )
    office.post(f"/office/annual/2026/members/{bob.id}", json={"grade": "basic"})
    response = office.get("/office/annual/2026/export.xlsx")
    assert response.status_code == 200
    assert "filename*=UTF-8''2026" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["年度考核", "表彰名单", "说明"]
    sheet = book["年度考核"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:4] == ("服务队", "姓名", "在册情况", "服务时长（小时）")
    assert "临时任务（次）" in header and "建议等次" in header and "表彰" in header
    by_name = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    a = by_name["阿丽"]
    assert (a["服务队"], a["服务时长（小时）"], a["临时任务（次）"]) == ("一队", 46.0, 1)
    assert (a["有走访的月数"], a["建议等次"], a["考核等次"], a["表彰"]) == (
        12,
        "优秀",
        "优秀",
        "是",
    )
    assert a["备注"] == "=走访全年不断"  # text, never a formula
    assert by_name["阿博"]["在册情况"] == "7月2日加入" and by_name["阿博"]["表彰"] == "否"
    assert "未定稿" in sheet.oddHeader.center.text
    honours = list(book["表彰名单"].iter_rows(values_only=True))
    assert honours[0][:4] == ("序号", "服务队", "姓名", "考核等次")
    assert honours[1:] == [(1, "一队", "阿丽", "优秀", 46.0, "=走访全年不断")]
    team_only = office.get(f"/office/annual/2026/export.xlsx?team_id={world[1].id}")
    names = [
        r[1]
        for r in load_workbook(io.BytesIO(team_only.data))["年度考核"].iter_rows(
            min_row=2, values_only=True
        )
    ]
    assert "阿丽" not in names and "阿博" in names
