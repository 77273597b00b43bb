"""A location or a photo sent where the chat waits for typed words (the register's questions
after 签退, a visit's notes) answers nothing: the question is asked again, in words, and the
conversation stays; it is never taken as a stray location offering a new check-in."""

from datetime import timedelta

from models import ServiceRecord
from services import clock
from tests import images
from tests.factories import make_record, pair
from tests.wechat.test_chat_support import (
    after,
    chat_direct,
    conversation_state,
    enrolled_activity,
)
from wechat import texts

member, chat = chat_direct("oa-qian", "钱进")


def conversation():
    return conversation_state("oa-qian")


def words_please(question: str) -> str:
    return texts.WORDS_PLEASE.format(question=question)


def checked_out(chat, member):
    """After 签退, with an activity going on close by that a stray location would offer."""
    enrolled_activity(member)
    make_record(member, kind="individual", checkin_at=clock.now_utc() - timedelta(hours=1))
    chat.say("签退")
    assert "服务的对象是谁" in chat.say("跳过")


def here(member):
    community = member.team.community
    return community.lat, community.lng


def test_a_location_at_a_register_question_asks_it_again_in_words(chat, member):
    checked_out(chat, member)
    question = "服务的对象是谁"
    reply = chat.location(*here(member))
    assert reply.startswith(words_please("")) and question in reply
    assert conversation() == "register_fields"
    chat.say("独居老人王大爷")
    assert ServiceRecord.get().target == "独居老人王大爷"


def test_a_photo_at_a_register_question_makes_no_check_in(chat, member):
    checked_out(chat, member)
    chat.location(*here(member))
    reply = chat.photo(images.jpeg(seed=61))
    assert reply.text.startswith(words_please("")) and "服务的对象是谁" in reply.text
    assert ServiceRecord.select().count() == 1
    assert conversation() == "register_fields"


def visit_waiting_for_notes(chat, member):
    pair(member)
    chat.say("走访")
    chat.location(*here(member))
    after(chat.photo(images.jpeg(seed=62), run_after=False))
    assert conversation() == "visit_seen"


def test_a_location_or_photo_at_a_visits_notes_asks_again_in_words(chat, member):
    visit_waiting_for_notes(chat, member)
    assert chat.location(*here(member)) == words_please(texts.VISIT_SEEN_QUESTION)
    again = chat.photo(images.jpeg(seed=63)).text  # the first was used (wechat.chat.last_photo)
    assert again.startswith("本次走访已经用您先发的照片登记好了")
    assert again.endswith("\n" + words_please(texts.VISIT_SEEN_QUESTION))
    assert ServiceRecord.select().count() == 1
    assert "提供了哪些帮助" in chat.say("老两口身体不错")
    assert chat.location(*here(member)) == words_please(texts.VISIT_HELP_QUESTION)
    assert conversation() == "visit_help"
