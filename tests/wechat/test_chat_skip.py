"""Skip words and refusals at the questions that take the member's own words (a visit's
notes, the register's questions after 签退): never written into the register, they leave the
question for later as 「跳过」 does; a real answer merely containing them is kept as typed."""

from datetime import timedelta

import pytest

from models import ServiceRecord
from services import clock
from services.records import counts_toward_hours
from tests import images
from tests.factories import make_household, make_member, make_record, make_team, pair
from tests.wechat.test_chat_support import NEAR, Chat, after, conversation_state
from wechat import answers, texts

HOME = (34.7466, 113.6253)
NO_ANSWERS = [
    "跳过",
    "不用了",
    "算了",
    "算了吧",
    "不用了吧",
    "不要了",
    "略",
    "那就算了😊",
    "不用了，谢谢！",
    " 算了吧。",
    "稍后再填",
]


@pytest.fixture
def member(app):
    with app.app_context():
        member = make_member(team=make_team(), oa_openid="oa-sam")
        home = make_household(member.team.community, head_name="王秀英", lat=HOME[0], lng=HOME[1])
        pair(member, home)
        yield member


@pytest.fixture
def chat(member, emulator):
    return Chat("oa-sam", emulator)


def conversation():
    return conversation_state("oa-sam")


def individual_service(member, minutes_ago=60):
    at = clock.now_utc() - timedelta(minutes=minutes_ago)
    return make_record(member, kind="individual", checkin_at=at, status="verified")


def checked_out(chat, member, minutes_ago=60) -> None:
    """An individual service checked out without a location: its register questions wait."""
    individual_service(member, minutes_ago)
    chat.say("签退")
    assert "服务的对象是谁" in chat.say("不用了")  # the location step's own skip word
    assert conversation() == "register_fields"


def texts_of(record) -> tuple[str, str, str]:
    return record.target, record.content, record.outcome


@pytest.mark.parametrize(
    "text",
    [*NO_ANSWERS, "无", "没有", "老人说不用了，家里都有", "算了吧这次就送了米", "不要紧"],
)
def test_only_a_bare_skip_word_or_refusal_is_no_answer(text):
    expected = text in NO_ANSWERS
    assert answers.is_no_answer(text) is expected


@pytest.mark.parametrize("text", NO_ANSWERS)
def test_a_register_question_skipped_or_refused_stores_nothing(chat, member, text):
    checked_out(chat, member)
    reply = chat.say(text)
    assert reply == texts.REGISTER_SKIPPED.format(
        fields="服务对象、服务内容、取得的成效", opening=texts.REGISTER_SKIPPED_OPENING
    )
    assert conversation() is None
    assert texts_of(ServiceRecord.get()) == ("", "", "")


@pytest.mark.parametrize("text", ["不用了", "算了吧", "跳过"])
def test_answers_given_before_a_refusal_are_kept(chat, member, text):
    checked_out(chat, member)
    chat.say("独居老人王大爷")
    assert "补充服务内容、取得的成效" in chat.say(text)
    assert texts_of(ServiceRecord.get()) == ("独居老人王大爷", "", "")


def test_the_testers_check_out_stores_no_refusal(chat, member):
    """签退 -> 不用了 -> 不用了 -> 算了吧: the first checks out, the second leaves the questions,
    the third finds nothing left to leave."""
    checked_out(chat, member)
    assert "稍后" in chat.say("不用了")
    assert chat.say("算了吧") == texts.NOTHING_TO_CANCEL
    record = ServiceRecord.get()
    assert record.checkout_at is not None and texts_of(record) == ("", "", "")
    assert not counts_toward_hours(record)


@pytest.mark.parametrize("outcome", ["老人说不用了，家里都有", "没有", "无"])
def test_real_answers_containing_such_words_are_kept_as_typed(chat, member, outcome):
    checked_out(chat, member)
    chat.say("独居老人王大爷")
    chat.say("上门看望")
    assert chat.say(outcome) == texts.REGISTER_SAVED
    assert texts_of(ServiceRecord.get()) == ("独居老人王大爷", "上门看望", outcome)


@pytest.mark.parametrize("text", ["取消", "取消吧", "我要取消", "退出"])
def test_cancel_leaves_the_register_questions_keeping_the_answers_given(chat, member, text):
    """The check-out is done: 取消 undoes nothing, and what was answered stays, as with
    「跳过」; the member hears which questions are left and where to fill them in."""
    checked_out(chat, member)
    assert "做了哪些服务" in chat.say("独居老人王大爷")
    reply = chat.say(text)
    assert reply == texts.REGISTER_SKIPPED.format(
        fields="服务内容、取得的成效", opening=texts.REGISTER_LEFT_OPENING
    )
    assert conversation() is None
    record = ServiceRecord.get()
    assert texts_of(record) == ("独居老人王大爷", "", "")
    assert record.checkout_at is not None
    assert chat.say("取消") == texts.NOTHING_TO_CANCEL


