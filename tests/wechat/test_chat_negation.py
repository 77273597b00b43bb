"""Negated commands in the chat: 「我不想签到」 runs nothing, 「不签到了」 leaves the check-in
it refuses, 「签到不了」 is told how to get it done, and a visit's notes stay the member's own
words even when they say 不想走访."""

from datetime import timedelta

import pytest

from models import Enrollment, Member, Notification, ServiceRecord
from services import clock
from tests import images
from tests.factories import make_activity, make_record, pair
from tests.wechat import oa
from tests.wechat.test_chat_support import (
    NEAR,
    Chat,
    after,
    chat_direct,
    conversation_state,
    enrolled_activity,
)
from wechat import matching, texts

member, chat = chat_direct("oa-eve", "李芳")


@pytest.fixture
def activity(member):
    return enrolled_activity(member)


def conversation():
    return conversation_state("oa-eve")


def acknowledged(word: str) -> str:
    return texts.NEGATED.format(word=word)


@pytest.mark.parametrize(
    "text, command",
    [
        ("我不想签到", "checkin"),
        ("不签到了", "checkin"),
        ("不要打卡", "checkin"),
        ("不想去签到", "checkin"),  # a word between the negation and the keyword
        ("签到算了", "checkin"),
        ("签到，算了", "checkin"),  # punctuation may follow the keyword
        ("我不想要签到", "checkin"),
        ("签到不用了", "checkin"),
        ("别报名", "enroll"),  # a command taking arguments, anywhere in a short text
        ("我不报名了", "enroll"),
        ("今天不走访", "visit"),
        ("不用签退", "checkout"),
        ("别通知了", "broadcast"),
        ("不确认", "confirm"),
    ],
)
def test_a_negated_keyword_refuses_its_command(text, command):
    found = matching.match(text)
    assert (found.command.name, found.mood) == (command, matching.REFUSE)


@pytest.mark.parametrize(
    "text, command",
    [
        ("签到不了", "checkin"),
        ("签不了到", "checkin"),  # the keyword split by 不了
        ("打不了卡", "checkin"),
        ("报不上名", "enroll"),
        ("我不能签到", "checkin"),
        ("我不会签到", "checkin"),
        ("无法签退", "checkout"),
        ("签到失败了怎么办", "checkin"),
        ("签到！不行啊", "checkin"),
        ("绑定不了", "bind"),
        ("签到不了怎么办啊我试了好几次都不行", "checkin"),  # a long text starting with it
    ],
)
def test_a_keyword_said_not_to_work_is_trouble(text, command):
    found = matching.match(text)
    assert (found.command.name, found.mood) == (command, matching.TROUBLE)


@pytest.mark.parametrize(
    "text, command, args",
    [
        ("签不签到", "checkin", ""),  # questions, not refusals
        ("要不要签到", "checkin", ""),
        ("能不能签到", "checkin", ""),
        ("还没签到", "checkin", ""),  # "not yet": the command is the answer
        ("我没签退", "checkout", ""),
        ("不，签到", "checkin", ""),  # the comma ends the negation
        ("不用，签退", "checkout", ""),
        ("分别签到", "checkin", ""),  # 别 in a word
        ("特别活动", "activities", ""),
        ("不报名了 2", "unenroll", "2"),  # a keyword of its own
        ("不要了", "cancel", ""),
        ("通知 失败的同志请重新报名", "broadcast", "失败的同志请重新报名"),  # a notice's words
        ("通知：今天不签到", "broadcast", "今天不签到"),
    ],
)
def test_words_that_only_look_negating_leave_the_command_as_it_was(text, command, args):
    found = matching.match(text)
    assert (found.command.name, found.mood, found.args) == (command, matching.DO, args)


@pytest.mark.parametrize(
    "text, bare",
    [
        ("我也不签到了", True),
        ("不走访了吧", True),
        ("今天不走访", False),
        ("老人说不想走访", False),
    ],
)
def test_a_negation_is_bare_when_nothing_else_is_said(text, bare):
    assert matching.match(text).bare is bare


