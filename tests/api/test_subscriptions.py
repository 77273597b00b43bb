"""POST /me/subscriptions: the mini-program reports wx.requestSubscribeMessage results; each
accept is one subscribe message the sender may send."""

import pytest

from models import SubscriptionGrant, SubscriptionReport
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


def report(me, results, request_id):
    return me.post("/me/subscriptions", json={"results": results, "request_id": request_id})


def test_a_retried_report_counts_once_and_answers_the_same(me):
    """A network retry of one tap: WeChat gave one grant, so one is counted."""
    first = report(me, {T: "accept", "errMsg": "requestSubscribeMessage:ok"}, "sub-1")
    assert first.status_code == 200 and first.get_json()["grants"] == {T: 1}
    retried = report(me, {T: "accept"}, "sub-1")  # errMsg is not part of the results
    assert retried.status_code == 200 and retried.get_json() == first.get_json()
    assert report(me, {T: "accept"}, "sub-2").get_json()["grants"] == {T: 2}
    assert SubscriptionReport.select().count() == 2


def test_the_same_id_with_other_results_is_409_and_adds_nothing(me):
    report(me, {T: "reject"}, "sub-1")
    response = report(me, {T: "accept"}, "sub-1")
    assert response.status_code == 409
    assert response.get_json()["error"] == {
        "code": "request_id_reused",
        "message": "该请求编号已用于另一次订阅结果。",
    }
    assert me.get("/me/subscriptions").get_json()["grants"] == {T: 0}


def test_request_ids_are_each_members_own(app, api, me):
    other = api(make_member(mp_openid="mp-sub-2"))
    report(me, {T: "accept"}, "sub-1")
    assert report(other, {T: "accept"}, "sub-1").get_json()["grants"] == {T: 1}


def test_a_report_without_a_request_id_still_counts(me):
    """An older mini-program version sends none: its reports count as before."""
    for _ in range(2):
        me.post("/me/subscriptions", json={"results": {T: "accept"}})
    assert me.get("/me/subscriptions").get_json()["grants"] == {T: 2}
    assert SubscriptionReport.select().count() == 0


@pytest.mark.parametrize(
    ("request_id", "code"),
    [
        ("", "bad_request_id"),
        ("x" * 65, "bad_request_id"),
        ("编号", "bad_request_id"),
        (7, "bad_field"),
    ],
)
def test_a_bad_request_id_is_400_and_counts_nothing(me, request_id, code):
    response = report(me, {T: "accept"}, request_id)
    assert (response.status_code, response.get_json()["error"]["code"]) == (400, code)
    assert SubscriptionGrant.select().count() == SubscriptionReport.select().count() == 0
