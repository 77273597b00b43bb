"""A member's own service (分散活动) in the chat, through /wechat as deployed
(wechat.chat.individual): keyword or a yes after 「签到」 finds nothing, location, photo (the
API's kind=individual check-in), the three register fields asked right after the result,
and 签退."""

from datetime import timedelta

import pytest

from models import ChatState, ServiceRecord
from services import clock
from tests import images
from tests.factories import make_record
from tests.wechat import oa
from tests.wechat.test_chat_support import NEAR, chat_user, conversation_state
from wechat import texts

member, user = chat_user("oa-shen", "沈阿姨")

ASK_LOCATION = texts.ASK_CHECKIN_LOCATION.format(title=texts.INDIVIDUAL_TITLE)


def checked_in(user, member) -> ServiceRecord:
    """「分散活动」, the location, the photo; the result pushed after the reply."""
    assert user.say("分散活动") == ASK_LOCATION
    place = member.team.community
    assert user.location(place.lat + NEAR, place.lng) == texts.ASK_CHECKIN_PHOTO
    assert oa.reply_text(user.photo(images.jpeg(seed=701))) == texts.CHECKING_PHOTO
    user.settle()
    return ServiceRecord.get()


@pytest.mark.parametrize("word", ["分散活动", "个人服务", "分散服务", "我要登记个人服务"])
def test_the_keywords_ask_for_the_location(user, member, word):
    assert user.say(word) == ASK_LOCATION
    assert conversation_state("oa-shen") == "checkin_location"


def test_an_own_service_checks_in_and_asks_its_fields_right_after(user, member):
    record = checked_in(user, member)
    assert (record.kind, record.activity_id, record.source) == ("individual", None, "chat")
    assert record.checkout_at is None and len(record.photos) == 1
    result = user.pushed()[-1]
    assert f"「{texts.INDIVIDUAL_TITLE}」" in result
    lead = texts.INDIVIDUAL_FIELDS_LEAD.format(question=texts.ASK_REGISTER_TARGET)
    assert result.endswith("\n" + lead)
    assert user.say("社区独居老人") == texts.ASK_REGISTER_CONTENT
    assert user.say("上门代购药品") == texts.ASK_REGISTER_OUTCOME
    assert user.say("送药到三户老人家中") == texts.REGISTER_SAVED_OPEN
    record = ServiceRecord.get()
    assert (record.target, record.content, record.outcome) == (
        "社区独居老人",
        "上门代购药品",
        "送药到三户老人家中",
    )
    assert "签退" in user.say("签退")
    done = user.say("跳过")
    assert f"「{texts.INDIVIDUAL_TITLE}」" in done and "请补充登记" not in done
    assert ServiceRecord.get().checkout_at is not None


def test_fields_skipped_after_the_photo_are_asked_at_check_out(user, member):
    checked_in(user, member)
    assert "签退" in user.say("跳过")
    assert user.say("签退").startswith("签退「个人服务")
    done = user.say("跳过")
    assert done.endswith(texts.REGISTER_LEAD.format(question=texts.ASK_REGISTER_TARGET))
    assert conversation_state("oa-shen") == "register_fields"


def test_check_in_with_no_activity_offers_the_own_service_and_a_yes_starts_it(user, member):
    assert user.say("签到") == texts.NO_ACTIVITY_TODAY
    assert user.say("是") == ASK_LOCATION


def test_an_own_service_still_open_is_said_at_once(user, member):
    make_record(member, kind="individual", checkin_at=clock.now_utc() - timedelta(hours=1))
    assert "签到「个人服务" in user.say("个人服务")
    assert conversation_state("oa-shen") is None


def test_a_photo_first_with_nothing_else_open_may_be_an_own_service_once_confirmed(user, member):
    assert oa.reply_text(user.photo(images.jpeg(seed=702))) == texts.PHOTO_FIRST_OWN
    assert user.say("是") == texts.PHOTO_FIRST_PICKED.format(title=texts.INDIVIDUAL_TITLE)
    place = member.team.community
    reply = user.location(place.lat + NEAR, place.lng)
    assert reply == texts.LOCATION_THEN_PHOTO + texts.CHECKING_PHOTO
    user.settle()
    assert ServiceRecord.get().kind == "individual"


def test_a_late_location_names_the_own_service(user, member):
    user.say("分散活动")
    ChatState.update(expires_at=clock.now_utc() - timedelta(minutes=1)).execute()
    place = member.team.community
    assert "请重新发送「分散活动」" in user.location(place.lat + NEAR, place.lng)
