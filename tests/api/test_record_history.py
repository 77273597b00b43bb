"""A register entry's history over the API: every action the code writes is in the document's
enum with its name, and each line says in which role its actor acted."""

from datetime import timedelta

import pytest

from services import clock, history
from services.checkin_closing import close_open_checkins
from tests.register_world import build_world, checked_in


@pytest.fixture
def world(app):
    return build_world(with_openids=True)


def _history_schema(client) -> dict:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    detail = paths["/records/{record_id}"]["get"]["responses"]["200"]["content"]
    return detail["application/json"]["schema"]["properties"]["history"]["items"]["properties"]


def test_the_documented_actions_are_the_ones_the_history_lists(client):
    assert _history_schema(client)["action"]["enum"] == list(history.ACTIONS)


def test_a_line_written_by_the_closing_job_is_documented_and_named(client, api, world):
    entry = checked_in(world.alice, at=clock.now_utc() - timedelta(hours=13), minutes=None)
    close_open_checkins(clock.now_utc())
    line = api(world.alice).get(f"/records/{entry.id}").get_json()["history"][-1]
    assert (line["action"], line["action_name"]) == ("auto_checkout", "系统自动签退")
    assert line["action"] in _history_schema(client)["action"]["enum"]
    assert line["actor_role"] == "system"


def _roles(client, record_id) -> list[tuple[str, str]]:
    lines = client.get(f"/records/{record_id}").get_json()["history"]
    return [(line["action"], line["actor_role"]) for line in lines]


def test_a_leaders_registration_and_reviews_are_the_leaders(api, office, world):
    leader = api(world.leader_a)
    end = clock.now_utc() - timedelta(hours=2)
    registration = {
        "member_id": world.alice.id,
        "reason": "老人不会用智能手机",
        "kind": "individual",
        "checkin_at": (end - timedelta(hours=2)).isoformat() + "Z",
        "checkout_at": end.isoformat() + "Z",
    }
    registered = leader.post("/records", json=registration).get_json()
    leader.patch(f"/records/{registered['id']}", json={"outcome": "帮老人交了电费"})
    office.post(f"/records/{registered['id']}/review", json={"decision": "verify"})
    assert _roles(api(world.alice), registered["id"]) == [
        ("register", "leader"),
        ("fill", "leader"),
        ("review", "office"),
    ]
    flagged = checked_in(world.alice, status="flagged", flags=["out_of_range"])
    leader.post(f"/records/{flagged.id}/review", json={"decision": "verify", "comment": "在现场"})
    assert _roles(leader, flagged.id)[-1] == ("review", "leader")


def test_a_leader_on_their_own_entry_acts_as_a_member(api, world):
    own = checked_in(world.leader_a)
    assert _roles(api(world.leader_a), own.id) == [("checkin", "member"), ("checkout", "member")]


def test_every_role_shown_is_documented(client):
    assert _history_schema(client)["actor_role"]["enum"] == ["member", "leader", "office", "system"]
