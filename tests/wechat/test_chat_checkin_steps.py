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
