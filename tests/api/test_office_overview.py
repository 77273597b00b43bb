"""GET /office/overview: every team's quarter, what waits for review, last quarter's report,
and the office's alerts; for the office only."""

from datetime import date, datetime, timedelta

import pytest

from api.serialize import iso
from models import Member, QuarterlyReport, SpotCheck
from services import clock
from services.outbox import Message, enqueue
from services.report_stats import team_stats
from tests.factories import make_member, make_record, make_team, office_actor, team_joined_on
from tests.statements import count_queries

FILLED = {"content": "清理楼道", "target": "3号楼住户", "outcome": "楼道整洁"}


def last_quarter(today: date) -> tuple[int, int]:
    year, quarter = clock.quarter_of(today)
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


@pytest.fixture
def world(app):
    """Two teams; team A has entries of every kind of review this quarter."""
    now = clock.now_utc()
    team_a, team_b = make_team(members=2), make_team(members=1)
    leader = team_a.members.where(Member.role == "leader").get()
    alice, bob = team_a.members.where(Member.role == "member").order_by(Member.id)
    start = now - timedelta(hours=3)
    served = {"checkout_at": start + timedelta(minutes=95), "duration_minutes": 95, **FILLED}
    make_record(alice, checkin_at=start, status="verified", **served)
    make_record(alice, checkin_at=start - timedelta(hours=1), status="flagged", flags=["x"])
    make_record(bob, checkin_at=start, status="pending", **served)
    make_record(leader, checkin_at=start, status="flagged", flags=["x"], **served)
    make_record(bob, checkin_at=start, status="pending", source="leader", registered_by=leader)
    make_record(bob, checkin_at=start, status="rejected", **served)
    return team_a, team_b, now


def test_each_team_shows_the_quarter_as_the_report_counts_it(world, office):
    team_a, team_b, now = world
    answer = office.get("/office/overview")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    year, quarter = clock.quarter_of(clock.local_today(now))
    assert body["period"] == f"{year}-Q{quarter}"
    stats = team_stats(year, quarter, now, 30)
    teams = {t["id"]: t for t in body["teams"]}
    assert set(teams) == {team_a.id, team_b.id}
    for team_id, team in teams.items():
        assert (team["services"], team["hours"], team["minutes"]) == (
            stats[team_id]["services"],
            stats[team_id]["hours"],
            stats[team_id]["minutes"],
        )
    a = teams[team_a.id]
    # checked out and filled in: verified, pending and flagged count, rejected does not
    assert a["services"] == 3 and a["minutes"] == 3 * 95
    assert a["members"] == 3 and teams[team_b.id]["members"] == 2
    assert a["leader"]["name"] == team_a.members.where(Member.role == "leader").get().name
    assert a["community"] == team_a.community.name


def test_entries_waiting_for_review_are_counted_by_whose_review(world, office):
    team_a, team_b, _ = world
    teams = {t["id"]: t for t in office.get("/office/overview").get_json()["teams"]}
    # alice's flagged and bob's pending wait for the leader; the leader's own flagged entry
    # and the attendance a leader registered wait for the office
    assert teams[team_a.id]["awaiting_review"] == {"leader": 2, "office": 2}
    assert teams[team_a.id]["flagged"] == 2
    assert teams[team_b.id]["awaiting_review"] == {"leader": 0, "office": 0}


def test_a_late_report_and_the_offices_alerts(world, office):
    team_a, team_b, now = world
    year, quarter = last_quarter(clock.local_today(now))
    late = {"year": year, "quarter": quarter, "updated_at": now}
    QuarterlyReport.create(team=team_a, deadline=clock.local_today(now) - timedelta(days=2), **late)
    QuarterlyReport.create(
        team=team_b, status="submitted", submitted_at=now, deadline=clock.local_today(now), **late
    )
    enqueue([Message(None, "report_late", {"title": "季度报告逾期未交"}, "ov-late")], now, "off")
    record = make_record(make_member(team=team_b), checkin_at=now - timedelta(days=1))
    SpotCheck.create(record=record, sampled_on=clock.local_today(now))
    body = office.get("/office/overview").get_json()
    teams = {t["id"]: t for t in body["teams"]}
    report_a, report_b = teams[team_a.id]["report"], teams[team_b.id]["report"]
    assert (report_a["status_name"], report_a["late"], report_a["owed"]) == ("逾期未交", True, True)
    assert (report_b["status_name"], report_b["late"], report_b["owed"]) == ("已提交", False, False)
    assert body["report_period"] == f"{year}-Q{quarter}"
    assert body["alerts"] == {
        "undelivered": 0,
        "inbox_unread": 1,
        "spot_checks_pending": 1,
        "late_reports": [team_a.name],
        "reports_returned": [],
        "reports_awaiting_decision": [
            {
                "team": {"id": team_b.id, "name": team_b.name},
                "period": f"{year}-Q{quarter}",
                "submitted_at": iso(now),
                "late": False,
                "resubmitted": False,
            }
        ],
    }


