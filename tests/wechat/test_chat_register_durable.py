"""The register's questions after 签退 write each answer as it is given: a member who pauses
longer than the conversation lives (wechat.chat.state.TIMEOUT) loses nothing typed."""

from datetime import timedelta

import pytest

from models import Account, ChatState, RecordHistory, ServiceRecord
from services import clock, review
from services.actors import Actor
from tests.factories import NOW, QUIET, RULES, make_record
from tests.wechat.test_chat_support import chat_direct
from wechat import texts

member, chat = chat_direct("oa-sun2", "孙立")


def checked_out(chat, member):
    make_record(member, kind="individual", checkin_at=clock.now_utc() - timedelta(hours=1))
    chat.say("签退")
    assert "服务的对象是谁" in chat.say("跳过")


def fields():
    record = ServiceRecord.get()
    return record.target, record.content, record.outcome


def fills():
    return RecordHistory.select().where(RecordHistory.action == "fill").count()


def test_each_answer_is_in_the_entry_as_soon_as_it_is_given(chat, member):
    checked_out(chat, member)
    chat.say("独居老人王大爷")
    assert fields() == ("独居老人王大爷", "", "") and fills() == 1
    chat.say("上门代购降压药")
    assert fields() == ("独居老人王大爷", "上门代购降压药", "") and fills() == 2
    assert chat.say("老人按时服药") == texts.REGISTER_SAVED
    assert fields() == ("独居老人王大爷", "上门代购降压药", "老人按时服药")
    assert fills() == 3  # one history line per answer


def test_answers_outlive_the_conversation_timing_out(chat, member):
    checked_out(chat, member)
    chat.say("独居老人王大爷")
    chat.say("上门代购降压药")
    ChatState.update(expires_at=clock.now_utc() - timedelta(seconds=1)).execute()
    late = chat.say("老人按时服药")  # the late answer is still written: typed once only
    assert late == texts.REGISTER_SAVED
    assert fields() == ("独居老人王大爷", "上门代购降压药", "老人按时服药")


def test_skipping_after_answers_writes_nothing_more(chat, member):
    checked_out(chat, member)
    chat.say("独居老人王大爷")
    reply = chat.say("跳过")
    assert reply == texts.REGISTER_SKIPPED.format(
        fields="服务内容、取得的成效", opening=texts.REGISTER_SKIPPED_OPENING
    )
    assert fields() == ("独居老人王大爷", "", "") and fills() == 1


def test_cancelling_after_answers_keeps_them_and_writes_nothing_more(chat, member):
    checked_out(chat, member)
    chat.say("独居老人王大爷")
    reply = chat.say("取消")
    assert reply.startswith(texts.REGISTER_LEFT_OPENING) and "服务对象" not in reply
    assert fields() == ("独居老人王大爷", "", "") and fills() == 1
    assert ChatState.get().state == ""


def test_an_answer_to_an_entry_rejected_meanwhile_leaves_the_questions(chat, member):
    checked_out(chat, member)
    ServiceRecord.update(status="rejected").execute()  # a leader rejected it meanwhile
    assert chat.say("独居老人王大爷") == texts.REGISTER_REJECTED.format(who="队长")
    assert ChatState.get().state == "" and fills() == 0


@pytest.mark.parametrize("text", ["跳过", "取消"])
def test_leaving_an_entry_rejected_meanwhile_never_claims_it_saved(chat, member, text):
    checked_out(chat, member)
    chat.say("独居老人王大爷")
    ServiceRecord.update(status="rejected").execute()
    assert chat.say(text) == texts.REGISTER_REJECTED.format(who="队长")
    assert ChatState.get().state == ""


def office_rejects() -> None:
    """The office rejects the entry through its correction, as the dashboard does."""
    account = Account.create(
        username="office-chat", display_name="办公室", password_hash="-", created_at=NOW
    )
    review.correct(
        Actor(account=account),
        ServiceRecord.get().id,
        clock.now_utc(),
        reason="本人不在现场",
        quiet_hours=QUIET,
        rules=RULES,
        status="rejected",
    )


@pytest.mark.parametrize("text", ["独居老人王大爷", "跳过", "取消"])
def test_an_entry_the_office_rejected_meanwhile_sends_the_member_to_the_office(chat, member, text):
    """Only the office can change its rejection, so the member is not sent to the leader."""
    checked_out(chat, member)
    office_rejects()
    reply = chat.say(text)
    assert reply == texts.REGISTER_REJECTED.format(who="办公室")
    assert reply == (
        "这条服务记录已被办公室退回（未通过审核），不能再填写，本次登记已结束。"
        "如有疑问或需要重新登记，请联系办公室。"
    )
    assert ChatState.get().state == "" and fills() == 0


@pytest.mark.parametrize("text", ["在吗", "您好", "Hi"])
def test_a_bare_greeting_is_no_answer(chat, member, text):
    checked_out(chat, member)
    assert chat.say(text) == texts.GREETING_IN_ANSWER.format(question=texts.ASK_REGISTER_TARGET)
    assert fields() == ("", "", "") and ChatState.get().state == "register_fields"


def test_not_working_words_may_be_a_true_answer(chat, member):
    checked_out(chat, member)
    chat.say("独居老人王大爷")
    chat.say("上门看望")
    assert chat.say("不行") == texts.REGISTER_SAVED
    assert fields() == ("独居老人王大爷", "上门看望", "不行")