def test_cancel_before_any_answer_leaves_the_register_questions_all_to_fill(chat, member):
    checked_out(chat, member)
    reply = chat.say("取消")
    assert reply.startswith(texts.REGISTER_LEFT_EMPTY_OPENING)
    assert "补充服务对象、服务内容、取得的成效" in reply
    assert texts_of(ServiceRecord.get()) == ("", "", "")


def test_cancel_at_the_last_register_question_keeps_both_answers(client, member, emulator):
    from tests.wechat import oa

    def say(text):
        return oa.reply_text(oa.push(client, oa.text("oa-sam", text)))

    individual_service(member)
    say("签退")
    say("跳过")
    say("独居老人王大爷")
    assert "取得了什么成效" in say("上门代购药品")
    assert "补充取得的成效" in say("取消")
    assert texts_of(ServiceRecord.get()) == ("独居老人王大爷", "上门代购药品", "")


def test_cancel_at_a_visits_help_keeps_what_was_seen(chat, member):
    visit_waiting_for_notes(chat)
    assert "提供了哪些帮助" in chat.say("老人身体尚好")
    assert chat.say("取消") == texts.VISIT_NOTES_LEFT
    assert conversation() is None
    assert ServiceRecord.get().content == "入户走访：老人身体尚好"


def test_bare_suanle_still_cancels_a_step_that_is_not_free_text(chat, member):
    individual_service(member)
    chat.say("签退")
    assert chat.say("算了") == texts.CANCELLED
    assert ServiceRecord.get().checkout_at is None


def visit_waiting_for_notes(chat, run_after=True):
    chat.say("走访")
    chat.location(HOME[0] + NEAR, HOME[1])
    reply = chat.photo(images.jpeg(seed=71), run_after=run_after)
    assert "「跳过」" in reply.text  # the visit's questions say how to skip them
    assert conversation() == "visit_seen"
    return reply


@pytest.mark.parametrize("text", ["跳过", "不用了", "算了吧"])
def test_a_visits_notes_skipped_leave_the_visit_registered_without_them(chat, text):
    visit_waiting_for_notes(chat)
    assert chat.say(text) == texts.VISIT_NOTES_LATER
    assert conversation() is None
    record = ServiceRecord.get()
    assert record.kind == "visit" and (record.content, record.outcome) == ("", "")


def test_the_testers_visit_stores_no_skip_word(chat):
    visit_waiting_for_notes(chat)
    assert chat.say("跳过") == texts.VISIT_NOTES_LATER
    chat.say("不用了")
    record = ServiceRecord.get()
    assert (record.content, record.outcome) == ("", "")


@pytest.mark.parametrize("text", ["跳过", "不用了吧", "算了"])
def test_what_was_seen_is_kept_when_the_help_is_skipped(chat, text):
    visit_waiting_for_notes(chat)
    assert "「跳过」" in chat.say("老人独自居住，身体尚好")
    assert chat.say(text) == texts.VISIT_NOTES_LATER
    record = ServiceRecord.get()
    assert (record.content, record.outcome) == ("入户走访：老人独自居住，身体尚好", "")


def test_skipped_visit_notes_are_asked_again_at_check_out(chat):
    visit_waiting_for_notes(chat)
    chat.say("跳过")
    chat.say("签退")
    assert "看到的家庭情况" in chat.say("跳过")  # the location skipped: the notes asked
    chat.say("家中一切正常")
    assert "计入您的服务时长" in chat.say("没有")  # "none" is an answer
    record = ServiceRecord.get()
    assert (record.content, record.outcome) == ("入户走访：家中一切正常", "没有")
    assert counts_toward_hours(record)


def test_a_visit_skipped_while_its_photo_is_checked_waits_for_the_check(chat):
    first = visit_waiting_for_notes(chat, run_after=False)
    assert chat.say("跳过") == texts.VISIT_NOT_READY
    assert conversation() == "visit_seen"
    after(first)
    assert chat.say("跳过") == texts.VISIT_NOTES_LATER
    assert ServiceRecord.get().content == ""


def test_a_command_word_in_a_visit_note_repeats_the_question(chat):
    visit_waiting_for_notes(chat)
    hint = chat.say("签退")
    assert "「签退」没有当作这一项的回答" in hint and hint.endswith(texts.VISIT_SEEN_QUESTION)
    chat.say("家中一切正常")
    assert chat.say("活动").endswith(texts.VISIT_HELP_QUESTION)
    assert conversation() == "visit_help"


