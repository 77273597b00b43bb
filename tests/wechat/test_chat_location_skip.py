"""「不用」, 「不需要」, 「跳过」 at the step asking for the location, through /wechat as deployed.

A check-in or a visit cannot go on without the location (services.checkin takes none
without a position), so the member hears politely why and how to send it, and the step
stays; the check-out, which offers 「跳过」, goes on without one. 「取消」 and the words that
give up the whole thing (「算了」, 「不要了」, 「不了」) still leave."""

from datetime import timedelta

import pytest

from models import ServiceRecord
from services import clock
from tests.factories import make_record, pair
from tests.wechat.test_chat_support import (
    NEAR,
    chat_user,
    conversation_state,
    enrolled_activity,
)
from wechat import texts

NO_NEED = ["不用", "不需要", "跳过", "不用了，谢谢", "不需要了", "没必要", "不必了", "用不着"]


member, user = chat_user("oa-sun", "孙立")


def conversation():
    return conversation_state("oa-sun")


@pytest.mark.parametrize("text", NO_NEED)
def test_no_need_at_a_check_ins_location_says_why_and_how_and_keeps_the_step(user, member, text):
    activity = enrolled_activity(member)
    assert "请发送您的当前位置" in user.say("签到")
    reply = user.say(text)
    assert reply == texts.CHECKIN_NEEDS_LOCATION
    assert "「+」" in reply and "「位置」" in reply and "「取消」" in reply
    assert conversation() == "checkin_location"
    assert "佩戴党徽" in user.location(activity.lat + NEAR, activity.lng)  # it goes on
    assert ServiceRecord.select().count() == 0


@pytest.mark.parametrize("text", NO_NEED)
def test_no_need_at_a_visits_location_says_why_and_how_and_keeps_the_step(user, member, text):
    pair(member)
    assert "走访结对家庭" in user.say("走访")
    assert user.say(text) == texts.VISIT_NEEDS_LOCATION
    assert conversation() == "checkin_location"
    assert user.location(34.7466, 113.6253) == texts.ASK_VISIT_PHOTO


@pytest.mark.parametrize("text", ["取消", "算了", "不要了", "不要", "不了"])
def test_giving_up_the_check_in_still_leaves_it(user, member, text):
    enrolled_activity(member)
    user.say("签到")
    assert user.say(text) == texts.CANCELLED
    assert conversation() is None


@pytest.mark.parametrize("text", ["不需要", "没必要", "不用了，谢谢"])
def test_no_need_at_the_check_outs_location_checks_out_without_one(user, member, text):
    make_record(member, checkin_at=clock.now_utc() - timedelta(hours=1))
    assert "跳过" in user.say("签退")
    assert "签退成功" in user.say(text)
    record = ServiceRecord.get()
    assert record.checkout_at is not None and record.checkout_lat is None
