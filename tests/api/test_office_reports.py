"""The office's decision on a quarterly report over HTTP: accept, return with a reason, the
leader's resubmission, refusals in the JSON shape, retries, and the leader's WeChat message.

Time is fixed at 10:00 on 5 January 2027 in Shanghai (Q4 2026 just ended, its deadline the
10th) through the clock seam, as in test_team_reports."""

from datetime import datetime, timedelta

import pytest

from models import Account, Member, Notification
from services import auth, clock
from services.outbox_delivery import Policy, drain
from tests.api.conftest import ApiClient
from tests.factories import make_member, make_team
from wechat.channels import build_channels
from wechat.client import make_clients

NOW = clock.to_utc(datetime(2027, 1, 5, 10))
REPORT = "/team/reports/2026-Q4"


@pytest.fixture
def settings_overrides(settings_overrides):
    notes = {"oa_template_id": "tmpl-oa", "channels": "oa_template"}
    return settings_overrides | {"notifications": notes, "rules": {"quiet_hours": "off"}}


@pytest.fixture
def world(app, client, monkeypatch):
    """Team A (leader_a with an Official Account openid, alice) and the office; a function
    giving each one's API client, and the path of team A's decision."""
    monkeypatch.setattr(clock, "now_utc", lambda: NOW)
    team = make_team(name="第一服务队")
    leader = team.members.where(Member.role == "leader").get()
    Member.update(oa_openid="oa-leader-a").where(Member.id == leader.id).execute()
    people = {"leader_a": leader, "alice": make_member(name="王丽", team=team)}
    office = Account.create(
        username="review-office", display_name="检查组", password_hash="-", created_at=NOW
    )

    def client_for(role: str) -> ApiClient:
        if role == "office":
            owner, scope = {"account": office}, "office"
        else:
            openid = f"mp-{role}"
            Member.update(mp_openid=openid).where(Member.id == people[role].id).execute()
            owner, scope = {"member": Member.get_by_id(people[role].id), "openid": openid}, "member"
        return ApiClient(client, auth.issue_token(NOW, timedelta(days=1), scope, **owner).token)

    return client_for, f"/office/reports/{team.id}/2026-Q4", office


def submit(leader: ApiClient, summary="开展环境整治一次。"):
    response = leader.post(f"{REPORT}/submit", json={"summary": summary})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def error(response) -> tuple[int, str]:
    body = response.get_json()
    assert set(body["error"]) == {"code", "message"}
    return response.status_code, body["error"]["code"]


def test_the_office_returns_and_the_leader_sees_why(world):
    client_for, path, office_account = world
    leader, office = client_for("leader_a"), client_for("office")
    submit(leader)
    returned = office.post(path, json={"decision": "return", "reason": "请补充走访情况。"})
    assert returned.status_code == 200, returned.get_json()
    body = returned.get_json()
    assert (body["status"], body["status_name"], body["editable"]) == ("returned", "已退回", True)
    assert body["review"] == {
        "decision": "returned",
        "decision_name": "退回",
        "decided_by": {"id": office_account.id, "name": "检查组"},
        "decided_at": "2027-01-05T10:00:00+08:00",
        "return_reason": "请补充走访情况。",
    }
    seen = leader.get(REPORT).get_json()
    assert (seen["status"], seen["review"]["return_reason"]) == ("returned", "请补充走访情况。")
    again = submit(leader, "开展环境整治一次，走访三户。")
    assert (again["status"], again["review"]["decision"]) == ("submitted", "returned")
    accepted = office.post(path, json={"decision": "accept"}).get_json()
    assert (accepted["status"], accepted["status_name"]) == ("accepted", "已通过")
    assert accepted["review"]["decision"] == "accepted" and accepted["editable"] is False


def test_a_draft_is_not_decided_and_a_return_needs_a_reason(world):
    client_for, path, _ = world
    office = client_for("office")
    not_drafted = office.post(path, json={"decision": "accept"})  # the office saw it unsaved
    assert error(not_drafted) == (409, "report_not_submitted")
    client_for("leader_a").get(REPORT)  # the leader's reading drafts it
    draft = office.post(path, json={"decision": "accept"})
    assert error(draft) == (409, "report_not_submitted")
    assert "尚未提交" in draft.get_json()["error"]["message"]
    submit(client_for("leader_a"))
    assert error(office.post(path, json={"decision": "return"})) == (400, "reason_required")
    assert error(office.post(path, json={"decision": "maybe"})) == (400, "bad_decision")
    too_long = office.post(path, json={"decision": "return", "reason": "字" * 301})
    assert error(too_long) == (400, "text_too_long")
    assert error(office.post("/office/reports/1/2026-Q5", json={"decision": "accept"}))[0] == 400


@pytest.mark.parametrize("role", ["leader_a", "alice"])
def test_leaders_and_members_are_refused(world, role):
    client_for, path, _ = world
    submit(client_for("leader_a"))
    refused = client_for(role).post(path, json={"decision": "accept"})
    assert error(refused) == (403, "office_only")
    assert (
        client_for("office").get(f"{REPORT}?team_id={path.split('/')[3]}").get_json()["status"]
        == "submitted"
    )


def test_a_double_tap_answers_again_and_tells_the_leader_once(world, app, emulator):
    client_for, path, _ = world
    submit(client_for("leader_a"))
    office = client_for("office")
    first = office.post(path, json={"decision": "return", "reason": "请补充走访情况。"})
    second = office.post(path, json={"decision": "return", "reason": "请补充走访情况。"})
    assert second.status_code == 200 and second.get_json() == first.get_json()
    other = office.post(path, json={"decision": "return", "reason": "换个说法"})
    assert error(other) == (409, "report_returned")
    settings = app.config["SETTINGS"]
    clients = make_clients(settings)
    try:
        drain(build_channels(clients, settings), NOW, Policy.from_settings(settings))
    finally:
        clients.close()
    [row] = Notification.select().where(Notification.kind == "report_returned")
    assert row.status == "sent", row.last_error
    [call] = emulator.calls_to("template_send")
    values = [field["value"] for field in call.body["data"].values()]
    assert "请补充走访情况。" in values and "已退回：2026年第4季度" in values
