"""GET /team/members: the names and ids a leader needs to register attendance for a member
who cannot use the phone, masked phones for the leader, whole for the office."""

from datetime import timedelta

import pytest

from models import Member
from services import clock, spells
from tests.factories import make_member, make_record, make_team

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
        "active": True,
    }


def test_the_office_names_the_team_and_sees_whole_phones(office, team):
    body = office.get(f"/team/members?team_id={team.id}").get_json()
    assert body["phones_masked"] is False
    assert [m["phone"] for m in body["members"]] == ["13800000001", "13800000034"]


def test_with_left_those_who_left_with_entries_follow_the_current_ones(api, office, team):
    """The register's 党员 filter finds a member who left; every other picker (a leader's
    registration, an assignment) asks without with_left and sees only current members."""
    gone = make_member(team=team, name="许志刚", phone="13800000055")
    quiet = make_member(team=team, name="周平", phone="13800000066")  # left with no entry
    make_record(gone)
    for member in (gone, quiet):
        spells.leave(member.id, clock.local_today())
    asked = [
        (office, f"?team_id={team.id}&with_left=true"),
        (api("mp-members-leader"), "?with_left=true"),
    ]
    for client, query in asked:
        members = client.get("/team/members" + query).get_json()["members"]
        shown = [(m["name"], m["active"]) for m in members]
        assert shown[-1] == ("许志刚", False) and all(active for _, active in shown[:-1])
        assert "周平" not in {name for name, _ in shown}
    for query in (f"?team_id={team.id}", f"?team_id={team.id}&with_left=false"):
        members = office.get("/team/members" + query).get_json()["members"]
        assert [m["name"] for m in members if m["name"] == "许志刚"] == []
        assert all(m["active"] for m in members)
    refused = office.get(f"/team/members?team_id={team.id}&with_left=yes")
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "bad_field"


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
