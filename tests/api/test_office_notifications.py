"""GET /office/notifications: the office sees what reached nobody and what failed, and why.
GET /office/inbox and POST /office/inbox/{id}/read: the messages addressed to the office."""

from datetime import datetime, timedelta

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
            Message(busy.id, "report_deadline", {"title": "报告"}, "r:1"),
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


def test_an_urgent_notice_is_named_as_its_members_see_it(office, app, emulator):
    """A leader's urgent notice that reached nobody is 紧急通知 in the list, as its title
    reads to members; an ordinary one stays 队长通知."""
    first, second = make_member(name="赵敏"), make_member(name="钱伟")
    enqueue(
        [
            Message(first.id, "broadcast", {"title": "紧急通知"}, "b:1", urgent=True),
            Message(second.id, "broadcast", {"title": "队长通知"}, "b:2"),
        ],
        clock.now_utc() - timedelta(minutes=1),
        "off",
    )
    with app.app_context():
        drain_outbox(clock.now_utc())
    items = office.get("/office/notifications").get_json()["items"]
    names = {i["member"]["name"]: i["kind_name"] for i in items}
    assert names == {"赵敏": "紧急通知", "钱伟": "队长通知"}


def test_pending_and_sent_messages_are_not_listed(office, outcomes):
    Notification.update(status="sent").execute()
    assert office.get("/office/notifications").get_json()["total"] == 0


@pytest.mark.parametrize(
    "query", ["status=pending", "status=x", "limit=0", "limit=201", "offset=-1"]
)
def test_bad_filters_are_a_400(office, app, query):
    response = office.get(f"/office/notifications?{query}")
    assert response.status_code == 400
    name = query.partition("=")[0]
    assert name in response.get_json()["error"]["message"]  # which parameter is wrong


def test_only_the_office_may_look(api, app):
    member = make_member(mp_openid="mp-m")
    assert api(member).get("/office/notifications").status_code == 403
    assert api().get("/office/notifications").status_code == 401


# --- the office's inbox ------------------------------------------------------------------

LATE = {
    "title": "季度报告逾期未交",
    "lines": {"服务队": "第一服务队", "季度": "2026年第3季度", "截止日期": "2026年10月10日"},
}
SPOT_CHECK = {
    "title": "今日抽查",
    "lines": {"抽查日期": "10月12日", "抽取记录": "2 条（10月11日已核验 9 条）"},
    "record_ids": [3, 7],
}
OVERDUE = {
    "body": "第二服务队暂无队长：王芳已 75 天未走访结对家庭。",
    "time": "2026-10-12T01:30:00",
}


@pytest.fixture
def inbox(app):
    """Three messages to the office an hour apart (oldest first), and one to a member."""
    now = clock.now_utc()
    member = make_member(name="赵敏", mp_openid="mp-zhao")
    messages = [
        Message(None, "report_late", LATE, "inbox:late"),
        Message(None, "spot_check", SPOT_CHECK, "inbox:spot"),
        Message(None, "visit_overdue_team", OVERDUE, "inbox:overdue"),
    ]
    for hours, message in zip((3, 2, 1), messages, strict=True):
        enqueue([message], now - timedelta(hours=hours), "off")
    enqueue(
        [Message(member.id, "visit_reminder", {"body": "该走访了"}, "inbox:member")], now, "off"
    )
    keys = ("late", "spot", "overdue", "member")
    return {key: Notification.get(dedupe_key=f"inbox:{key}").id for key in keys} | {"now": now}


def test_the_office_reads_its_inbox_newest_first(office, inbox):
    body = office.get("/office/inbox").get_json()
    assert (body["total"], body["limit"], body["offset"]) == (3, 50, 0)
    overdue, spot, late = body["items"]
    assert [overdue["id"], spot["id"], late["id"]] == [
        inbox["overdue"],
        inbox["spot"],
        inbox["late"],
    ]
    assert (late["kind"], late["kind_name"], late["title"]) == (
        "report_late",
        "季度报告逾期",
        "季度报告逾期未交",
    )
    # Labels in the stored order (models.JSONField stores keys sorted, so not the payload's).
    assert {line["label"]: line["value"] for line in late["lines"]} == LATE["lines"]
    assert late["body"] is None
    created = clock.to_local(inbox["now"] - timedelta(hours=3)).isoformat()
    assert late["created_at"] == late["time"] == created
    assert (late["read"], late["read_at"]) == (False, None)
    assert spot["kind"] == "spot_check" and spot["title"] == "今日抽查"
    assert {"label": "抽查日期", "value": "10月12日"} in spot["lines"]
    assert overdue["title"] == "队员走访逾期" and overdue["lines"] == []
    assert overdue["body"].startswith("第二服务队暂无队长")
    assert overdue["time"] == "2026-10-12T09:30:00+08:00"
    page = office.get("/office/inbox?limit=1&offset=1").get_json()
    assert [i["id"] for i in page["items"]] == [inbox["spot"]] and page["total"] == 3


