"""A leader's 「通知」 in the chat passes the same content security as the API's, at the preview
and again at 「确认」: the same refusal, nothing queued."""

import pytest

from models import AuditLog, Broadcast, Member, Notification
from services.content_check import REFUSED, REVIEW_ACTION
from tests.factories import make_team
from tests.wechat.test_chat_leader import TEMPLATES
from tests.wechat.test_chat_support import Chat

TESTERS = ["通知 法轮功 测试", "通知 加我微信 wx123 领取免费礼品 http://t.cn/abc"]


@pytest.fixture
def settings_overrides(settings_overrides):
    return settings_overrides | {"notifications": dict(TEMPLATES)}


@pytest.fixture
def chat(app, emulator):
    with app.app_context():
        team = make_team(members=3)
        values = {"oa_openid": "oa-leader", "mp_openid": "mp-leader"}
        Member.update(**values).where(Member.role == "leader").execute()
        for member in team.members.where(Member.role == "member"):
            Member.update(oa_openid=f"oa-{member.id}").where(Member.id == member.id).execute()
        yield Chat("oa-leader", emulator)


def nothing_queued() -> bool:
    return Broadcast.select().count() == 0 and Notification.select().count() == 0


@pytest.mark.parametrize("text", TESTERS)
def test_the_testers_notices_are_refused_at_the_preview(chat, text):
    reply = chat.say(text)
    assert REFUSED in reply and "法轮功" not in reply and "t.cn" not in reply
    assert "当前没有待确认的通知" in chat.say("确认") and nothing_queued()


def test_a_notice_written_apart_is_refused_too(chat):
    chat.say("通知")
    assert REFUSED in chat.say("法 轮 功 测试")
    assert nothing_queued()


def test_a_harmless_notice_still_goes(chat):
    chat.say("通知 周六上午九点社区集合")
    assert "发送队列" in chat.say("确认")
    assert Notification.select().count() == 3


def test_a_notice_wechat_finds_risky_is_refused(chat, emulator):
    assert REFUSED in chat.say("通知 周六集合 [risky]")
    assert emulator.calls_to("msg_sec_check") and nothing_queued()


def test_a_notice_found_risky_only_at_the_confirmation_is_not_sent(chat, emulator):
    emulator.inject("msg_sec_check", -1)  # down at the preview, back at 「确认」
    assert "确认" in chat.say("通知 周六集合 [risky]")
    assert REFUSED in chat.say("确认")
    assert len(emulator.calls_to("msg_sec_check")) == 2 and nothing_queued()


def test_a_notice_sent_to_review_goes_with_an_audit_line(chat):
    chat.say("通知 周六集合 [review]")
    assert "发送队列" in chat.say("确认")
    line = AuditLog.get(AuditLog.action == REVIEW_ACTION)
    assert line.object_id == str(Broadcast.get().id)


def test_when_wechat_is_down_the_local_list_alone_decides(chat, emulator):
    emulator.inject("msg_sec_check", -1, times=None)
    assert REFUSED in chat.say(TESTERS[0])
    chat.say("通知 周六集合 [risky]")
    assert "发送队列" in chat.say("确认")
    assert Notification.select().count() == 3
