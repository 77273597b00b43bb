"""Small talk in the chat: 「收到」, 「好的」, 「谢谢」 and 👍 run no command and are never
guessed as one; they are answered kindly, with what a conversation under way waits for.
「我不去了」 is told how enrolment is withdrawn, as nothing was withdrawn."""

from datetime import timedelta

import pytest

from models import ChatState, Enrollment, Member, Notification, ServiceRecord
from services import clock
from tests.factories import make_activity, pair
from tests.wechat.test_chat_support import Chat, chat_direct, conversation_state, enrolled_activity
from wechat import matching, smalltalk, texts

IDLE_ACK = texts.SMALLTALK_ACK + texts.SMALLTALK_IDLE


member, chat = chat_direct("oa-sun", "孙红")


@pytest.fixture
def activity(member):
    return enrolled_activity(member)


def conversation(openid="oa-sun"):
    return conversation_state(openid)


@pytest.mark.parametrize(
    "text, kind",
    [
        ("收到", smalltalk.ACK),
        ("收到！", smalltalk.ACK),
        ("对", smalltalk.ACK),
        ("是的", smalltalk.ACK),
        ("好的好的", smalltalk.ACK),
        ("我知道了哦～", smalltalk.ACK),
        ("OK", smalltalk.ACK),
        ("👍", smalltalk.ACK),
        ("👍🏻👍🏻", smalltalk.ACK),  # with a skin tone
        ("谢谢", smalltalk.THANKS),
        ("收到，谢谢！", smalltalk.THANKS),
        ("🙏", smalltalk.THANKS),
        ("我不去了", smalltalk.WITHDRAW),
        ("不参加了", smalltalk.WITHDRAW),
        ("收到谢谢队长", smalltalk.THANKS),
        ("知道了，谢谢队长", smalltalk.THANKS),
        ("辛苦队长", smalltalk.THANKS),
        ("收到，明天去", smalltalk.ACK),
        ("好的，明天准时到", smalltalk.ACK),
        ("明天不去了", smalltalk.WITHDRAW),
    ],
)
def test_small_talk_names_no_command(text, kind):
    assert smalltalk.kind(text) == kind
    assert matching.match(text) is None


@pytest.mark.parametrize(
    "text", ["今天天气不错", "不好", "😢", "好的，我要签到", "收到1", "明天", "队长", "明天去"]
)
def test_other_texts_are_no_small_talk(text):
    assert smalltalk.kind(text) is None


def test_small_talk_with_a_command_word_is_the_command():
    assert matching.match("好的，我要签到").command.name == "checkin"


@pytest.mark.parametrize(
    "text",
    [
        "帮着",  # one character shared with 帮助, as 收到 with 签到: no longer told apart
        "签名",  # (签倒, 帮住, 我得, 结队 are listed misspellings: wechat.misspellings)
        "我们",
        "结果",
        "发",
        "到",
    ],
)
def test_a_short_text_sharing_one_character_with_a_keyword_is_no_typo_of_it(text):
    assert matching.match(text) is None


@pytest.mark.parametrize(
    "text, command",
    [("近期活东", "activities"), ("入户走仿", "visit"), ("活动列列", "activities")],
)
def test_a_typo_sharing_most_of_a_keyword_is_still_guessed(text, command):
    assert matching.match(text).command.name == command


@pytest.mark.parametrize("text", ["收到", "收到！", "好的", "👍"])
def test_an_acknowledgement_starts_no_check_in(chat, activity, text):
    assert chat.say(text) == IDLE_ACK
    assert conversation() is None
    assert ServiceRecord.select().count() == 0


def test_thanks_are_answered_kindly(chat):
    assert chat.say("谢谢！") == texts.SMALLTALK_THANKS + texts.SMALLTALK_IDLE


@pytest.mark.parametrize("text", ["对", "是的"])
def test_yes_shows_neither_the_household_nor_the_hours(chat, member, text):
    pair(member)
    reply = chat.say(text)
    assert reply == IDLE_ACK and "户主" not in reply and "本季度" not in reply


