"""The mini-program learns when check-in opens before a member tries: the activity carries its
window, and a check-in refused as too early says when it opens."""

from datetime import timedelta

import pytest

from models import Enrollment
from services import clock
from tests.api.test_checkins import checkin_form, post_checkin
from tests.factories import make_activity, make_member, make_team


@pytest.fixture
def settings_overrides(settings_overrides):
    window = {"checkin_open_before_min": 45, "checkin_close_after_min": 20}
    return settings_overrides | {"rules": settings_overrides["rules"] | window}


@pytest.fixture
def member(app):
    return make_member(team=make_team(), mp_openid="mp-window")


@pytest.fixture
def later(member):
    """An activity three hours from now, the member enrolled."""
    now = clock.now_utc().replace(microsecond=0)
    activity = make_activity(member.team, starts_at=now + timedelta(hours=3), hours=2)
    Enrollment.create(activity=activity, member=member, created_at=now)
    return activity


def _local(moment) -> str:
    return clock.to_local(moment).isoformat()


def test_the_list_and_the_detail_carry_the_configured_window(api, member, later):
    me = api(member)
    listed = me.get("/activities").get_json()["activities"]
    detail = me.get(f"/activities/{later.id}").get_json()
    expected = {
        "checkin_opens_at": _local(later.starts_at - timedelta(minutes=45)),
        "checkin_closes_at": _local(later.ends_at + timedelta(minutes=20)),
    }
    for body in ([a for a in listed if a["id"] == later.id][0], detail):
        assert {k: body[k] for k in expected} == expected


def test_a_check_in_too_early_says_when_check_in_opens(api, member, later):
    response = post_checkin(api(member), checkin_form(later))
    error = response.get_json()["error"]
    opens = clock.to_local(later.starts_at - timedelta(minutes=45))
    assert (response.status_code, error["code"]) == (409, "checkin_not_open")
    assert f"签到将于 {opens.month}月{opens.day}日 {opens:%H:%M} 开始" in error["message"]


def test_the_document_lists_the_window(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/activities", "/activities/{id}"):
        schema = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        item = schema["properties"]["activities"]["items"] if path == "/activities" else schema
        assert {"checkin_opens_at", "checkin_closes_at"} <= set(item["required"])
