"""「帮李秀英签到」, 「代签 李秀英」: a check-in asked for somebody else, through /wechat as
deployed. It never checks the sender in (taken for 「签到」 it checked the leader in
himself): a leader hears how to register the member (the mini-program's 代为登记), a member
that only the leader can; 「帮我签到」 is still the sender's own check-in."""

import pytest

from models import Member, ServiceRecord
from tests.factories import make_member, make_team
from tests.wechat.test_chat_support import Pushes, conversation_state, enrolled_activity
from wechat import phrasing, texts

FOR_LI = ["帮李秀英签到", "代签 李秀英", "替李秀英签到", "给李秀英签个到", "帮李秀英打卡"]
FOR_LI += ["代签到：李秀英", "我帮李秀英签到一下", "帮忙给李秀英签到", "队长，帮李秀英签到"]


@pytest.fixture
def team(app):
    with app.app_context():
        yield make_team()


@pytest.fixture
def leader(team, client, app, emulator):
    chief = Member.get((Member.team == team) & (Member.role == "leader"))
    Member.update(oa_openid="oa-chief").where(Member.id == chief.id).execute()
    enrolled_activity(Member.get_by_id(chief.id))  # 「签到」 would start his own check-in
    return Pushes(client, app, "oa-chief", emulator)


@pytest.fixture
def member(team, client, app, emulator):
    li = make_member(team=team, name="李秀英", oa_openid="oa-li-xiuying")
    enrolled_activity(li)
    return Pushes(client, app, "oa-li-xiuying", emulator)


@pytest.mark.parametrize("text", FOR_LI)
def test_a_leader_asking_to_check_a_member_in_is_told_how_and_not_checked_in(leader, text):
    reply = leader.say(text)
    assert reply == texts.PROXY_LEADER.format(who="李秀英")
    assert "代为登记" in reply and "小程序" in reply
    assert conversation_state("oa-chief") is None
    assert ServiceRecord.select().count() == 0


@pytest.mark.parametrize("text", ["代签", "代为登记"])
def test_naming_nobody_is_still_no_check_in(leader, text):
    assert leader.say(text) == texts.PROXY_LEADER.format(who="队员")
    assert conversation_state("oa-chief") is None


def test_a_member_hears_only_the_leader_can(member):
    assert member.say("帮张大爷签到") == texts.PROXY_MEMBER
    assert conversation_state("oa-li-xiuying") is None


@pytest.mark.parametrize("text", ["帮我签到", "帮忙签到", "给我签个到"])
def test_asking_for_ones_own_check_in_still_starts_it(member, text):
    assert "请发送您的当前位置" in member.say(text)
    assert conversation_state("oa-li-xiuying") == "checkin_location"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("帮李秀英签到", "李秀英"),
        ("替老张签退", "老张"),
        ("代签 李秀英", "李秀英"),
        ("代签", ""),
        ("帮我签到", None),
        ("帮助签到", None),
        ("签到", None),
        ("帮助老人打扫卫生", None),
    ],
)
def test_proxy_names(text, name):
    assert phrasing.proxy_name(text) == name
