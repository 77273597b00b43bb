"""Misspelt commands (「签倒」, 「签推」: wechat.misspellings) are read as the command, through
/wechat as deployed, and a text that names nothing hears the command it is nearest
(wechat.near_miss.closest)."""

from datetime import timedelta

import pytest

from models import Enrollment, Member, ServiceRecord
from services import clock
from tests import images
from tests.factories import make_activity, make_member, make_record, make_team, pair
from tests.wechat.test_chat_support import Pushes, conversation_state, enrolled_activity
from wechat import matching, smalltalk, texts
from wechat.commands import COMMANDS
from wechat.misspellings import MISSPELLINGS

KEYWORDS = {keyword for command in COMMANDS for keyword in command.keywords}


@pytest.fixture
def member(app):
    with app.app_context():
        yield make_member(team=make_team(), oa_openid="oa-li", name="李梅")


@pytest.fixture
def user(client, app, member, emulator):
    return Pushes(client, app, "oa-li", emulator)


def conversation():
    return conversation_state("oa-li")


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
    assert "「签推」是一个指令" in hint and hint.endswith(texts.VISIT_SEEN_QUESTION)
    assert ServiceRecord.get().content == ""


@pytest.mark.parametrize(
    "text, reply",
    [
        ("钱到", texts.NOT_UNDERSTOOD_ONE.format(first="签到")),
        ("走方", texts.NOT_UNDERSTOOD_ONE.format(first="走访")),
        ("时常", texts.NOT_UNDERSTOOD_ONE.format(first="我的")),
        ("签对", texts.NOT_UNDERSTOOD_TWO.format(first="签到", second="签退")),
        ("今天天气不错", texts.NOT_UNDERSTOOD),
        ("打个电话", texts.NOT_UNDERSTOOD),  # 打个卡 is 签到's, but nothing of it is 签到's own
        ("xyz", texts.NOT_UNDERSTOOD),
    ],
)
def test_not_understood_suggests_the_nearest_command(user, member, text, reply):
    assert user.say(text) == reply
    assert conversation() is None


def test_a_leaders_command_is_suggested_to_leaders_only(user, member, client, app, emulator):
    assert user.say("报高") == texts.NOT_UNDERSTOOD_ONE.format(first="报名")
    leader = Member.get((Member.team == member.team) & (Member.role == "leader"))
    Member.update(oa_openid="oa-li-lead").where(Member.id == leader.id).execute()
    told = Pushes(client, app, "oa-li-lead", emulator).say("报高")
    assert told == texts.NOT_UNDERSTOOD_TWO.format(first="报名", second="报告")