@pytest.mark.parametrize(
    "text, word",
    [
        ("我不想签到", "签到"),
        ("不签到了", "签到"),
        ("今天不走访", "走访"),
        ("不用签退", "签退"),
    ],
)
def test_outside_a_conversation_a_negation_is_acknowledged_and_starts_nothing(
    chat, member, activity, text, word
):
    pair(member)
    make_record(member, checkin_at=clock.now_utc() - timedelta(hours=1))  # one to check out
    assert chat.say(text) == acknowledged(word)
    assert conversation() is None
    assert ServiceRecord.get().checkout_at is None
    ServiceRecord.delete().execute()  # with none open (签退 first: checkin.open_first)...
    assert "请发送您的当前位置" in chat.say("签到")  # ...the command itself still starts


def test_refusing_the_check_in_under_way_leaves_it(chat, activity):
    assert "请发送您的当前位置" in chat.say("签到")
    assert chat.say("不签到了") == texts.CANCELLED
    assert conversation() is None
    assert "没有进行中的操作" in chat.say("取消")


def test_a_check_in_offered_nearby_is_declined_as_the_offer_says(chat, activity):
    """The offer says 「不签到请发送「取消」」: members answer 「不签到」."""
    assert "不签到请发送「取消」" in chat.location(activity.lat + NEAR, activity.lng)
    assert chat.say("不签到") == texts.CANCELLED
    kept = chat.photo(images.jpeg(seed=51)).text  # no longer the offer's: asks the location
    assert "请再发送您的当前位置" in kept
    assert ServiceRecord.select().count() == 0


def test_refusing_another_command_keeps_the_conversation(chat, activity):
    chat.say("签到")
    assert chat.say("不走访") == acknowledged("走访")
    assert conversation() == "checkin_location"
    assert "佩戴党徽" in chat.location(activity.lat + NEAR, activity.lng)


def test_no_thanks_to_check_out_is_not_a_skipped_location(chat, member):
    """At the check-out's location step 「不用」 skips the location, but 「不用签退」 refuses
    the check-out: it must not check out."""
    make_record(member, kind="individual", checkin_at=clock.now_utc() - timedelta(hours=1))
    assert "跳过" in chat.say("签退")
    assert chat.say("不用签退") == texts.CANCELLED
    assert ServiceRecord.get().checkout_at is None
    chat.say("签退")
    assert "签退成功" in chat.say("不用")
    assert ServiceRecord.get().checkout_at is not None


@pytest.mark.parametrize("text", ["直接签退", "不用了", "跳过吧"])
def test_the_check_outs_own_skip_words_check_out_without_a_location(chat, member, text):
    """The step asks for a location 「或回复「跳过」直接签退」: 「直接签退」 names 签退 and
    「不用了」 is near 「不要了」 (取消), but here they are the answer the step waits for."""
    make_record(member, kind="individual", checkin_at=clock.now_utc() - timedelta(hours=1))
    chat.say("签退")
    assert "签退成功" in chat.say(text)
    record = ServiceRecord.get()
    assert record.checkout_at is not None and record.checkout_lat is None


@pytest.mark.parametrize("text", ["别报名", "我不报名了", "不想报名了"])
def test_refusing_to_enrol_says_how_to_withdraw_and_withdraws_nothing(chat, member, text):
    """Said after enrolling, it means withdrawing: no reply may sound as if it was done."""
    activity = make_activity(member.team, starts_at=clock.now_utc() + timedelta(days=1))
    Enrollment.create(activity=activity, member=member, created_at=clock.now_utc())
    assert chat.say(text) == texts.WITHDRAW_HOW
    chat.say("活动")
    assert chat.say(text) == texts.WITHDRAW_LISTED
    assert conversation() == "activities"  # the list stays, to withdraw from
    assert Enrollment.select().count() == 1


