"""A second location while a check-in or visit is under way, through /wechat as deployed:
it is answered within what is going on, never as if nothing were (「发送「签到」…开始登记」).
At the photo step it replaces the first (same request: one entry); with a check-in still
open it says so and to check out; with a visit open no activity's check-in is offered."""

from datetime import timedelta

import pytest

from models import ServiceRecord
from services import clock
from tests import images
from tests.factories import make_record, pair
from tests.wechat.test_chat_support import (
    NEAR,
    chat_user,
    conversation_state,
    enrolled_activity,
)
from wechat import texts

HOME = (34.7466, 113.6253)


member, user = chat_user("oa-han", "韩梅")


def test_a_second_location_at_a_check_ins_photo_step_replaces_the_first(user, member):
    activity = enrolled_activity(member, title="义诊")
    user.say("签到")
    assert user.location(activity.lat + 0.01, activity.lng) == texts.ASK_CHECKIN_PHOTO
    again = user.location(activity.lat + NEAR, activity.lng)
    assert again == "已更新您的位置。请拍一张佩戴党徽的服务现场照片发送。"
    assert conversation_state("oa-han") == "checkin_photo"
    user.photo(images.jpeg(seed=701))
    user.settle()
    record = ServiceRecord.get()
    assert record.checkin_lat == pytest.approx(activity.lat + NEAR)  # the second one
    assert "out_of_range" not in record.flags


def test_a_second_location_at_a_visits_photo_step_asks_for_the_visits_photo(user, member):
    pair(member)
    user.say("走访")
    user.location(*HOME)
    assert user.location(*HOME) == "已更新您的位置。请拍一张走访现场照片发送。"
    user.photo(images.jpeg(seed=702))
    user.settle()
    assert ServiceRecord.get().kind == "visit" and ServiceRecord.select().count() == 1


def test_a_location_with_a_check_in_still_open_says_so(user, member):
    activity = enrolled_activity(member, title="义诊")
    make_record(member, activity, checkin_at=clock.now_utc() - timedelta(minutes=5))
    reply = user.location(activity.lat + 0.05, activity.lng)  # near nothing
    assert reply == "已收到您的位置。您在「义诊」的签到还没有签退，离开时请发送「签退」。"


def test_a_location_during_an_open_visit_offers_no_activitys_check_in(user, member):
    activity = enrolled_activity(member, title="义诊")
    home = pair(member).household
    make_record(member, kind="visit", household=home, checkin_at=clock.now_utc())
    reply = user.location(activity.lat + NEAR, activity.lng)  # by the activity
    assert reply == "已收到您的位置。您在「结对家庭走访」的签到还没有签退，离开时请发送「签退」。"
    assert conversation_state("oa-han") is None
