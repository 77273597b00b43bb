"""The quarterly report API: a leader reads, writes and submits their team's report, the
office reads any team's, everyone else is refused, bad periods get the JSON error shape.

Time is fixed at 10:00 on 5 January 2027 in Shanghai (Q4 2026 just ended, its deadline the
10th) through the clock seam, so tokens, drafts and deadlines all see the same day."""

from datetime import date, datetime, time, timedelta

import pytest

from jobs.reports import quarterly_reports
from models import Account, Member, Notification, QuarterlyReport
from services import auth, clock
from tests.api.conftest import ApiClient
from tests.factories import make_member, make_record, make_team

NOW = clock.to_utc(datetime(2027, 1, 5, 10))
FILLED = {"content": "清理楼道杂物", "target": "3号楼住户", "outcome": "楼道整洁"}
REPORT = "/team/reports/2026-Q4"


def at(day: date, hour: int = 10) -> datetime:
    return clock.to_utc(datetime.combine(day, time(hour)))


@pytest.fixture
def moment(monkeypatch):
    """The current time for the app; tests move it with moment.now = ..."""

    class Moment:
        now = NOW

    monkeypatch.setattr(clock, "now_utc", lambda: Moment.now)
    return Moment


@pytest.fixture
def world(app, client, moment):
    """Team A (leader_a, alice) and team B (leader_b); alice served once in Q4."""
    team_a, team_b = make_team(name="第一服务队"), make_team(name="第二服务队")
    people = {
        "leader_a": team_a.members.where(Member.role == "leader").get(),
        "alice": make_member(name="王丽", team=team_a),
        "leader_b": team_b.members.where(Member.role == "leader").get(),
    }
    start = at(date(2026, 11, 20))
    make_record(
        people["alice"],
        checkin_at=start,
        checkout_at=start + timedelta(minutes=90),
        duration_minutes=90,
        status="verified",
        **FILLED,
    )

    def client_for(role: str) -> ApiClient:
        if role == "anonymous":
            return ApiClient(client)
        if role == "office":
            account = Account.create(
                username="report-office", display_name="办公室", password_hash="-", created_at=NOW
            )
            owner, scope = {"account": account}, "office"
        else:
            openid = f"mp-{role}"
            Member.update(mp_openid=openid).where(Member.id == people[role].id).execute()
            owner, scope = {"member": Member.get_by_id(people[role].id), "openid": openid}, "member"
        token = auth.issue_token(NOW, timedelta(days=30), scope, **owner).token
        return ApiClient(client, token)

    return client_for, team_a, team_b


def put(api, summary, path=REPORT):
    return api.client.put(f"/api/v1{path}", json={"summary": summary}, headers=api._headers())


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


def test_the_leader_opens_the_just_ended_quarter(world):
    client_for, team_a, _ = world
    response = client_for("leader_a").get(REPORT)
    assert response.status_code == 200
    body = response.get_json()
    assert body["period"] == "2026-Q4" and body["team"] == {"id": team_a.id, "name": "第一服务队"}
    assert (body["status"], body["status_name"], body["late"]) == ("draft", "草稿", False)
    assert (body["deadline"], body["editable"], body["stats_live"]) == ("2027-01-10", True, True)
    assert (body["stats"]["services"], body["stats"]["hours"]) == (1, 1.5)
    assert body["submitted_at"] is None and body["submitted_by"] is None
    assert QuarterlyReport.select().count() == 1  # drafted on demand, for this team alone


def test_write_then_submit(world):
    client_for, _, _ = world
    leader = client_for("leader_a")
    refused = leader.post(f"{REPORT}/submit")
    assert (refused.status_code, error_code(refused)) == (400, "summary_required")
    saved = put(leader, "开展环境整治一次，服务群众 30 人次。")
    assert saved.status_code == 200
    assert saved.get_json()["summary"] == "开展环境整治一次，服务群众 30 人次。"
    submitted = leader.post(f"{REPORT}/submit")
    body = submitted.get_json()
    assert submitted.status_code == 200
    assert (body["status"], body["status_name"], body["editable"]) == ("submitted", "已提交", False)
    assert body["submitted_at"] == "2027-01-05T10:00:00+08:00"
    assert body["submitted_by"]["name"] == Member.get_by_id(body["submitted_by"]["id"]).name
    again = leader.post(f"{REPORT}/submit")
    assert again.status_code == 200 and again.get_json() == body
    late_edit = put(leader, "再改一改")
    assert (late_edit.status_code, error_code(late_edit)) == (409, "report_submitted")


def submit(api, body, path=REPORT):
    return api.client.post(f"/api/v1{path}/submit", json=body, headers=api._headers())


def test_the_summary_can_be_sent_with_the_submit(world):
    """One step in the mini-program: the summary it sends is saved and submitted, not
    dropped with a request to write one."""
    client_for, _, _ = world
    leader = client_for("leader_a")
    response = submit(leader, {"summary": " 开展环境整治一次。 "})
    body = response.get_json()
    assert response.status_code == 200, body
    assert (body["status"], body["summary"]) == ("submitted", "开展环境整治一次。")
    assert QuarterlyReport.get().summary == "开展环境整治一次。"
    retried = submit(leader, {"summary": "开展环境整治一次。"})
    assert retried.status_code == 200 and retried.get_json() == body
    changed = submit(leader, {"summary": "另写一份"})
    assert (changed.status_code, error_code(changed)) == (409, "report_submitted")
    assert QuarterlyReport.get().summary == "开展环境整治一次。"


