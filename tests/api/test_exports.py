"""The Excel downloads over HTTP: the headers a browser and Excel need, the workbook opened
again with openpyxl (Shanghai time, hours, Chinese status and flags), masking for a leader
against the office, the list's filters, a team, and refusals in the JSON error shape.

Time is fixed at 10:00 on 5 January 2027 in Shanghai through the clock seam (Q4 2026 has just
ended), so tokens, report drafts and file names all see the same day."""

import io
from datetime import date, datetime, time, timedelta
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from models import Account, Member, ServiceRecord
from services import auth, clock, register_export
from tests.api.conftest import ApiClient
from tests.factories import make_activity, make_household, make_member, make_record, make_team, pair

NOW = clock.to_utc(datetime(2027, 1, 5, 10))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILLED = {"content": "清理楼道杂物", "target": "3号楼住户", "outcome": "楼道整洁"}
VISIT = {"content": "看望王建华老人，电话13712345678", "target": "王建华", "outcome": "已送药"}


def at(day: date, hour: int = 10) -> datetime:
    return clock.to_utc(datetime.combine(day, time(hour)))


@pytest.fixture
def world(app, client, monkeypatch):
    """Team A (leader_a, alice with a household) and team B (leader_b, carol). alice: an
    activity (flagged, 90 minutes, 20 November) and a visit (1 December); carol: one entry."""
    monkeypatch.setattr(clock, "now_utc", lambda: NOW)
    team_a, team_b = make_team(name="第一服务队"), make_team(name="第二服务队")
    people = {
        "leader_a": team_a.members.where(Member.role == "leader").get(),
        "alice": make_member(name="王丽", team=team_a),
        "leader_b": team_b.members.where(Member.role == "leader").get(),
        "carol": make_member(name="陈静", team=team_b),
    }
    household = make_household(community=team_a.community, head_name="王建华")
    pair(people["alice"], household)
    start = at(date(2026, 11, 20), 9)
    flagged = make_record(
        people["alice"],
        make_activity(team_a, starts_at=start, title="楼道清理"),
        checkin_at=start,
        checkout_at=start + timedelta(minutes=90),
        duration_minutes=90,
        status="flagged",
        flags=["out_of_range"],
        **FILLED,
    )
    visited = {"kind": "visit", "household": household, **VISIT}
    visit = make_record(people["alice"], checkin_at=at(date(2026, 12, 1)), **visited)
    other = make_record(people["carol"], checkin_at=at(date(2026, 12, 2)), status="verified")
    entries = {"flagged": flagged.id, "visit": visit.id, "other": other.id}

    clients: dict[str, ApiClient] = {}

    def client_for(role: str) -> ApiClient:
        if role not in clients:
            clients[role] = login(role)
        return clients[role]

    def login(role: str) -> ApiClient:
        if role == "anonymous":
            return ApiClient(client)
        if role == "office":
            fields = {"username": "export-office", "display_name": "办公室", "password_hash": "-"}
            owner, scope = {"account": Account.create(**fields, created_at=NOW)}, "office"
        else:
            openid = f"mp-{role}"
            Member.update(mp_openid=openid).where(Member.id == people[role].id).execute()
            owner, scope = {"member": Member.get_by_id(people[role].id), "openid": openid}, "member"
        token = auth.issue_token(NOW, timedelta(hours=1), scope, **owner).token
        return ApiClient(client, token)

    return client_for, team_a, team_b, entries


def rows_of(response, sheet="登记记录") -> dict[int, dict]:
    """The workbook's rows by the entry's 编号 (or by position for other sheets)."""
    assert response.status_code == 200, response.get_json()
    book = load_workbook(io.BytesIO(response.data))
    header = [c.value for c in book[sheet][1]]
    rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in book[sheet].iter_rows(2)]
    return {row.get("编号", n): row for n, row in enumerate(rows)}


def file_name(response) -> str:
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    return unquote(disposition.split("filename*=UTF-8''", 1)[1])


def test_the_office_downloads_the_register(world):
    client_for, _, _, entries = world
    response = client_for("office").get("/records/export.xlsx?from=2026-10-01&to=2026-12-31")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert response.headers["Cache-Control"] == "private, no-store"
    assert 'filename="register.xlsx"' in response.headers["Content-Disposition"]
    assert file_name(response) == "登记簿_全部服务队_2026-10-01至2026-12-31.xlsx"
    rows = rows_of(response)
    assert list(rows) == [entries["flagged"], entries["visit"], entries["other"]]
    row = rows[entries["flagged"]]
    assert row["队伍"] == "第一服务队" and row["党员"] == "王丽"
    assert row["签到时间"] == datetime(2026, 11, 20, 9, 0)
    assert row["签退时间"] == datetime(2026, 11, 20, 10, 30)
    assert row["时长（小时）"] == 1.5
    assert row["状态"] == "待队长审核" and row["异常原因"] == "位置不在服务地点范围内"
    visit = rows[entries["visit"]]
    assert visit["活动/对象"] == "结对家庭 王建华户" and visit["服务内容"] == VISIT["content"]