def test_marking_read_is_idempotent_and_filters_the_unread(office, inbox):
    first = office.post(f"/office/inbox/{inbox['spot']}/read")
    assert first.status_code == 200
    read = first.get_json()
    assert read["id"] == inbox["spot"] and read["read"] is True
    assert datetime.fromisoformat(read["read_at"]) >= datetime.fromisoformat(read["created_at"])
    again = office.post(f"/office/inbox/{inbox['spot']}/read")
    assert again.status_code == 200 and again.get_json() == read
    row = Notification.get_by_id(inbox["spot"])
    assert row.status == "sent" and clock.to_local(row.sent_at).isoformat() == read["read_at"]
    unread = office.get("/office/inbox?unread=true").get_json()
    assert [i["id"] for i in unread["items"]] == [inbox["overdue"], inbox["late"]]
    assert unread["total"] == 2
    everything = office.get("/office/inbox?unread=false").get_json()
    assert everything["total"] == 3
    assert [i["read"] for i in everything["items"]] == [False, True, False]


@pytest.mark.parametrize("which", ["member", 987654, 2**40])
def test_only_the_offices_own_messages_can_be_marked_read(office, inbox, which):
    notification_id = inbox.get(which, which)
    response = office.post(f"/office/inbox/{notification_id}/read")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "notification_not_found"
    assert Notification.get_by_id(inbox["member"]).status == "pending"


def test_members_and_leaders_cannot_see_the_inbox(api, inbox):
    leader = make_team().members.get()
    leader.mp_openid = "mp-leader"
    leader.save()
    for who in (api("mp-zhao"), api(leader)):
        for response in (
            who.get("/office/inbox"),
            who.post(f"/office/inbox/{inbox['late']}/read"),
        ):
            assert response.status_code == 403
            assert set(response.get_json()["error"]) == {"code", "message"}
    assert api().get("/office/inbox").status_code == 401
    assert Notification.get_by_id(inbox["late"]).status == "pending"


@pytest.mark.parametrize(
    "query",
    ["unread=yes", "unread=2", "unread=%00", "limit=0", "limit=201", "limit=x", "offset=-1"],
)
def test_bad_inbox_queries_are_a_400(office, app, query):
    response = office.get(f"/office/inbox?{query}")
    assert response.status_code == 400
    assert set(response.get_json()["error"]) == {"code", "message"}


def test_pages_of_the_inbox_and_of_the_undelivered_reach_the_oldest_each_once(office):
    now = clock.now_utc()
    member = make_member(name="孙磊")
    for n in range(7):  # pairs at the same moment: the order's tie is broken by id
        at = now - timedelta(minutes=n // 2)
        enqueue([Message(None, "report_late", LATE, f"pages:{n}")], at, "off")
        enqueue([Message(member.id, "visit_reminder", {"body": "该走访了"}, f"pm:{n}")], at, "off")
    Notification.update(status="failed", last_error="43101").where(
        Notification.member == member.id
    ).execute()
    order = (Notification.created_at.desc(), Notification.id.desc())
    office_rows = Notification.select().where(Notification.member.is_null(True)).order_by(*order)
    failed = Notification.select().where(Notification.member == member.id).order_by(*order)
    for path, wanted in (("/office/inbox?", office_rows), ("/office/notifications?", failed)):
        for limit in (1, 3, 50):
            items, offset, total = [], 0, None
            while total is None or offset < total:
                page = office.get(f"{path}limit={limit}&offset={offset}").get_json()
                items, offset, total = items + page["items"], offset + limit, page["total"]
            assert [i["id"] for i in items] == [n.id for n in wanted]
