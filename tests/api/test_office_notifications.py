"""GET /office/notifications: the office sees what reached nobody and what failed, and why."""

from datetime import timedelta

import pytest

from jobs.outbox import drain_outbox
from models import Notification
from services import clock
from services.outbox import Message, enqueue
from tests.factories import make_member, make_team


@pytest.fixture
def settings_overrides(settings_overrides):
    notes = {"oa_template_id": "tmpl-oa", "max_attempts": 1}
    return settings_overrides | {"notifications": notes}


@pytest.fixture
def outcomes(app, emulator):
    """One message skipped (no way to reach the member), one failed (WeChat busy)."""
    team = make_team(name="第一服务队")
    unreachable = make_member(name="王芳", team=team)
    busy = make_member(name="李强", oa_openid="oa-busy")
    now = clock.now_utc()
    enqueue(
        [
            Message(unreachable.id, "visit_reminder", {"title": "走访提醒"}, "v:1"),
            Message(busy.id, "report_reminder", {"title": "报告"}, "r:1"),
        ],
        now - timedelta(minutes=1),
        "off",
    )
    emulator.inject("template_send", -1)
    with app.app_context():
        drain_outbox(now)
    return unreachable, busy


def test_the_office_sees_failed_and_skipped_messages_with_reasons(office, outcomes):
    unreachable, busy = outcomes
    body = office.get("/office/notifications").get_json()
    assert body["total"] == 2
    by_status = {item["status"]: item for item in body["items"]}
    skipped, failed = by_status["skipped"], by_status["failed"]
    assert skipped["member"] == {"id": unreachable.id, "name": "王芳", "team": "第一服务队"}
    assert skipped["kind_name"] == "走访提醒" and skipped["status_name"] == "未送达"
    assert "未绑定" in skipped["reason"] and skipped["attempts"] == 1
    assert failed["member"]["name"] == "李强" and failed["member"]["team"] is None
    assert (failed["channel"], failed["reason"]) == (
        "oa_template",
        "公众号模板消息：微信系统繁忙（-1）",
    )
    only = office.get("/office/notifications?status=failed").get_json()
    assert [i["id"] for i in only["items"]] == [failed["id"]] and only["total"] == 1


def test_pending_and_sent_messages_are_not_listed(office, outcomes):
    Notification.update(status="sent").execute()
    assert office.get("/office/notifications").get_json()["total"] == 0


@pytest.mark.parametrize(
    "query", ["status=pending", "status=x", "limit=0", "limit=201", "offset=-1"]
)
def test_bad_filters_are_a_400(office, app, query):
    assert office.get(f"/office/notifications?{query}").status_code == 400


def test_only_the_office_may_look(api, app):
    member = make_member(mp_openid="mp-m")
    assert api(member).get("/office/notifications").status_code == 403
    assert api().get("/office/notifications").status_code == 401
