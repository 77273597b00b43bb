"""A lone number (「1」, 「第2条」) sent to a question taking the member's own words is no answer:
nobody served 「1」. Sent right after 「签退」 was refused at a register question, it picks from
the list of open check-ins that check-out showed, as the member means; otherwise the question
is asked again, and nothing is written."""

from datetime import timedelta

import pytest

from models import ServiceRecord
from services import clock
from tests import images
from tests.factories import make_household, make_record, pair
from tests.wechat.test_chat_support import (
    NEAR,
    chat_direct,
    conversation_state,
    enrolled_activity,
)
from wechat import texts

member, chat = chat_direct("oa-lone", "柳阿姨")


@pytest.fixture
def two_open(member):
    """A visit checked in 90 minutes ago, then an activity an hour ago: 签退 lists both."""
    now = clock.now_utc()
    visit = make_record(member, kind="visit", checkin_at=now - timedelta(minutes=90))
    activity = enrolled_activity(member, title="义诊")
    make_record(member, activity, checkin_at=now - timedelta(hours=1))
    return visit


def _second_checked_out(chat) -> None:
    listed = chat.say("签退")
    assert f"1. {texts.VISIT_TITLE}" in listed and "2. 义诊" in listed
    chat.say("2")
    asked = chat.say("跳过")
    assert asked.endswith(texts.REGISTER_LEAD.format(question=texts.ASK_REGISTER_TARGET))


def test_a_number_after_checkout_refused_checks_out_that_entry_of_the_list(chat, two_open):
    _second_checked_out(chat)
    refused = chat.say("签退")
    reply = chat.say("1")
    assert reply.endswith(texts.ASK_CHECKOUT_LOCATION.format(title=texts.VISIT_TITLE))
    assert "补登" in reply
    done = ServiceRecord.get(ServiceRecord.kind == "activity")
    assert done.target == "" and done.checkout_at is not None
    assert ServiceRecord.get_by_id(two_open.id).checkout_at is None
    assert "签退成功" in chat.say("跳过")
    assert ServiceRecord.get_by_id(two_open.id).checkout_at is not None
    hint = texts.CHECKOUT_IN_ANSWER.format(word="签退", question=texts.ASK_REGISTER_TARGET)
    assert refused == hint


@pytest.mark.parametrize("number", ["2", "第2条"])
def test_the_entry_already_checked_out_is_said_so_and_the_question_stays(chat, two_open, number):
    _second_checked_out(chat)
    chat.say("签退")
    reply = chat.say(number)
    assert "义诊" in reply and reply.endswith(texts.ASK_REGISTER_TARGET)
    assert ServiceRecord.get(ServiceRecord.kind == "activity").target == ""
    assert conversation_state("oa-lone") == "register_fields"


@pytest.mark.parametrize("number", ["1", "2", "第1个", "３", "第三条", "12"])
def test_a_lone_number_without_a_command_refused_is_asked_again(chat, two_open, number):
    _second_checked_out(chat)
    reply = chat.say(number)
    assert ServiceRecord.get(ServiceRecord.kind == "activity").target == ""
    assert reply == texts.NUMBER_IN_ANSWER.format(word=number, question=texts.ASK_REGISTER_TARGET)
    assert ServiceRecord.get_by_id(two_open.id).checkout_at is None


def test_an_answer_after_the_refusal_ends_what_a_number_would_pick(chat, two_open):
    _second_checked_out(chat)
    chat.say("签退")
    assert chat.say("社区老年居民") == texts.ASK_REGISTER_OUTCOME
    reply = chat.say("1")
    assert ServiceRecord.get(ServiceRecord.kind == "activity").outcome == ""
    assert reply == texts.NUMBER_IN_ANSWER.format(word="1", question=texts.ASK_REGISTER_OUTCOME)
    assert ServiceRecord.get_by_id(two_open.id).checkout_at is None


def test_a_number_with_words_is_an_answer(chat, two_open):
    _second_checked_out(chat)
    chat.say("签退")
    assert chat.say("20位老人") == texts.ASK_REGISTER_OUTCOME
    assert ServiceRecord.get(ServiceRecord.kind == "activity").target == "20位老人"


def test_a_number_at_a_visit_note_is_asked_again(chat, member):
    """A visit's notes take the member's words too."""
    home = make_household(member.team.community, head_name="王秀英", lat=34.7466, lng=113.6253)
    pair(member, home)
    chat.say("走访")
    chat.location(home.lat + NEAR, home.lng)
    chat.photo(images.jpeg(seed=931))
    reply = chat.say("1")
    assert ServiceRecord.get().content == ""
    assert reply == texts.NUMBER_IN_ANSWER.format(word="1", question=texts.VISIT_SEEN_QUESTION)


def test_a_number_after_checkin_refused_at_an_own_service_question_is_asked_again(chat, member):
    """The tester's second case: 分散活动, its 服务对象 asked, 签到 refused, then 「1」."""
    chat.say("分散活动")
    place = member.team.community
    chat.location(place.lat + NEAR, place.lng)
    chat.photo(images.jpeg(seed=932))
    assert chat.pushed()[-1].endswith(texts.ASK_REGISTER_TARGET)
    assert "没有当作这一项的回答" in chat.say("签到")
    reply = chat.say("1")
    assert ServiceRecord.get().target == ""
    assert reply == texts.NUMBER_IN_ANSWER.format(word="1", question=texts.ASK_REGISTER_TARGET)


def test_with_the_rest_of_the_list_checked_out_the_refusal_offers_no_number(chat, two_open):
    _second_checked_out(chat)
    ServiceRecord.update(checkout_at=clock.now_utc()).where(
        ServiceRecord.id == two_open.id
    ).execute()  # checked out meanwhile, in the mini-program
    refused = chat.say("签退")
    assert refused == texts.COMMAND_IN_ANSWER.format(
        word="签退", question=texts.ASK_REGISTER_TARGET
    )
    reply = chat.say("1")
    assert reply == texts.NUMBER_IN_ANSWER.format(word="1", question=texts.ASK_REGISTER_TARGET)
    assert conversation_state("oa-lone") == "register_fields"