def test_after_the_list_small_talk_is_reminded_how_to_choose(chat, member):
    make_activity(member.team, starts_at=clock.now_utc() + timedelta(days=1))
    chat.say("活动")
    assert chat.say("谢谢") == texts.SMALLTALK_THANKS + texts.LISTED_HINT
    assert chat.say("👍") == texts.SMALLTALK_ACK + texts.LISTED_HINT
    assert chat.say("今天天气不错") == texts.LISTED_NOT_UNDERSTOOD
    assert "报名成功" in chat.say("1")  # the list is still shown


def test_small_talk_during_a_check_in_keeps_it(chat, activity):
    chat.say("签到")
    assert chat.say("收到") == texts.SMALLTALK_ACK + texts.ASK_LOCATION_AGAIN
    assert conversation() == "checkin_location"


def test_not_coming_after_the_list_says_how_to_withdraw_and_withdraws_nothing(
    chat, member, activity
):
    chat.say("活动")
    assert chat.say("我不去了") == texts.WITHDRAW_LISTED
    assert Enrollment.select().count() == 1
    assert conversation() == "activities"
    assert "已为您取消报名" in chat.say("取消报名 1")


@pytest.mark.parametrize("text", ["不去了", "不参加了"])
def test_not_coming_outside_the_list_says_how_to_withdraw(chat, activity, text):
    assert chat.say(text) == texts.WITHDRAW_HOW
    assert Enrollment.select().count() == 1


def test_strangers_still_hear_how_to_bind(app, emulator):
    with app.app_context():
        assert "绑定 手机号 绑定码" in Chat("oa-stranger", emulator).say("谢谢")


@pytest.fixture
def leader_chat(member, emulator):
    """A leader whose team has a member WeChat can reach (within the 48-hour window)."""
    leader = Member.get(Member.role == "leader")
    Member.update(oa_openid="oa-leader").where(Member.id == leader.id).execute()
    Member.update(last_interaction_at=clock.now_utc()).where(Member.id == member.id).execute()
    pair(leader)
    return Chat("oa-leader", emulator)


@pytest.mark.parametrize("text", ["对", "是的", "好的", "收到"])
def test_yes_to_a_notice_preview_reminds_the_leader_it_is_not_sent(leader_chat, text):
    assert "回复「确认」发送" in leader_chat.say("通知 明天上午九点集合")
    assert leader_chat.say(text) == texts.SMALLTALK_ACK + texts.BROADCAST_STILL_PENDING
    assert conversation("oa-leader") == "broadcast_confirm"
    assert Notification.select().count() == 0


@pytest.mark.parametrize("text", ["发送", "发吧", "发送！"])
def test_send_confirms_a_notice_preview(leader_chat, text):
    leader_chat.say("通知 明天上午九点集合")
    assert "通知已进入发送队列" in leader_chat.say(text)
    assert Notification.select().count() == 1


def test_send_without_a_preview_sends_nothing(leader_chat):
    assert "通知已进入发送队列" not in leader_chat.say("发送")
    assert ChatState.select().where(ChatState.state != "").count() == 0
    assert Notification.select().count() == 0


def test_another_text_at_the_preview_hears_what_it_waits_for(leader_chat):
    leader_chat.say("通知 明天上午九点集合")
    assert leader_chat.say("稍等一下") == texts.CONFIRM_OR_CANCEL
    assert Notification.select().count() == 0


@pytest.mark.parametrize("text", ["通知发不了", "通知发不出去", "通知：不行啊"])
def test_a_notice_not_working_gets_help_and_no_preview(leader_chat, text):
    reply = leader_chat.say(text)
    assert texts.TROUBLE_TIPS["broadcast"] in reply and "——" not in reply
    assert conversation("oa-leader") is None


def test_a_notice_that_only_mentions_failure_is_still_a_notice(leader_chat):
    reply = leader_chat.say("通知 失败的同志请重新报名")
    assert "失败的同志请重新报名" in reply and "回复「确认」发送" in reply


def test_the_first_one_please_picks_from_the_list(chat, member):
    make_activity(member.team, starts_at=clock.now_utc() + timedelta(days=1))
    chat.say("活动")
    assert "报名成功" in chat.say("第一个吧")
