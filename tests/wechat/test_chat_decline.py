"""「不了」 ("no, thanks") in the chat: at a step that defines no it means that step's no (the
check-out's location step checks out without one, a notice previewed is not sent); at any
other step it leaves the conversation as 「取消」 does; at a free-text step it is a refusal
that keeps what was answered; with nothing open it is only acknowledged."""

from datetime import timedelta

import pytest

from models import Enrollment, Member, Notification, ServiceRecord
from services import clock
from tests import images
from tests.factories import make_activity, make_record, pair
from tests.wechat import oa
from tests.wechat.test_chat_support import (
    NEAR,
    Chat,
    after,
    chat_direct,
    conversation_state,
    enrolled_activity,
)
from wechat import smalltalk, texts

NO = ["不了", "不了，谢谢", "不用了吧", "不必了"]
IDLE = texts.SMALLTALK_DECLINE + texts.SMALLTALK_IDLE


member, chat = chat_direct("oa-zhou", "周平")


def conversation(openid="oa-zhou"):
    return conversation_state(openid)


@pytest.mark.parametrize("text", NO)
def test_no_is_a_decline_and_never_a_guess_at_cancel(text):
    assert smalltalk.kind(text) == smalltalk.DECLINE


@pytest.mark.parametrize("text", NO)
def test_no_with_nothing_open_is_only_acknowledged(chat, text):
    assert chat.say(text) == IDLE
    assert conversation() is None


def check_in_list(chat, member):
    now = clock.now_utc()
    for title in ("义诊", "普法宣传"):
        activity = make_activity(member.team, starts_at=now - timedelta(minutes=5), title=title)
        Enrollment.create(activity=activity, member=member, created_at=now)
    assert "今天可签到的活动" in chat.say("签到")


def check_in_location(chat, member):
    enrolled_activity(member)
    assert "请发送您的当前位置" in chat.say("签到")


def nearby_offer(chat, member):
    activity = enrolled_activity(member)
    assert "如需签到" in chat.location(activity.lat + NEAR, activity.lng)


def check_out_list(chat, member):
    for minutes in (60, 90):
        make_record(member, checkin_at=clock.now_utc() - timedelta(minutes=minutes))
    assert "未签退的服务" in chat.say("签退")


def activity_list(chat, member):
    activity = make_activity(member.team, starts_at=clock.now_utc() + timedelta(days=1))
    Enrollment.create(activity=activity, member=member, created_at=clock.now_utc())
    assert "近期活动" in chat.say("活动")


@pytest.mark.parametrize(
    "opened", [check_in_list, check_in_location, nearby_offer, check_out_list, activity_list]
)
@pytest.mark.parametrize("text", ["不了", "不了，谢谢"])
def test_no_elsewhere_leaves_the_conversation_as_cancel_does(chat, member, opened, text):
    opened(chat, member)
    enrolled = Enrollment.select().count()
    assert chat.say(text) == texts.CANCELLED
    assert conversation() is None
    assert ServiceRecord.select().where(ServiceRecord.checkout_at.is_null(False)).count() == 0
    assert Enrollment.select().count() == enrolled  # nothing withdrawn either


def test_no_photo_after_leaving_a_nearby_offer_checks_in(chat, member):
    nearby_offer(chat, member)
    chat.say("不了")
    kept = chat.photo(images.jpeg(seed=61)).text  # kept for a check-in started afresh
    assert "请再发送您的当前位置" in kept
    assert ServiceRecord.select().count() == 0


@pytest.mark.parametrize("text", ["不了", "不了吧", "不用了"])
def test_no_to_the_check_outs_location_checks_out_without_one(chat, member, text):
    """The step asks for the location 「或回复「跳过」直接签退」: no location is its no."""
    make_record(member, checkin_at=clock.now_utc() - timedelta(hours=1))
    assert "跳过" in chat.say("签退")
    assert "签退成功" in chat.say(text)
    record = ServiceRecord.get()
    assert record.checkout_at is not None and record.checkout_lat is None


@pytest.fixture
def leader_chat(member, emulator):
    """A leader whose team has a member WeChat can reach (within the 48-hour window)."""
    leader = Member.get(Member.role == "leader")
    Member.update(oa_openid="oa-leader").where(Member.id == leader.id).execute()
    Member.update(last_interaction_at=clock.now_utc()).where(Member.id == member.id).execute()
    return Chat("oa-leader", emulator)


@pytest.mark.parametrize("text", ["不了", "不用了", "不发了"])
def test_no_to_a_notice_preview_sends_nothing(leader_chat, text):
    assert "回复「确认」发送" in leader_chat.say("通知 明天上午九点集合")
    assert leader_chat.say(text) == texts.CANCELLED
    assert conversation("oa-leader") is None
    assert "没有待确认的通知" in leader_chat.say("确认")
    assert Notification.select().count() == 0


def test_no_at_a_register_question_keeps_the_answers_given(chat, member):
    make_record(member, checkin_at=clock.now_utc() - timedelta(hours=1), status="verified")
    chat.say("签退")
    assert "服务的对象是谁" in chat.say("跳过")
    assert "做了哪些服务" in chat.say("社区独居老人")
    assert "稍后发送「补登」" in chat.say("不了")
    assert conversation() is None
    record = ServiceRecord.get()
    assert (record.target, record.content) == ("社区独居老人", "")


def test_no_at_a_visits_note_leaves_it_for_later(chat, member):
    pair(member)
    chat.say("走访")
    chat.location(34.7466, 113.6253)
    after(chat.photo(images.jpeg(seed=62), run_after=False))
    assert chat.say("不了") == texts.VISIT_NOTES_LATER
    assert conversation() is None
    assert ServiceRecord.get().content == ""


def test_no_through_the_endpoint(client, member):
    enrolled_activity(member)

    def say(text):
        return oa.reply_text(oa.push(client, oa.text("oa-zhou", text)))

    assert say("不了") == IDLE
    assert "请发送您的当前位置" in say("签到")
    assert say("不了") == texts.CANCELLED
    assert say("不了") == IDLE
