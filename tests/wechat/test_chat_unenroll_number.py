"""A bare number after the bot asked for 「取消报名 序号」 withdraws, as asked; anywhere else
with the list shown it still enrols."""

from datetime import timedelta

import pytest

from models import Enrollment
from services import clock
from tests.factories import make_activity
from tests.wechat import oa
from tests.wechat.test_chat_support import chat_direct
from wechat import texts

member, chat = chat_direct("oa-zhou", "周敏")


@pytest.fixture
def listed(member):
    """Three activities in the coming days, the member enrolled in all three."""
    now = clock.now_utc()
    made = [
        make_activity(member.team, starts_at=now + timedelta(days=d), title=title)
        for d, title in ((1, "义诊"), (2, "清扫"), (3, "宣讲"))
    ]
    for activity in made:
        Enrollment.create(activity=activity, member=member, created_at=now)
    return made


def enrolled(member) -> set[str]:
    query = Enrollment.select().where(Enrollment.member == member)
    return {e.activity.title for e in query}


@pytest.mark.parametrize("number", ["2", "２", "第二个"])
def test_a_number_after_the_unenrol_prompt_withdraws(chat, member, listed, number):
    chat.say("活动")
    assert "取消报名 序号" in chat.say("取消报名")
    assert chat.say(number) == texts.UNENROLLED.format(title="清扫")
    assert enrolled(member) == {"义诊", "宣讲"}


@pytest.mark.parametrize("refusal", ["我不去了", "我不报名了"])
def test_a_number_after_saying_how_to_withdraw_withdraws_and_never_re_enrols(
    chat, member, listed, refusal
):
    chat.say("活动")
    assert chat.say("取消报名 3") == texts.UNENROLLED.format(title="宣讲")
    chat.say("活动")
    assert chat.say(refusal) == texts.WITHDRAW_LISTED
    assert chat.say("3") == texts.NOT_ENROLLED.format(title="宣讲")
    assert enrolled(member) == {"义诊", "清扫"}


def test_a_number_out_of_range_keeps_asking_for_the_unenrol_verb(chat, member, listed):
    chat.say("活动")
    assert "取消报名 1" in chat.say("取消报名 9")
    assert chat.say("1") == texts.UNENROLLED.format(title="义诊")


def test_a_bare_number_enrols_once_the_question_is_answered(chat, member, listed):
    chat.say("活动")
    chat.say("取消报名")
    chat.say("2")
    assert chat.say("2").startswith("报名成功")
    assert enrolled(member) == {"义诊", "清扫", "宣讲"}


def test_a_bare_number_enrols_when_nothing_asked_for_withdrawing(chat, member, listed):
    chat.say("活动")
    chat.say("取消报名 1")
    assert chat.say("1").startswith("报名成功")


def test_a_picking_word_enrols_even_after_the_unenrol_prompt(chat, member, listed):
    chat.say("活动")
    chat.say("取消报名 2")
    chat.say("取消报名")
    assert chat.say("我报2").startswith("报名成功")


def test_withdrawing_by_number_through_the_endpoint(client, member, listed):
    """The refusal's reply is answered as a pure push (wechat.endpoint): it still moves the
    list on to withdrawing."""

    def say(text):
        return oa.reply_text(oa.push(client, oa.text("oa-zhou", text)))

    say("活动")
    assert say("我不去了") == texts.WITHDRAW_LISTED
    assert say("３") == texts.UNENROLLED.format(title="宣讲")
    assert enrolled(member) == {"义诊", "清扫"}