def test_a_command_word_in_a_register_answer_repeats_the_pending_question(chat, member):
    checked_out(chat, member)
    chat.say("独居老人王大爷")
    assert chat.say("签到").endswith(texts.ASK_REGISTER_CONTENT)
    assert chat.say("不签退").endswith(texts.ASK_REGISTER_CONTENT)  # a negation likewise


def test_an_entry_for_the_leader_to_review_says_a_rejection_would_take_it_out(chat, member):
    """签退 right after 签到: 「服务时长过短，需队长审核」. A flagged entry counts while it
    waits (only a rejection takes it out), and the fill-in says exactly that."""
    individual_service(member, minutes_ago=1)
    chat.say("签退")
    assert "需队长审核" in chat.say("跳过")
    chat.say("独居老人王大爷")
    chat.say("上门代购药品")
    assert chat.say("老人按时服药") == texts.REGISTER_SAVED_FLAGGED.format(who="队长")
    record = ServiceRecord.get()
    assert record.status == "flagged" and counts_toward_hours(record)


def test_a_skipped_entry_for_the_leader_to_review_says_review_too(chat, member):
    individual_service(member, minutes_ago=1)
    chat.say("签退")
    chat.say("跳过")
    skipped = chat.say("跳过")
    fields = "服务对象、服务内容、取得的成效"
    opening = texts.REGISTER_SKIPPED_OPENING
    told = texts.REGISTER_SKIPPED_FLAGGED.format(fields=fields, opening=opening, who="队长")
    assert skipped == told
    assert "队长审核" in skipped


ACKNOWLEDGEMENTS = ["收到", "好的", "嗯", "嗯嗯", "ok", "OK", "好的👍", "收到，谢谢", "谢谢"]


@pytest.mark.parametrize("text", ACKNOWLEDGEMENTS)
def test_an_acknowledgement_is_no_answer_to_a_register_question(chat, member, text):
    """「收到」 answers the chat, not 「服务的对象是谁」: the question is asked again, with how
    to skip it, and nothing is stored."""
    checked_out(chat, member)
    reply = chat.say(text)
    assert reply == texts.SMALLTALK_IN_ANSWER.format(question=texts.ASK_REGISTER_TARGET)
    assert "「跳过」" in reply
    assert conversation() == "register_fields"
    assert texts_of(ServiceRecord.get()) == ("", "", "")
    assert "做了哪些服务" in chat.say("独居老人王大爷")
    # written at once (wechat.chat.register), so a conversation timing out loses nothing
    assert texts_of(ServiceRecord.get()) == ("独居老人王大爷", "", "")
    chat.say("上门看望")
    assert chat.say("老人很满意") == texts.REGISTER_SAVED
    assert texts_of(ServiceRecord.get()) == ("独居老人王大爷", "上门看望", "老人很满意")


@pytest.mark.parametrize("text", ["好的", "收到", "嗯"])
def test_an_acknowledgement_is_no_visit_note(chat, member, text):
    visit_waiting_for_notes(chat)
    reply = chat.say(text)
    assert reply == texts.SMALLTALK_IN_ANSWER.format(question=texts.VISIT_SEEN_QUESTION)
    assert conversation() == "visit_seen"
    assert "提供了哪些帮助" in chat.say("老人身体尚好")
    assert chat.say(text) == texts.SMALLTALK_IN_ANSWER.format(question=texts.VISIT_HELP_QUESTION)
    assert conversation() == "visit_help"
    assert "走访已登记" in chat.say("送去米面油")
    record = ServiceRecord.get()
    assert (record.content, record.outcome) == ("入户走访：老人身体尚好", "送去米面油")


@pytest.mark.parametrize("text", ["好的，不用了", "嗯，不了"])
def test_a_no_said_with_an_acknowledgement_skips_as_a_refusal_does(chat, member, text):
    checked_out(chat, member)
    chat.say("独居老人王大爷")
    assert "补充服务内容、取得的成效" in chat.say(text)
    assert texts_of(ServiceRecord.get()) == ("独居老人王大爷", "", "")


def test_an_acknowledgement_at_a_question_through_the_endpoint(client, member):
    from tests.wechat import oa

    def say(text):
        return oa.reply_text(oa.push(client, oa.text("oa-sam", text)))

    individual_service(member)
    say("签退")
    assert "服务的对象是谁" in say("跳过")
    assert "这一项还没有填写" in say("收到")
    assert "做了哪些服务" in say("独居老人王大爷")


@pytest.mark.parametrize("target", ["结对家庭", "结对户", "结对家庭！"])
def test_a_command_word_that_is_a_real_answer_is_kept_as_typed(chat, member, target):
    """「结对家庭」 is whom the service was for, though it also names a command."""
    checked_out(chat, member)
    assert "做了哪些服务" in chat.say(target)
    assert "取得了什么成效" in chat.say("入户走访")
    assert chat.say("老人很满意") == texts.REGISTER_SAVED
    assert texts_of(ServiceRecord.get()) == (target, "入户走访", "老人很满意")