def test_a_team_without_a_report_or_a_leader(app, office):
    team = make_team()
    Member.update(role="member").where(Member.team == team.id).execute()
    body = office.get("/office/overview").get_json()
    (only,) = body["teams"]
    assert only["leader"] is None and only["report"] is None and only["services"] == 0


@pytest.mark.parametrize("role", ["leader", "member"])
def test_leaders_and_members_are_refused(app, api, role):
    team = make_team(members=1)
    who = team.members.where(Member.role == role).get()
    Member.update(mp_openid=f"mp-ov-{role}").where(Member.id == who.id).execute()
    answer = api(f"mp-ov-{role}").get("/office/overview")
    assert answer.status_code == 403
    assert answer.get_json() == {
        "error": {"code": "office_only", "message": "只有办公室可以进行此操作。"}
    }


def test_without_a_login(client):
    answer = client.get("/api/v1/office/overview")
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "login_required"


# --- a report owed before its row exists; one name for a report's state ---------------------


@pytest.fixture
def january(monkeypatch):
    """10:00 on 20 January 2027 in Shanghai: Q4 2026's deadline (the 10th) has passed."""
    now = clock.to_utc(datetime(2027, 1, 20, 10))
    monkeypatch.setattr(clock, "now_utc", lambda: now)
    return now


def test_a_quarter_past_its_deadline_with_no_report_is_late(app, january, office):
    staffed = make_team(name="第一服务队")
    team_joined_on(staffed, date(2026, 6, 1))
    newcomers = make_team(name="新服务队")  # formed after the quarter: owes no report for it
    team_joined_on(newcomers, date(2027, 1, 2))
    body = office.get("/office/overview").get_json()
    teams = {t["id"]: t for t in body["teams"]}
    report = teams[staffed.id]["report"]
    assert (report["status_name"], report["late"], report["owed"]) == ("逾期未交", True, True)
    assert (report["period"], report["deadline"]) == ("2026-Q4", "2027-01-10")
    assert teams[newcomers.id]["report"] is None
    assert body["alerts"]["late_reports"] == ["第一服务队"]
    assert QuarterlyReport.select().count() == 0  # the overview only reads


def test_a_late_draft_is_named_alike_on_the_overview_and_the_report(app, january, office):
    team = make_team()
    team_joined_on(team, date(2026, 6, 1))
    QuarterlyReport.create(
        team=team, year=2026, quarter=4, deadline=date(2027, 1, 10), updated_at=january
    )
    (row,) = office.get("/office/overview").get_json()["teams"]
    report = office.get(f"/team/reports/2026-Q4?team_id={team.id}").get_json()
    assert row["report"]["status_name"] == report["status_name"] == "逾期未交"
    assert report["late"] is True and report["status"] == "draft"


def test_the_office_reading_a_report_never_drafts_it(app, january, office, api):
    team = make_team(name="第一服务队")
    team_joined_on(team, date(2026, 6, 1))
    leader = team.members.where(Member.role == "leader").get()
    Member.update(mp_openid="mp-ov-reader").where(Member.id == leader.id).execute()
    read = office.get(f"/team/reports/2026-Q4?team_id={team.id}")
    assert read.status_code == 200, read.get_json()
    body = read.get_json()
    assert (body["id"], body["status"], body["status_name"]) == (None, "draft", "逾期未交")
    assert body["deadline"] == "2027-01-10" and body["stats"]["members"] == 1
    assert QuarterlyReport.select().count() == 0  # a read writes nothing
    assert office.get("/office/overview").get_json()["alerts"]["late_reports"] == ["第一服务队"]
    mine = api("mp-ov-reader").get("/team/reports/2026-Q4").get_json()  # the leader's draft
    assert mine["id"] == QuarterlyReport.get().id and mine["editable"] is True
    newcomers = make_team()
    team_joined_on(newcomers, date(2027, 1, 2))
    none = office.get(f"/team/reports/2026-Q4?team_id={newcomers.id}")
    assert none.status_code == 404 and none.get_json()["error"]["code"] == "report_not_found"


