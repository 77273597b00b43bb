"""GET /team/members: the names and ids a leader needs to register attendance for a member
who cannot use the phone, masked phones for the leader, whole for the office."""

from datetime import timedelta

import pytest

from models import Member
from services import clock
from tests.factories import make_member, make_team

ERROR_KEYS = {"code", "message"}


@pytest.fixture
def team(app):
    team = make_team()
    Member.update(mp_openid="mp-members-leader", phone="13800000001").where(
        (Member.team == team) & (Member.role == "leader")
    ).execute()
    make_member(team=team, name="邓丽娟", phone="13800000034")  # not bound: no phone use
    return team


def test_the_leader_gets_the_team_with_masked_phones(api, team):
    response = api("mp-members-leader").get("/team/members")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["team"] == {"id": team.id, "name": team.name} and body["phones_masked"] is True
    leader, member = body["members"]
    assert (leader["role"], leader["role_name"], leader["mp_bound"]) == ("leader", "队长", True)
    assert member == {
        "id": Member.get(name="邓丽娟").id,
        "name": "邓丽娟",
        "role": "member",
        "role_name": "队员",
        "phone": "138****0034",
        "mp_bound": False,
        "oa_bound": False,
    }


def test_the_office_names_the_team_and_sees_whole_phones(office, team):
    body = office.get(f"/team/members?team_id={team.id}").get_json()
    assert body["phones_masked"] is False
    assert [m["phone"] for m in body["members"]] == ["13800000001", "13800000034"]


def test_a_listed_id_is_what_a_registration_takes(api, team):
    leader = api("mp-members-leader")
    unbound = [m for m in leader.get("/team/members").get_json()["members"] if not m["mp_bound"]]
    now = clock.now_utc()
    body = {
        "member_id": unbound[0]["id"],
        "reason": "不会用手机",
        "kind": "individual",
        "checkin_at": clock.to_local(now - timedelta(hours=3)).isoformat(),
        "checkout_at": clock.to_local(now - timedelta(hours=2)).isoformat(),
        "content": "清理楼道",
        "target": "3号楼住户",
        "outcome": "楼道整洁",
    }
    response = leader.post("/records", json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["member"]["name"] == "邓丽娟"


@pytest.mark.parametrize(
    ("who", "query", "status", "code"),
    [
        ("office", "", 400, "missing_field"),
        ("office", "?team_id=999999", 404, "team_not_found"),
        ("office", "?team_id=abc", 400, "bad_field"),
        ("leader", "?team_id={other}", 403, "other_team"),
        ("member", "", 403, "leader_only"),
    ],
)
def test_refusals(api, office, team, who, query, status, code):
    other = make_team()
    make_member(team=team, mp_openid="mp-members-plain")
    client = {
        "office": office,
        "leader": api("mp-members-leader"),
        "member": api("mp-members-plain"),
    }[who]
    response = client.get("/team/members" + query.format(other=other.id))
    assert response.status_code == status, response.get_json()
    assert set(response.get_json()["error"]) == ERROR_KEYS
    assert response.get_json()["error"]["code"] == code
