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
