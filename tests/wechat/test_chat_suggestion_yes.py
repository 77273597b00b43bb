"""A yes to the one command a 'not understood' suggested (「您是想签到吗？」) starts it,
through /wechat as deployed: 「是的」, 「对」, 「嗯」 or 「是」, the very next message, does what
the member would otherwise have to type; anything in between, two suggestions or a long
pause leave a yes the small talk it is."""

from datetime import timedelta

import pytest

from models import ChatState
from services import clock
from tests.wechat.test_chat_support import (
    Pushes,
    chat_member,
    conversation_state,
    enrolled_activity,
)
from wechat import smalltalk, texts
from wechat.chat import state

SUGGESTED = texts.NOT_UNDERSTOOD_ONE.format(first_doing="签到", first="签到")
STARTED = texts.ASK_CHECKIN_LOCATION.format(title="义诊")


member = chat_member("oa-wu", "吴芳")


@pytest.fixture
def user(client, app, member, emulator):
    enrolled_activity(member)
    return Pushes(client, app, "oa-wu", emulator)


@pytest.mark.parametrize("yes", ["是的", "对", "嗯", "是", "对的", "好的", "嗯嗯", "是啊", "👍"])
def test_a_yes_right_after_the_suggestion_starts_it(user, yes):
    assert user.say("钱到") == SUGGESTED
    assert user.say(yes) == STARTED
    assert conversation_state("oa-wu") == "checkin_location"


def test_a_sentence_only_beginning_with_a_keyword_suggests_it(user):
    assert user.say("签到今天的义诊活动") == SUGGESTED
    assert user.say("是") == STARTED


def test_the_suggestion_is_for_the_next_message_only(user):
    assert user.say("钱到") == SUGGESTED
    assert "服务情况" in user.say("我的")
    assert user.say("是的") == texts.SMALLTALK_ACK + texts.SMALLTALK_IDLE
    assert conversation_state("oa-wu") is None


def test_a_yes_long_after_the_suggestion_starts_nothing(user):
    assert user.say("钱到") == SUGGESTED
    row = ChatState.get(ChatState.openid == "oa-wu")
    stale = clock.now_utc() - state.SUGGESTION_FOR - timedelta(seconds=1)
    row.data = {**row.data, state.SUGGESTED: {"command": "checkin", "at": stale.isoformat()}}
    row.save()
    assert user.say("是") == texts.SMALLTALK_ACK + texts.SMALLTALK_IDLE
    assert conversation_state("oa-wu") is None


def test_two_suggestions_are_no_yes_question(user):
    assert user.say("签对") == texts.NOT_UNDERSTOOD_TWO.format(
        first_doing="签到", first="签到", second_doing="签退", second="签退"
    )
    assert user.say("是") == texts.SMALLTALK_ACK + texts.SMALLTALK_IDLE
    assert conversation_state("oa-wu") is None


@pytest.mark.parametrize("text", ["收到", "知道了", "不是", "是不是", "对面", "好的谢谢"])
def test_only_a_bare_yes_is_a_yes(text):
    assert not smalltalk.is_yes(text)