def test_a_submit_refused_saves_nothing_of_its_summary(world):
    client_for, _, _ = world
    leader = client_for("leader_a")
    put(leader, "已写好的小结")
    blank = submit(leader, {"summary": "  "})
    assert (blank.status_code, error_code(blank)) == (400, "summary_required")
    long = submit(leader, {"summary": "字" * 5001})
    assert (long.status_code, error_code(long)) == (400, "summary_too_long")
    report = QuarterlyReport.get()
    assert (report.status, report.summary) == ("draft", "已写好的小结")


@pytest.mark.parametrize(
    "send", [{}, {"json": {}}, {"json": {"summary": None}}], ids=["no body", "{}", "null"]
)
def test_a_submit_without_a_summary_submits_the_saved_one(world, send):
    client_for, _, _ = world
    leader = client_for("leader_a")
    put(leader, "已写好的小结")
    response = leader.post(f"{REPORT}/submit", **send)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["summary"] == "已写好的小结"


@pytest.mark.parametrize(
    ("body", "code"), [({"summry": "小结"}, "unknown_field"), ({"summary": 5}, "bad_field")]
)
def test_a_bad_submit_body_is_400_and_submits_nothing(world, body, code):
    client_for, _, _ = world
    leader = client_for("leader_a")
    put(leader, "已写好的小结")
    response = submit(leader, body)
    assert (response.status_code, error_code(response)) == (400, code)
    assert QuarterlyReport.get().status == "draft"


def test_a_report_submitted_after_the_deadline_says_so(app, world, moment):
    client_for, team_a, _ = world
    leader = client_for("leader_a")
    with clock_at(moment, at(date(2027, 1, 11))):
        with app.app_context():  # the job drafts the missing report and marks it late at once
            assert quarterly_reports(clock.now_utc()) == {"drafted": 2, "reminded": 0, "late": 2}
        body = leader.get(REPORT).get_json()
        assert (body["status"], body["status_name"], body["late"]) == ("late", "逾期未交", True)
        put(leader, "逾期补交。")
        body = leader.post(f"{REPORT}/submit").get_json()
    assert (body["status"], body["status_name"], body["late"]) == ("submitted", "逾期提交", True)
    told = Notification.get(Notification.kind == "report_late")
    assert told.member_id is None and told.payload["lines"]["服务队"] == team_a.name


class clock_at:
    """Move the app's clock for a block."""

    def __init__(self, moment, when):
        self.moment, self.when = moment, when

    def __enter__(self):
        self.before, self.moment.now = self.moment.now, self.when

    def __exit__(self, *exc):
        self.moment.now = self.before


def test_the_running_quarter_is_a_preview_that_cannot_be_written(world):
    client_for, _, _ = world
    leader = client_for("leader_a")
    body = leader.get("/team/reports/2027-Q1").get_json()
    assert (body["id"], body["status"], body["editable"]) == (None, "in_progress", False)
    response = put(leader, "提前写", "/team/reports/2027-Q1")
    assert (response.status_code, error_code(response)) == (409, "quarter_not_ended")


@pytest.mark.parametrize(
    ("period", "status", "code"),
    [
        ("2026-Q5", 400, "bad_period"),
        ("2026-4", 400, "bad_period"),
        ("1999-Q4", 400, "bad_period"),
        ("二〇二六-Q4", 400, "bad_period"),
        ("2027-Q3", 404, "report_not_found"),  # not begun
        ("2026-Q2", 404, "report_not_found"),  # never drafted
    ],
)
def test_bad_and_unknown_periods(world, period, status, code):
    client_for, _, _ = world
    leader = client_for("leader_a")
    for response in (
        leader.get(f"/team/reports/{period}"),
        put(leader, "小结", f"/team/reports/{period}"),
        leader.post(f"/team/reports/{period}/submit"),
    ):
        assert (response.status_code, error_code(response)) == (status, code)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "missing_field"),
        ({"summary": 5}, "bad_field"),
        ({"summary": "字" * 5001}, "summary_too_long"),
        ({"summary": "a\x00b"}, "bad_field"),
    ],
)
def test_bad_summaries(world, body, code):
    client_for, _, _ = world
    leader = client_for("leader_a")
    response = leader.client.put(f"/api/v1{REPORT}", json=body, headers=leader._headers())
    assert (response.status_code, error_code(response)) == (400, code)


def test_who_may_do_what(world):
    client_for, team_a, team_b = world
    alice, leader_b, office = client_for("alice"), client_for("leader_b"), client_for("office")
    for response in (
        alice.get(REPORT),
        put(alice, "我来写"),
        alice.post(f"{REPORT}/submit"),
        leader_b.get(f"{REPORT}?team_id={team_a.id}"),
        put(office, "办公室代写"),
        office.post(f"{REPORT}/submit"),
    ):
        assert response.status_code == 403, response.get_json()
    assert client_for("anonymous").get(REPORT).status_code == 401
    assert leader_b.get(REPORT).get_json()["team"]["id"] == team_b.id
    missing = office.get(REPORT)
    assert (missing.status_code, error_code(missing)) == (400, "missing_field")
    assert office.get(f"{REPORT}?team_id=999999").status_code == 404
    body = office.get(f"{REPORT}?team_id={team_a.id}").get_json()
    assert (body["team"]["id"], body["status"]) == (team_a.id, "draft")


@pytest.mark.parametrize("team_id", ["99999999999999999999", "2147483648", "0", "999999"])
@pytest.mark.parametrize("path", [REPORT, f"{REPORT}/export.xlsx"])
def test_a_team_id_no_team_has_is_404_for_the_report_and_its_file(world, path, team_id):
    client_for, _, _ = world
    response = client_for("office").get(f"{path}?team_id={team_id}")
    assert (response.status_code, error_code(response)) == (404, "team_not_found")