@pytest.mark.parametrize("text", ["不通知了", "不确认", "别发通知"])
def test_a_leader_refusing_the_notice_previewed_sends_nothing(
    settings_overrides, request, emulator, text
):
    """(The office has set up the template message, so the notice can reach the team: one
    nobody can receive is refused before any preview.)"""
    settings_overrides["notifications"] = {"oa_template_id": "tmpl-oa"}
    request.getfixturevalue("member")
    leader = Member.get(Member.role == "leader")
    Member.update(oa_openid="oa-leader").where(Member.id == leader.id).execute()
    chat = Chat("oa-leader", emulator)
    assert "回复「确认」发送" in chat.say("通知 明天上午九点集合")
    assert chat.say(text) == texts.CANCELLED
    assert "没有待确认的通知" in chat.say("确认")
    assert Notification.select().count() == 0


def visit_waiting_for_notes(chat, member):
    """A visit whose photo is checked: the chat waits for what the member saw."""
    pair(member)
    chat.say("走访")
    chat.location(34.7466, 113.6253)
    after(chat.photo(images.jpeg(seed=52), run_after=False))
    assert conversation() == "visit_seen"


def test_a_visit_note_that_says_not_to_visit_is_kept_as_typed(chat, member):
    visit_waiting_for_notes(chat, member)
    assert "提供了哪些帮助" in chat.say("老人说不想走访太频繁")
    assert "走访已登记" in chat.say("不用签到表，口头登记了需求")
    record = ServiceRecord.get()
    assert record.content == "入户走访：老人说不想走访太频繁"
    assert record.outcome == "不用签到表，口头登记了需求"


def test_a_bare_refusal_of_the_visit_leaves_it_without_taking_it_as_a_note(chat, member):
    visit_waiting_for_notes(chat, member)
    assert chat.say("不走访了") == texts.VISIT_LEFT_WITHOUT_NOTES  # its photo registered it
    assert conversation() is None
    assert ServiceRecord.get().content == ""


def test_a_bare_refusal_of_something_else_is_no_note(chat, member):
    visit_waiting_for_notes(chat, member)
    hint = chat.say("我不签到了")
    question = texts.VISIT_SEEN_QUESTION
    assert hint == texts.NEGATION_IN_ANSWER.format(word="我不签到了", question=question)
    assert conversation() == "visit_seen"
    assert "提供了哪些帮助" in chat.say("老人身体尚好")


def test_the_registers_questions_do_not_take_a_refused_check_out_as_an_answer(chat, member):
    """The check-out is done by then: 「不签退」 undoes nothing and answers nothing."""
    make_record(member, kind="individual", checkin_at=clock.now_utc() - timedelta(hours=1))
    chat.say("签退")
    assert "服务的对象是谁" in chat.say("跳过")
    assert "没有作为本次登记的回答" in chat.say("不签退")
    assert conversation() == "register_fields"
    assert "做了哪些服务" in chat.say("独居老人")
    assert ServiceRecord.get().checkout_at is not None


CHECKIN_TROUBLE = [
    "签到不了",
    "签不了到",
    "我不会签到",
    "打卡失败了",
    "打不了卡",
    "签到不了",
    "我签不上",  # the keyword cut short
    "签不了",
    "签不上啊",
    "签不上怎么办",
]


@pytest.mark.parametrize("text", CHECKIN_TROUBLE)
def test_check_in_not_working_with_an_activity_open_is_told_the_steps(chat, activity, text):
    reply = chat.say(text)
    assert reply == texts.TROUBLE.format(
        tip=texts.CHECKIN_TROUBLE_OPEN.format(titles="义诊") + texts.CHECKIN_BY_LEADER,
        contact=texts.TROUBLE_CONTACT[False],
    )
    assert "「位置」" in reply and "照片" in reply and "请队长帮您登记" in reply
    assert conversation() is None
    assert ServiceRecord.select().count() == 0


@pytest.mark.parametrize("text", ["我签不上", "签到不了"])
def test_check_in_not_working_with_nothing_open_says_so_and_how_to_enrol(chat, text):
    reply = chat.say(text)
    assert texts.CHECKIN_TROUBLE_NONE in reply and "请队长帮您登记" in reply
    assert "没有理解" not in reply
    assert conversation() is None


