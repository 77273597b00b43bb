"""Where the office reads the register's figures, an entry edited behind the service's back
shows as failing the register check: on the entry itself, and in the quarterly report that
counts it. A leader, who is not shown the finding, cannot review such an entry."""

import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from models import ServiceRecord, db
from services import clock
from tests.register_world import build_world, checked_in

Q4_2026 = clock.to_utc(datetime(2027, 1, 5, 10))  # Q4 has just ended, its report is a draft


@pytest.fixture
def world(app):
    return build_world(with_openids=True)


@pytest.fixture
def entry(world):
    """Alice's flagged entry from yesterday: 190 minutes, filled in (counts toward hours)."""
    at = clock.now_utc() - timedelta(days=1)
    return checked_in(world.alice, at=at, minutes=190, filled=True, status="flagged")


def _tamper(entry, minutes=600) -> None:
    """Hours added straight in the database."""
    db.execute_sql(f"UPDATE service_record SET duration_minutes = {minutes} WHERE id = {entry.id}")


def test_the_office_sees_on_the_entry_that_it_fails_the_check(api, office, world, entry):
    leader = api(world.leader_a)
    clean = office.get(f"/records/{entry.id}").get_json()
    assert clean["register_check"] == {"ok": True, "problem": None}
    _tamper(entry)
    seen = office.get(f"/records/{entry.id}").get_json()
    assert seen["duration_minutes"] == 600
    assert seen["register_check"] == {
        "ok": False,
        "problem": "记录被绕过系统修改：服务时长（分钟） 190 → 600",
    }
    for other in (leader, api(world.alice)):
        assert other.get(f"/records/{entry.id}").get_json()["register_check"] is None


def test_a_leader_may_not_review_an_entry_that_fails_the_check(api, office, world, entry):
    _tamper(entry)
    leader = api(world.leader_a)
    refused = leader.post(f"/records/{entry.id}/review", json={"decision": "verify"})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "register_check_failed"
    assert "办公室" in refused.get_json()["error"]["message"]
    assert ServiceRecord.get_by_id(entry.id).status == "flagged"
    rejected = office.post(
        f"/records/{entry.id}/review", json={"decision": "reject", "comment": "时长与签到表不符"}
    )
    assert rejected.status_code == 200
    body = rejected.get_json()
    assert body["status"] == "rejected"
    assert body["register_check"]["problem"].endswith("服务时长（分钟） 190 → 600")


def test_a_leader_still_reviews_entries_that_hold(api, world, entry):
    reviewed = api(world.leader_a).post(f"/records/{entry.id}/review", json={"decision": "verify"})
    assert reviewed.status_code == 200 and reviewed.get_json()["status"] == "verified"


@pytest.fixture
def quarter(monkeypatch, world):
    """Alice's and Bob's entries in Q4 2026, Carol's (team B) too; the clock in January."""
    monkeypatch.setattr(clock, "now_utc", lambda: Q4_2026)
    at = clock.to_utc(datetime(2026, 11, 24, 8, 52))
    entries = {
        "alice": checked_in(world.alice, at=at, minutes=190, filled=True),
        "bob": checked_in(world.bob, at=at, minutes=60, filled=True),
        "carol": checked_in(world.carol, at=at, minutes=60, filled=True),
        "alice_q3": checked_in(world.alice, at=at - timedelta(days=60), minutes=60, filled=True),
    }
    return entries


def test_the_quarterly_report_names_the_entries_that_fail_the_check(quarter, api, office, world):
    path = f"/team/reports/2026-Q4?team_id={world.team_a.id}"
    assert office.get(path).get_json()["register_check"] == {
        "ok": True,
        "entries": [],
        "hours": 0.0,
    }
    for name in ("alice", "carol", "alice_q3"):  # one in the report, two outside it
        _tamper(quarter[name])
    report = office.get(path).get_json()
    assert report["stats"]["hours"] == 11.0  # the figures as they are: 600 + 60 minutes
    assert report["register_check"] == {
        "ok": False,
        "entries": [
            {
                "record_id": quarter["alice"].id,
                "description": "alice 2026-11-24 分散活动",
                "problem": "记录被绕过系统修改：服务时长（分钟） 190 → 600",
            }
        ],
        "hours": 10.0,
    }
    leader = api(world.leader_a).get("/team/reports/2026-Q4").get_json()
    assert leader["stats"]["hours"] == 11.0 and leader["register_check"] is None


def test_the_reports_check_reads_only_its_own_entries(quarter, office, world, monkeypatch):
    """The report's own chains are hashed, not those of other teams or quarters: a normal view
    of the report pays for its own entries only."""
    from services import history

    hashed = []
    real = history._signed
    monkeypatch.setattr(history, "_signed", lambda h, *a: hashed.append(h.record_id) or real(h, *a))
    office.get(f"/team/reports/2026-Q4?team_id={world.team_a.id}")
    assert set(hashed) == {quarter["alice"].id, quarter["bob"].id}


@pytest.fixture
def december(monkeypatch, world):
    """The clock on 1 December 2026: Q4 is running."""
    monkeypatch.setattr(clock, "now_utc", lambda: clock.to_utc(datetime(2026, 12, 1, 10)))


def test_a_running_quarter_is_checked_as_well(december, office, world):
    at = clock.to_utc(datetime(2026, 11, 30, 9))
    entry = checked_in(world.bob, at=at, minutes=60, filled=True)
    _tamper(entry, 61)
    report = office.get(f"/team/reports/2026-Q4?team_id={world.team_a.id}").get_json()
    assert report["status"] == "in_progress"
    assert [e["record_id"] for e in report["register_check"]["entries"]] == [entry.id]
    assert report["register_check"]["hours"] == 1.0


def _sheet_rows(response, sheet: str) -> list[list]:
    assert response.status_code == 200, response.get_data(as_text=True)[:200]
    book = load_workbook(io.BytesIO(response.data))
    return [[c.value for c in row] for row in book[sheet].iter_rows()]


def test_the_offices_excel_files_mark_the_forged_hours(quarter, api, office, world):
    """What the entry's and the report's register_check say, the office's downloads say too;
    a leader's download has neither the column nor the rows."""
    _tamper(quarter["alice"])
    register = _sheet_rows(
        office.get("/records/export.xlsx?from=2026-11-24&to=2026-11-24"), "登记记录"
    )
    column = register[0].index("登记核验")
    marks = {row[-1]: row[column] for row in register[1:]}
    assert marks[quarter["alice"].id] == "未通过：记录被绕过系统修改：服务时长（分钟） 190 → 600"
    assert marks[quarter["bob"].id] == "通过"
    path = f"/team/reports/2026-Q4/export.xlsx?team_id={world.team_a.id}"
    summary = {row[0]: row[1] for row in _sheet_rows(office.get(path), "概况")}
    assert summary["登记簿核验"] == "未通过：1 条记录在系统之外被改动过"
    assert summary["未通过记录的时长（小时）"] == 10
    leader = api(world.leader_a)
    assert "登记核验" not in _sheet_rows(leader.get("/records/export.xlsx"), "登记记录")[0]
    report = _sheet_rows(leader.get("/team/reports/2026-Q4/export.xlsx"), "概况")
    assert "登记簿核验" not in {row[0] for row in report}