@pytest.mark.parametrize("text", ["不需要帮助", "不需要帮助。", "暂时不需要帮助"])
def test_no_help_needed_is_the_true_answer_to_the_help_given(chat, member, text):
    """To 「您为这户家庭提供了哪些帮助？」 「不需要帮助」 is the answer (nothing was needed);
    only a bare 「不需要」 refuses the question."""
    visit_waiting_for_notes(chat)
    chat.say("老人身体尚好")
    assert chat.say(text) == texts.VISIT_SAVED
    assert ServiceRecord.get().outcome == text


def test_a_bare_no_need_still_refuses_the_question(chat, member):
    visit_waiting_for_notes(chat)
    chat.say("老人身体尚好")
    assert chat.say("不需要") == texts.VISIT_NOTES_LATER
    record = ServiceRecord.get()
    assert (record.content, record.outcome) == ("入户走访：老人身体尚好", "")


@pytest.mark.parametrize("text", ["签退", "签到", "活动"])
def test_a_word_that_steers_the_chat_is_still_no_answer(chat, member, text):
    checked_out(chat, member)
    reply = chat.say(text)
    assert (
        reply.startswith(f"「{text}」没有当作这一项的回答") and texts.ASK_REGISTER_TARGET in reply
    )
    assert conversation() == "register_fields"
    assert texts_of(ServiceRecord.get()) == ("", "", "")


def test_no_help_needed_at_a_register_question_through_the_endpoint(client, member):
    from tests.wechat import oa

    def say(text):
        return oa.reply_text(oa.push(client, oa.text("oa-sam", text)))

    individual_service(member)
    say("签退")
    say("跳过")
    say("结对家庭")
    say("上门看望")
    assert say("不需要帮助") == texts.REGISTER_SAVED
    assert texts_of(ServiceRecord.get()) == ("结对家庭", "上门看望", "不需要帮助")


@pytest.mark.parametrize(
    "text, hint",
    [
        ("取消报名 3", "「取消报名 3」没有当作这一项的回答"),  # a command with its argument
        ("报名 2", "「报名 2」没有当作这一项的回答"),
        ("明天有活动吗", "像是一个问题"),
        ("这个怎么填？", "像是一个问题"),
        ("？", "这一项还没有填写"),
        ("……", "这一项还没有填写"),
    ],
)
def test_a_command_or_a_question_at_a_register_question_is_not_stored(chat, member, text, hint):
    """A new tester's texts that were written into the entry as its target or outcome."""
    checked_out(chat, member)
    reply = chat.say(text)
    assert hint in reply and reply.endswith(texts.ASK_REGISTER_TARGET)
    assert conversation() == "register_fields"
    assert texts_of(ServiceRecord.get()) == ("", "", "")


@pytest.mark.parametrize("text", ["不知道", "我也不清楚", "说不好"])
def test_not_knowing_leaves_the_question_for_later_and_stores_nothing(chat, member, text):
    checked_out(chat, member)
    chat.say(text)
    assert texts_of(ServiceRecord.get()) == ("", "", "")


def test_bu_deng_asks_again_what_an_entry_left_blank(chat, member):
    """The register's questions left (取消, 跳过 or a timeout) are asked again with 「补登」."""
    checked_out(chat, member)
    chat.say("独居老人王大爷")
    chat.say("取消")
    assert conversation() is None
    reply = chat.say("补登")
    assert reply == "补充登记「个人服务（分散活动）」：\n" + texts.ASK_REGISTER_CONTENT
    chat.say("上门看望")
    assert chat.say("老人很满意") == texts.REGISTER_SAVED
    assert texts_of(ServiceRecord.get()) == ("独居老人王大爷", "上门看望", "老人很满意")
    assert chat.say("补充登记") == texts.REFILL_NOTHING


@pytest.mark.parametrize(
    "answer", ["没什么", "也没什么特别的嘛", "还是", "老人说腿疼，问能不能帮忙买药？"]
)
def test_statements_and_quoted_questions_are_answers(chat, member, answer):
    checked_out(chat, member)
    chat.say(answer)
    assert texts_of(ServiceRecord.get())[0] == answer


def test_bu_deng_finds_a_field_holding_only_spaces(chat, member):
    record = individual_service(member)
    ServiceRecord.update(
        checkout_at=clock.now_utc(), target="社区居民", content="  ", outcome="好"
    ).where(ServiceRecord.id == record.id).execute()
    assert chat.say("补登").endswith(texts.ASK_REGISTER_CONTENT)