def test_check_in_not_working_once_checked_in_says_it_is_done(chat, member, activity):
    make_record(member, activity=activity, checkin_at=clock.now_utc() - timedelta(minutes=5))
    reply = chat.say("我签不上")
    assert texts.CHECKIN_TROUBLE_DONE.format(title="义诊") in reply
    assert "签退" in reply


def test_check_in_not_working_through_the_endpoint(client, member, activity):
    reply = oa.reply_text(oa.push(client, oa.text("oa-eve", "我签不上")))
    assert texts.CHECKIN_TROUBLE_OPEN.format(titles="义诊") in reply


def test_trouble_during_a_step_keeps_the_step(chat, activity):
    chat.say("签到")
    assert "联系队长" in chat.say("签到不了")
    assert conversation() == "checkin_location"


def test_a_half_said_trouble_is_check_in_and_never_a_guess_at_cancel(chat, activity):
    """「签不了」 is 签到 cut short (members hardly ever cut 签退 so), and no typo of 「不要了」
    (取消), as difflib would have it: the step stays, and the member hears how it is done."""
    chat.say("签到")
    assert "「位置」" in chat.say("签不了")
    assert conversation() == "checkin_location"
    assert chat.say("不了") == texts.CANCELLED  # alone, "no, thanks"


@pytest.mark.parametrize("text", ["别签了", "不签了", "先不签", "我不签了", "今天先不签了"])
def test_refusing_a_clipped_check_in_leaves_the_check_in_under_way(chat, activity, text):
    assert "请发送您的当前位置" in chat.say("签到")
    assert chat.say(text) == texts.CANCELLED
    assert conversation() is None
    assert "没有进行中的操作" in chat.say("取消")
    assert ServiceRecord.select().count() == 0


@pytest.mark.parametrize("text", ["别签了", "不签了", "先不签"])
def test_refusing_a_clipped_check_in_with_nothing_open_is_only_acknowledged(chat, activity, text):
    assert chat.say(text) == acknowledged("签到")
    assert conversation() is None
    assert ServiceRecord.select().count() == 0


def test_refusing_a_clipped_check_in_keeps_another_conversation(chat, member, activity):
    """The activity list is no check-in: 「不签了」 leaves it shown, to enrol from."""
    chat.say("活动")
    assert chat.say("不签了") == acknowledged("签到")
    assert conversation() == "activities"


@pytest.mark.parametrize("text", ["不签名", "签字了", "签不签"])
def test_the_stem_alone_elsewhere_names_no_check_in(text):
    found = matching.match(text)
    assert found is None or found.mood == matching.DO


def test_trouble_with_other_commands_names_them(chat):
    assert texts.TROUBLE_TIPS["enroll"] in chat.say("报不上名")
    assert "请发送「结对」" in chat.say("结对不了")  # no tip of its own: the general one


def test_strangers_hear_how_to_bind_and_what_to_do_when_binding_fails(app, emulator):
    with app.app_context():
        stranger = Chat("oa-stranger", emulator)
        assert "绑定 手机号 绑定码" in stranger.say("我不想签到")
        assert texts.TROUBLE_TIPS["bind"] in stranger.say("绑定不了")


def test_a_negation_through_the_endpoint(client, member, activity):
    def say(text):
        return oa.reply_text(oa.push(client, oa.text("oa-eve", text)))

    assert say("我不想签到") == acknowledged("签到")
    assert "请发送您的当前位置" in say("签到")
    assert say("不签到了") == texts.CANCELLED


@pytest.mark.parametrize("text", ["我不想簽到了", "簽到不了", "別簽到了", "別签到了"])
def test_a_negated_check_in_in_traditional_characters_runs_nothing(chat, activity, text):
    chat.say(text)
    assert conversation() is None and ServiceRecord.select().count() == 0


def test_a_refused_enrolment_in_traditional_characters_enrols_nowhere(chat, member):
    make_activity(member.team, starts_at=clock.now_utc() + timedelta(days=1))
    chat.say("活动")
    assert chat.say("不想報名了") == texts.WITHDRAW_LISTED
    assert Enrollment.select().count() == 0
