"""Leaders in the chat: broadcasts (preview, confirm, queued), flagged check-ins, reports."""

from datetime import date, timedelta

import pytest

from models import Broadcast, Member, Notification, QuarterlyReport
from services import broadcast, clock
from tests.factories import make_member, make_record, make_team
from tests.wechat import oa
from tests.wechat.test_chat_support import Chat


@pytest.fixture
def team(app):
    with app.app_context():
        team = make_team(members=3)
        Member.update(oa_openid="oa-leader").where(Member.role == "leader").execute()
        yield team


@pytest.fixture
def leader(team):
    return Member.get(Member.role == "leader")


@pytest.fixture
def chat(team, emulator):
    return Chat("oa-leader", emulator)


def test_the_confirmation_mentions_the_quiet_hours_when_there_are_some(settings_overrides, request):
    settings_overrides["rules"] = {"quiet_hours": "22:00-07:30"}
    chat = request.getfixturevalue("chat")
    chat.say("通知 明天集合")
    assert "免打扰时段（22:00-07:30）" in chat.say("确认")


def test_a_broadcast_is_previewed_confirmed_and_queued(chat, leader, team):
    make_member(team=team, active=False)
    make_member(team=make_team())  # another team hears nothing
    preview = chat.push("text", content="通知：周六上午九点社区集合", msg_id=555).text
    assert "3 名队员" in preview and "周六上午九点社区集合" in preview and "确认" in preview
    assert Notification.select().count() == 0
    reply = chat.say("确认")
    assert "发送队列" in reply and "3 名队员" in reply and "免打扰" not in reply  # quiet hours off
    sent = Broadcast.get()
    assert (sent.request_key, sent.sender_id, sent.text) == (
        "chat:555",
        leader.id,
        "周六上午九点社区集合",
    )
    rows = list(Notification.select().order_by(Notification.member))
    members = [
        m.id
        for m in Member.select().where(
            (Member.team == team) & (Member.role == "member") & Member.active
        )
    ]
    assert [n.member_id for n in rows] == sorted(members)
    for n in rows:
        assert (n.kind, n.broadcast_id, n.status) == ("broadcast", sent.id, "pending")
        assert n.payload == {
            "title": "队长通知",
            "body": "周六上午九点社区集合",
            "sender": leader.name,
            "page": f"pages/notice/index?id={sent.id}",
        }
    assert "没有需要确认" in chat.say("确认")


def test_a_notice_goes_out_exactly_as_the_leader_typed_it(client, leader, team):
    typed = "【重要】“七一”主题党日活动（周六上午９点），请准时参加🎉"
    preview = oa.reply_text(oa.push(client, oa.text("oa-leader", f"通知 {typed}")))
    assert typed in preview.splitlines()
    assert "发送队列" in oa.reply_text(oa.push(client, oa.text("oa-leader", "确认")))
    assert Broadcast.get().text == typed
    assert {n.payload["body"] for n in Notification.select()} == {typed}


def test_the_same_notice_message_confirmed_twice_is_queued_once(chat, leader):
    for _ in range(2):
        chat.push("text", content="通知 明天集合", msg_id=777)
        assert "发送队列" in chat.say("确认")
    assert Broadcast.select().count() == 1 and Notification.select().count() == 3


def test_the_chat_and_the_api_share_one_service(chat, leader):
    chat.push("text", content="通知 明天集合", msg_id=778)
    chat.say("确认")
    again = broadcast.send(leader, "明天集合", "chat:778", clock.now_utc(), "off")
    assert not again.created and again.recipients == 3


def test_a_cancelled_broadcast_records_nothing(chat):
    chat.say("通知 明天集合")
    assert "已取消" in chat.say("取消")
    assert "没有需要确认" in chat.say("确认")
    assert Notification.select().count() == 0


def test_a_broadcast_needs_text_within_the_limit(chat):
    assert "请发送「通知 内容」" in chat.say("通知")
    assert "过长" in chat.say("通知 " + "长" * 501)


def test_pending_lists_the_teams_flagged_check_ins(chat, team):
    alice = Member.get((Member.team == team) & (Member.role == "member"))
    make_record(alice, status="flagged", flags=["out_of_range", "photo_reused"])
    make_record(make_member(team=make_team()), status="flagged", flags=["out_of_range"])
    text = chat.say("待审")
    assert "共 1 条" in text and alice.name in text
    assert "位置不在服务地点范围内；照片曾被使用过" in text and "小程序" in text


def test_pending_when_nothing_waits(chat):
    assert "没有待审核" in chat.say("待审核")


def test_long_pending_lists_fit_within_the_limit(chat, team):
    alice = Member.get((Member.team == team) & (Member.role == "member"))
    now = clock.now_utc()
    for n in range(60):
        make_record(
            alice,
            checkin_at=now - timedelta(minutes=n),
            status="flagged",
            flags=["out_of_range", "photo_similar", "exif_time_off", "impossible_travel"],
        )
    text = chat.say("待审")
    assert len(text.encode()) <= 2000 and "共 60 条" in text and "小程序" in text


def test_report_status(chat, team):
    year, quarter = clock.quarter_of(clock.local_today())
    assert "季度结束后自动起草" in chat.say("报告")
    last_year, last_quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    QuarterlyReport.create(
        team=team,
        year=last_year,
        quarter=last_quarter,
        status="late",
        deadline=date(year, 1, 10),
        updated_at=clock.now_utc(),
    )
    text = chat.say("季度报告")
    assert f"{last_year}年第{last_quarter}季度报告：已逾期" in text and "自动起草" in text
    QuarterlyReport.create(
        team=team,
        year=year,
        quarter=quarter,
        status="submitted",
        deadline=date(year, 12, 31),
        updated_at=clock.now_utc(),
    )
    text = chat.say("报告")
    assert f"{year}年第{quarter}季度报告：已上报" in text and "自动起草" not in text
