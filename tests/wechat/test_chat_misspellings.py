"""Misspelt commands (「签倒」, 「签推」: wechat.misspellings) are read as the command, through
/wechat as deployed, and a text that names nothing hears the command it is nearest
(wechat.near_miss.closest)."""

from datetime import timedelta

import pytest

from models import Enrollment, Member, ServiceRecord
from services import clock
from tests import images
from tests.factories import make_activity, make_record, pair
from tests.wechat.test_chat_support import Pushes, chat_user, conversation_state, enrolled_activity
from wechat import matching, near_miss, smalltalk, texts
from wechat.commands import BY_NAME, COMMANDS
from wechat.misspellings import MISSPELLINGS

KEYWORDS = {keyword for command in COMMANDS for keyword in command.keywords}


member, user = chat_user("oa-li", "李梅")


def conversation():
    return conversation_state("oa-li")


def one(doing: str, keyword: str) -> str:
    return texts.NOT_UNDERSTOOD_ONE.format(first_doing=doing, first=keyword)


def two(first: tuple[str, str], second: tuple[str, str]) -> str:
    (first_doing, first_word), (second_doing, second_word) = first, second
    return texts.NOT_UNDERSTOOD_TWO.format(
        first_doing=first_doing, first=first_word, second_doing=second_doing, second=second_word
    )


@pytest.mark.parametrize("wrong, right", sorted(MISSPELLINGS.items()))
def test_each_misspelling_stands_for_a_keyword_and_is_no_word_of_its_own(wrong, right):
    assert right in KEYWORDS and wrong not in KEYWORDS
    assert smalltalk.kind(wrong) is None
    found = matching.match(wrong)
    assert found is not None and right in found.command.keywords


@pytest.mark.parametrize("text", ["签倒", "签倒了", "我要签倒", "您好，签倒！", "千到", "簽倒"])
def test_a_misspelt_check_in_starts_one(user, member, text):
    enrolled_activity(member, title="义诊")
    assert user.say(text) == texts.ASK_CHECKIN_LOCATION.format(title="义诊")
    assert conversation() == "checkin_location"


@pytest.mark.parametrize("text", ["签推", "签腿", "签推一下"])
def test_a_misspelt_check_out_checks_out(user, member, text):
    make_record(member, checkin_at=clock.now_utc() - timedelta(hours=1))
    assert user.say(text) == texts.ASK_CHECKOUT_LOCATION.format(title="个人服务（分散活动）")
    assert "签退成功" in user.say("跳过")


def test_a_misspelt_visit_starts_one(user, member):
    pair(member)
    assert "走访结对家庭" in user.say("走仿")
    assert conversation() == "checkin_location"


@pytest.mark.parametrize("text", ["抱名 1", "报明1", "抱名：1"])
def test_a_misspelt_enrolment_keeps_its_number(user, member, text):
    activity = make_activity(member.team, starts_at=clock.now_utc() + timedelta(days=2))
    user.say("活动")
    assert user.say(text).startswith("报名成功")
    assert Enrollment.get().activity_id == activity.id


def test_a_misspelling_inside_other_words_is_left_alone(user, member):
    make_activity(member.team, starts_at=clock.now_utc() + timedelta(days=2))
    user.say("报明天的活动")  # 报明 leads it, but 「报明天」 is no 「报名」
    assert Enrollment.select().count() == 0


def test_a_misspelt_cancel_leaves_a_check_in(user, member):
    enrolled_activity(member)
    user.say("签到")
    assert user.say("取销") == texts.CANCELLED
    assert conversation() is None


def test_a_misspelt_command_is_no_visit_note(user, member):
    pair(member)
    user.say("走访")
    user.location(34.7466, 113.6253)
    user.photo(images.jpeg(seed=311))
    user.settle()
    hint = user.say("签推")
    assert "「签推」没有当作这一项的回答" in hint and hint.endswith(texts.VISIT_SEEN_QUESTION)
    assert ServiceRecord.get().content == ""


@pytest.mark.parametrize(
    "text, reply",
    [
        ("钱到", one("签到", "签到")),
        ("走方", one("登记入户走访", "走访")),
        ("时常", one("查看服务时长", "我的")),
        ("签对", two(("签到", "签到"), ("签退", "签退"))),
        ("今天天气不错", texts.NOT_UNDERSTOOD),
        ("打个电话", texts.NOT_UNDERSTOOD),  # 打个卡 is 签到's, but nothing of it is 签到's own
        ("xyz", texts.NOT_UNDERSTOOD),
    ],
)
def test_not_understood_suggests_the_nearest_command(user, member, text, reply):
    assert user.say(text) == reply
    assert conversation() is None


def test_a_leaders_command_is_suggested_to_leaders_only(user, member, client, app, emulator):
    assert user.say("报高") == one("报名参加活动", "报名")
    leader = Member.get((Member.team == member.team) & (Member.role == "leader"))
    Member.update(oa_openid="oa-li-lead").where(Member.id == leader.id).execute()
    told = Pushes(client, app, "oa-li-lead", emulator).say("报高")
    assert told == two(("报名参加活动", "报名"), ("查看季度报告", "报告"))


def test_a_suggestion_asks_what_the_command_does():
    assert one("查看服务时长", "我的") == (
        "抱歉，没有理解您的意思。您是想查看服务时长吗？是的话，请回复「是」或发送「我的」。"
        "发送「帮助」可以查看全部功能。"
    )


def test_every_command_that_may_be_suggested_says_what_it_does():
    named = {c.name for c in COMMANDS if c.keywords} - set(near_miss.NOT_SUGGESTED)
    assert named <= set(texts.DOING)


@pytest.mark.parametrize("text", ["签倒不了", "签推不了", "不了", "不名了", "报不了了", "签不报了"])
def test_unenrolling_is_never_guessed(member, text):
    assert BY_NAME["unenroll"] not in near_miss.closest(matching.normalize(text), member)


@pytest.mark.parametrize(
    "wrong, right",
    [("签倒不了", "签到不了"), ("签推不了", "签退不了"), ("签倒失败了", "签到失败了")],
)
def test_a_misspelt_keyword_in_trouble_is_answered_as_the_keyword(user, member, wrong, right):
    enrolled_activity(member)
    make_record(member, checkin_at=clock.now_utc() - timedelta(hours=3))
    expected = user.say(right)
    assert "抱歉给您添麻烦了" in expected
    assert user.say(wrong) == expected
    assert conversation() is None


@pytest.mark.parametrize(
    "wrong, right",
    [("我不想签倒", "我不想签到"), ("不签推了", "不签退了"), ("签倒算了", "签到算了")],
)
def test_a_misspelt_keyword_refused_is_refused_as_the_keyword(user, member, wrong, right):
    enrolled_activity(member)
    expected = user.say(right)
    assert user.say(wrong) == expected
    assert conversation() is None and texts.NOT_UNDERSTOOD not in expected


def test_wo_de_with_a_typo_of_de_is_no_command(user, member):
    reply = user.say("我得了")
    assert "服务情况" not in reply
