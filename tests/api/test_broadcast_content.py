"""POST /team/broadcasts passes content security before anything is queued: the local list
always, and WeChat's msgSecCheck (the emulator) for a leader with a mini-program openid."""

import pytest

from models import AuditLog, Broadcast, Member, Notification
from services import broadcast, clock
from services.content_check import REFUSED, REVIEW_ACTION
from services.outbox_delivery import Policy
from tests.factories import make_member, make_team

TESTERS = ["通知 法轮功 测试", "通知 加我微信 wx123 领取免费礼品 http://t.cn/abc"]


@pytest.fixture
def settings_overrides(settings_overrides):
    """Members who follow the Official Account get a notice through its template."""
    return settings_overrides | {"notifications": {"oa_template_id": "tmpl-oa"}}


@pytest.fixture
def team(app):
    team = make_team(members=0)
    leader = team.members.get()
    leader.mp_openid = "mp-leader"
    leader.save()
    for i in range(11):
        make_member(team=team, oa_openid=f"oa-{i}")
    return team


@pytest.fixture
def leader(api, team):
    return api("mp-leader")


def post(client, text, request_id="r-1"):
    return client.post("/team/broadcasts", json={"text": text, "request_id": request_id})


def refused(response):
    body = response.get_json()
    return response.status_code == 400 and body["error"] == {
        "code": "content_refused",
        "message": REFUSED,
    }


@pytest.mark.parametrize("text", TESTERS)
def test_the_testers_notices_are_refused_and_nothing_is_queued(leader, text):
    assert refused(post(leader, text))
    assert Broadcast.select().count() == 0 and Notification.select().count() == 0


def test_a_harmless_notice_goes_to_all_eleven(leader, emulator):
    response = post(leader, "周六上午九点社区集合")
    assert response.status_code == 201 and Notification.select().count() == 11
    (call,) = emulator.calls_to("msg_sec_check")
    assert call.body["version"] == 2 and call.body["openid"] == "mp-leader"
    assert AuditLog.select().where(AuditLog.action == REVIEW_ACTION).count() == 0


def test_a_notice_wechat_finds_risky_is_refused(leader, emulator):
    assert refused(post(leader, "周六集合，代开发票找我"))
    assert len(emulator.calls_to("msg_sec_check")) == 1
    assert Broadcast.select().count() == 0 and Notification.select().count() == 0


def test_a_notice_wechat_sends_to_review_goes_with_an_audit_line(leader, emulator):
    response = post(leader, "周六集合 [review]")
    assert response.status_code == 201 and Notification.select().count() == 11
    line = AuditLog.get(AuditLog.action == REVIEW_ACTION)
    assert line.object_type == "broadcast" and line.object_id == str(response.get_json()["id"])
    assert line.actor.startswith("member:") and line.detail["suggest"] == "review"
    assert line.detail["trace_id"]


def test_a_retry_does_not_ask_wechat_again(leader, emulator):
    assert post(leader, "周六集合").status_code == 201
    assert post(leader, "周六集合").status_code == 200
    assert len(emulator.calls_to("msg_sec_check")) == 1


@pytest.mark.parametrize("outcome", [-1, 45009])
def test_when_wechat_fails_the_local_list_alone_decides(leader, emulator, outcome):
    emulator.inject("msg_sec_check", outcome, times=None)
    assert post(leader, "周六集合 [risky]").status_code == 201  # WeChat would have refused it
    assert refused(post(leader, TESTERS[0], "r-2"))
    assert Notification.select().count() == 11


@pytest.fixture
def quick_timeout(settings_overrides):
    settings_overrides["wechat"] = settings_overrides["wechat"] | {"timeout_seconds": 0.2}


def test_when_wechat_times_out_the_notice_still_goes(quick_timeout, leader, emulator):
    emulator.inject("msg_sec_check", "timeout", times=None)
    assert post(leader, "周六上午九点社区集合").status_code == 201
    assert refused(post(leader, TESTERS[1], "r-2"))
    assert Notification.select().count() == 11


@pytest.fixture
def no_mini_program(settings_overrides):
    unset = {"app_id": "", "app_secret": ""}
    settings_overrides["wechat"] = settings_overrides["wechat"] | {"mini_program": unset}


def test_without_the_mini_program_only_the_local_list_is_asked(
    no_mini_program, app, team, settings, emulator
):
    leader = Member.get(Member.role == "leader")
    policy, now = Policy.from_settings(settings), clock.now_utc()
    screen = app.extensions["content_screen"]()
    assert screen is None
    sent = broadcast.send(leader, "周六集合 [risky]", "k", now, policy, screen=screen)
    assert sent.created and emulator.calls_to("msg_sec_check") == []
