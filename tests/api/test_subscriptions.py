"""POST /me/subscriptions: the mini-program reports wx.requestSubscribeMessage results; each
accept is one subscribe message the sender may send."""

import pytest

from models import SubscriptionGrant
from tests.factories import make_member

T = "tmpl-mp-notice"


@pytest.fixture
def settings_overrides(settings_overrides):
    return settings_overrides | {"notifications": {"mp_template_id": T}}


@pytest.fixture
def me(app, api):
    return api(make_member(mp_openid="mp-sub"))


def test_the_templates_to_ask_for_and_what_is_left(me):
    assert me.get("/me/subscriptions").get_json() == {
        "templates": [T],
        "grants": {T: 0},
        "ignored": [],
    }


def test_each_accept_adds_one_grant(me):
    results = {T: "accept", "errMsg": "requestSubscribeMessage:ok"}
    assert me.post("/me/subscriptions", json={"results": results}).get_json()["grants"] == {T: 1}
    body = me.post("/me/subscriptions", json={"results": {T: "acceptWithAlert"}}).get_json()
    assert body["grants"] == {T: 2}
    for answer in ("reject", "ban", "filter"):
        assert me.post("/me/subscriptions", json={"results": {T: answer}}).get_json()["grants"] == {
            T: 2
        }


def test_templates_we_do_not_use_are_ignored_and_named(me):
    body = me.post("/me/subscriptions", json={"results": {"old-tmpl": "accept"}}).get_json()
    assert body == {"templates": [T], "grants": {T: 0}, "ignored": ["old-tmpl"]}
    assert SubscriptionGrant.select().count() == 0


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {},
        {"results": []},
        {"results": {}},
        {"results": {T: "maybe"}},
        {"results": {T: 1}},
        {"results": {"模板": "accept"}},
    ],
)
def test_bad_reports_are_a_400(me, body):
    response = me.post("/me/subscriptions", json=body)
    assert response.status_code == 400
    assert set(response.get_json()["error"]) == {"code", "message"}


def test_only_a_member_reports_subscriptions(api, office):
    assert api().post("/me/subscriptions", json={"results": {T: "accept"}}).status_code == 401
    assert office.post("/me/subscriptions", json={"results": {T: "accept"}}).status_code == 403
