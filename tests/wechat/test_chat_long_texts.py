"""Longer sentences that end in a keyword (wechat.asking): a remark such as
「大家记得准时到场签到」 runs nothing, never replaces an open conversation, and a negation in
it (「…就不报名了」) is never done; a real question about what is shown (「…还有什么活动」)
still shows it when nothing is open."""

from datetime import timedelta

import pytest

from models import Enrollment, Member, Notification, ServiceRecord
from services import clock
from tests import images
from tests.factories import make_activity, make_record
from tests.wechat.test_chat_support import NEAR, Chat, after, chat_direct, enrolled_activity
from wechat import texts
from wechat.chat import state

member, chat = chat_direct("oa-sun", "孙丽")


@pytest.fixture
def leader_chat(app, emulator, member):
    leader = Member.get(Member.role == "leader")
    Member.update(oa_openid="oa-lead").where(Member.id == leader.id).execute()
    Member.update(last_interaction_at=clock.now_utc()).where(Member.id == member.id).execute()
    return Chat("oa-lead", emulator)


def conversation(openid="oa-sun"):
    return state.current(openid, clock.now_utc())


def test_a_correction_ending_in_a_keyword_keeps_the_notice_preview(leader_chat, member):
    enrolled_activity(member)
    leader_chat.say("通知 明天八点集合")
    reply = leader_chat.say("不对，时间改成九点，大家记得准时到场签到")
    assert reply == texts.CONFIRM_OR_CANCEL
    assert conversation("oa-lead").state == "broadcast_confirm"
    assert Notification.select().count() == 0


def test_a_question_during_a_check_in_keeps_the_photo_it_holds(chat, member):
    activity = enrolled_activity(member)
    make_activity(member.team, starts_at=clock.now_utc() + timedelta(days=1), title="讲座")
    chat.say("签到")
    chat.photo(images.jpeg(seed=301))
    reply = chat.say("我已经在现场了，请问今天下午还有什么活动")
    assert reply == texts.ASK_LOCATION_AGAIN
    assert "photo" in conversation().data and conversation().state == "checkin_location"
    located = chat.push("location", lat=activity.lat + NEAR, lng=activity.lng, label="")
    assert located.text.startswith(texts.LOCATION_THEN_PHOTO)
    after(located)
    assert ServiceRecord.get().activity_id == activity.id


@pytest.mark.parametrize(
    "text", ["今天下雨了活动取消了吗还要不要签到", "这次活动大家辛苦了，请记得签退"]
)
def test_a_sentence_ending_in_check_in_or_out_runs_neither(chat, member, text):
    enrolled_activity(member)
    make_record(member, checkin_at=clock.now_utc() - timedelta(hours=1))
    assert chat.say(text) == texts.NOT_UNDERSTOOD
    assert conversation() is None
    assert ServiceRecord.get().checkout_at is None


def test_a_question_about_activities_still_lists_them(chat, member):
    make_activity(member.team, starts_at=clock.now_utc() + timedelta(minutes=1), title="讲座")
    assert "讲座" in chat.say("我已经在现场了，请问今天下午还有什么活动")


def test_a_long_refusal_of_enrolment_enrols_nowhere(chat, member):
    make_activity(member.team, starts_at=clock.now_utc() + timedelta(days=1), title="讲座")
    assert chat.say("队长我家里有事，明天的活动就不报名了") == texts.WITHDRAW_HOW
    chat.say("活动")
    reply = chat.say("队长我家里有事，明天的活动就不报名了")
    assert reply == texts.LISTED_NOT_UNDERSTOOD and conversation().state == "activities"
    assert Enrollment.select().count() == 0