def test_a_leader_gets_the_team_with_the_resident_masked(world):
    client_for, team_a, team_b, entries = world
    leader = client_for("leader_a")
    rows = rows_of(leader.get("/records/export.xlsx"))
    assert list(rows) == [entries["flagged"], entries["visit"]]
    visit = rows[entries["visit"]]
    assert visit["活动/对象"] == "结对家庭 王**户"
    assert visit["服务内容"] == "看望王**老人，电话137****5678" and visit["服务对象"] == "王**"
    assert rows_of(leader.get(f"/records/export.xlsx?team_id={team_a.id}"))
    refused = leader.get(f"/records/export.xlsx?team_id={team_b.id}")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "record_scope"


def test_a_leader_gets_a_phone_typed_in_full_width_digits_masked(world):
    client_for, _, _, entries = world
    typed = "李大爷一个人住，儿子电话１３６５５５５１２３４"
    ServiceRecord.update(content=typed).where(ServiceRecord.id == entries["visit"]).execute()
    visit = rows_of(client_for("leader_a").get("/records/export.xlsx"))[entries["visit"]]
    assert visit["服务内容"] == "李大爷一个人住，儿子电话１３６****１２３４"
    whole = rows_of(client_for("office").get("/records/export.xlsx"))[entries["visit"]]
    assert whole["服务内容"] == typed


def test_a_member_gets_only_their_own(world):
    client_for, _, _, entries = world
    response = client_for("alice").get("/records/export.xlsx")
    assert list(rows_of(response)) == [entries["flagged"], entries["visit"]]
    assert file_name(response) == "登记簿_王丽_截至2027-01-05.xlsx"
    assert list(rows_of(client_for("carol").get("/records/export.xlsx"))) == [entries["other"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=flagged", ["flagged"]),
        ("kind=visit", ["visit"]),
        ("from=2026-12-01", ["visit", "other"]),
        ("to=2026-11-30", ["flagged"]),
        ("team_id={team_b}", ["other"]),
        ("member_id={alice}&kind=activity", ["flagged"]),
    ],
)
def test_the_lists_filters_and_a_team(world, query, expected):
    client_for, _, team_b, entries = world
    alice = Member.get(Member.name == "王丽").id
    path = "/records/export.xlsx?" + query.format(team_b=team_b.id, alice=alice)
    assert list(rows_of(client_for("office").get(path))) == [entries[k] for k in expected]


@pytest.mark.parametrize(
    ("role", "query", "status", "code"),
    [
        ("anonymous", "", 401, "login_required"),
        ("office", "from=2026-13-01", 400, "bad_date"),
        ("office", "status=done", 400, "bad_filter"),
        ("office", "team_id=9999", 404, "team_not_found"),
        ("office", "mine=true", 403, "member_only"),
        ("office", "member_id=9999", 404, "member_not_found"),
        ("leader_b", "member_id=9999", 404, "member_not_found"),
        ("carol", "member_id=9999", 403, "record_scope"),  # a member may not probe for ids
        ("leader_b", "member_id={alice}", 403, "record_scope"),
        ("carol", "team_id={team_a}", 403, "record_scope"),
    ],
)
def test_refusals_keep_the_json_error_shape(world, role, query, status, code):
    client_for, team_a, _, _ = world
    alice = Member.get(Member.name == "王丽").id
    response = client_for(role).get(
        "/records/export.xlsx?" + query.format(team_a=team_a.id, alice=alice)
    )
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == code
    assert response.get_json()["error"]["message"]


def test_too_many_rows_is_a_clear_400(world, monkeypatch):
    client_for, *_ = world
    monkeypatch.setattr(register_export, "EXPORT_MAX_ROWS", 2)
    response = client_for("office").get("/records/export.xlsx")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "export_too_large" and "3 条" in error["message"]
    assert rows_of(client_for("office").get("/records/export.xlsx?kind=visit"))


def test_the_leader_downloads_the_quarterly_report(world):
    client_for, _, _, _ = world
    response = client_for("leader_a").get("/team/reports/2026-Q4/export.xlsx")
    assert response.mimetype == XLSX and response.headers["Cache-Control"] == "private, no-store"
    assert file_name(response) == "季度报告_第一服务队_2026年第4季度.xlsx"
    json = client_for("leader_a").get("/team/reports/2026-Q4").get_json()
    summary = {row["项目"]: row["内容"] for row in rows_of(response, "概况").values()}
    assert summary["服务时长（小时）"] == json["stats"]["hours"] == 1.5
    assert summary["报告状态"] == json["status_name"] == "草稿"
    members = {row["姓名"]: row for row in rows_of(response, "队员明细").values()}
    assert members["王丽"]["服务次数"] == 1 and members["王丽"]["走访次数"] == 1


@pytest.mark.parametrize(
    ("role", "query", "status", "code"),
    [
        ("office", "", 400, "missing_field"),
        ("leader_b", "?team_id={team_a}", 403, "other_team"),
        ("alice", "", 403, "leader_only"),
        ("anonymous", "", 401, "login_required"),
    ],
)
def test_report_refusals(world, role, query, status, code):
    client_for, team_a, _, _ = world
    path = "/team/reports/2026-Q4/export.xlsx" + query.format(team_a=team_a.id)
    response = client_for(role).get(path)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_the_office_downloads_any_teams_report(world):
    client_for, _, team_b, _ = world
    response = client_for("office").get(f"/team/reports/2026-Q4/export.xlsx?team_id={team_b.id}")
    summary = {row["项目"]: row["内容"] for row in rows_of(response, "概况").values()}
    assert summary["服务队"] == "第二服务队"
    bad = client_for("office").get("/team/reports/2026-Q9/export.xlsx?team_id=1")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_period"
