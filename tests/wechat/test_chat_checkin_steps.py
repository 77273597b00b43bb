"""Check-in and check-out as a new user goes through them: 「签到」 once checked in, a location
refused, a photo the service cannot read or sent before the location, a location sent
instead of a number."""

from datetime import timedelta

import pytest

from models import ServiceRecord
from services import clock
from tests import images
from tests.factories import make_member, make_record, make_team
from tests.wechat.test_chat_support import NEAR, Chat, enrolled_activity
from wechat import texts
from wechat.chat import common, state


@pytest.fixture
def member(app):
    with app.app_context():
        yield make_member(team=make_team(), oa_openid="oa-zhao", name="赵敏")


@pytest.fixture
def chat(member, emulator):
    return Chat("oa-zhao", emulator)


def conversation():
    live = state.current("oa-zhao", clock.now_utc())
    return live.state if live else None


def checked_in(chat, activity, seed: int):
    chat.say("签到")
    chat.location(activity.lat + NEAR, activity.lng)
    chat.photo(images.jpeg(seed=seed))
    return ServiceRecord.get()


@pytest.mark.parametrize("text", ["签到", "我签到了吗"])
def test_checking_in_again_says_when_and_to_what(chat, member, text):
    activity = enrolled_activity(member, title="义诊")
    record = checked_in(chat, activity, seed=201)
    at = common.local_time(record.checkin_at)
    assert chat.say(text) == texts.ALREADY_CHECKED_IN.format(time=at, title="义诊")
    assert conversation() is None and ServiceRecord.select().count() == 1


def test_checking_in_again_offers_another_activity_still_open(chat, member):
    first = enrolled_activity(member, title="义诊")
    enrolled_activity(member, title="法律咨询")
    make_record(member, first, checkin_at=clock.now_utc() - timedelta(minutes=5))
    reply = chat.say("签到")
    assert "签到「法律咨询」" in reply and "义诊" not in reply
    assert conversation() == "checkin_location"


def test_an_open_check_in_of_another_day_names_its_date(chat, member):
    yesterday = clock.now_utc() - timedelta(days=1)
    make_record(member, kind="individual", checkin_at=yesterday)
    reply = chat.say("签到")
    assert common.local_time(yesterday, "%m-%d %H:%M") in reply and "个人服务" in reply


def test_with_nothing_checked_in_the_member_still_hears_how_to_enrol(chat, member):
    assert chat.say("签到") == texts.NO_ACTIVITY_TODAY


@pytest.mark.parametrize("text", ["不发位置了", "位置不发了", "发不了位置", "没有定位"])
def test_refusing_the_location_at_check_out_checks_out_without_one(chat, member, text):
    make_record(member, checkin_at=clock.now_utc() - timedelta(hours=1))
    chat.say("签退")
    reply = chat.say(text)
    assert "签退成功" in reply and "服务的对象是谁" in reply
    record = ServiceRecord.get()
    assert record.checkout_at is not None and record.checkout_lat is None
    assert conversation() == "register_fields"


@pytest.mark.parametrize("text", ["不发位置了", "发不了位置"])
def test_refusing_the_location_at_check_in_says_why_it_is_needed(chat, member, text):
    activity = enrolled_activity(member)
    chat.say("签到")
    assert chat.say(text) == texts.CHECKIN_NEEDS_LOCATION
    assert conversation() == "checkin_location"  # still waiting for the location
    assert "佩戴党徽" in chat.location(activity.lat + NEAR, activity.lng)


def test_refusing_the_location_of_a_visit_says_why_it_is_needed(chat, member):
    from tests.factories import pair

    pair(member)
    chat.say("走访")
    assert chat.say("不发位置了") == texts.VISIT_NEEDS_LOCATION
    assert conversation() == "checkin_location"


def test_outside_a_location_step_the_words_are_no_refusal(chat, member):
    assert chat.say("不发位置了") == texts.NOT_UNDERSTOOD  # never a guess at 「不要了」 (取消)
    assert ServiceRecord.select().count() == 0