# --- reports waiting for the office's decision -----------------------------------------------


def submitted(team, year, quarter, now, **more):
    """A report of the team's, submitted (by default on time) and not yet decided."""
    fields = {"status": "submitted", "submitted_at": now, "updated_at": now, "summary": "小结"}
    deadline = more.pop("deadline", clock.local_today(now) + timedelta(days=5))
    return QuarterlyReport.create(
        team=team, year=year, quarter=quarter, deadline=deadline, **(fields | more)
    )


def test_reports_waiting_for_a_decision_are_listed_the_longest_waiting_first(app, office):
    now = clock.now_utc()
    year, quarter = last_quarter(clock.local_today(now))
    names = ("一队", "二队", "三队", "四队")
    early, resubmitted, decided, returned = (make_team(name=n) for n in names)
    older = (year - 1, quarter)  # an earlier quarter's report still waits as well
    submitted(early, *older, now - timedelta(days=40), stats={"late_submitted": True})
    account = office_actor("decider").account
    submitted(
        resubmitted, year, quarter, now - timedelta(hours=2), decided_at=now, decided_by=account
    )
    submitted(decided, year, quarter, now, status="accepted", decided_at=now, decided_by=account)
    submitted(returned, year, quarter, now, status="returned", decided_at=now, decided_by=account)
    waiting = office.get("/office/overview").get_json()["alerts"]["reports_awaiting_decision"]
    assert [(w["team"]["name"], w["period"], w["late"], w["resubmitted"]) for w in waiting] == [
        ("一队", f"{older[0]}-Q{older[1]}", True, False),
        ("二队", f"{year}-Q{quarter}", False, True),
    ]
    assert waiting[1]["submitted_at"] == iso(now - timedelta(hours=2))


def test_none_waiting_is_an_empty_list(world, office):
    assert office.get("/office/overview").get_json()["alerts"]["reports_awaiting_decision"] == []


def overview_statements(office) -> int:
    with count_queries() as seen:
        assert office.get("/office/overview").status_code == 200
    return len(seen)


def test_the_overview_runs_as_many_statements_for_many_waiting_reports_as_for_one(app, office):
    now = clock.now_utc()
    year, quarter = last_quarter(clock.local_today(now))
    submitted(make_team(members=1), year, quarter, now)
    one = overview_statements(office)
    for back in range(1, 6):
        submitted(make_team(members=1), year - back, quarter, now)
    assert overview_statements(office) == one


def test_a_returned_report_waits_to_be_handed_in_again_and_is_not_late(app, january, office):
    """Q4's report handed in after its deadline, then returned: it was handed in, so it is
    no 逾期未交; it has a line of its own until the leader hands it in again."""
    team = make_team(name="第三服务队")
    team_joined_on(team, date(2026, 6, 1))
    handed_in = january - timedelta(days=3)  # the 17th, after the 10th
    submitted(team, 2026, 4, handed_in, deadline=date(2027, 1, 10), stats={"late_submitted": True})
    decision = {"decision": "return", "reason": "请补充走访情况"}
    assert office.post(f"/office/reports/{team.id}/2026-Q4", json=decision).status_code == 200

    body = office.get("/office/overview").get_json()

    (row,) = body["teams"]
    assert (row["report"]["status_name"], row["report"]["owed"]) == ("已退回", True)
    assert body["alerts"]["late_reports"] == []
    assert body["alerts"]["reports_returned"] == [
        {
            "team": {"id": team.id, "name": "第三服务队"},
            "period": "2026-Q4",
            "returned_at": iso(january),
            "reason": "请补充走访情况",
            "late": True,
        }
    ]
    assert body["alerts"]["reports_awaiting_decision"] == []
