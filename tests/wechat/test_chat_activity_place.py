"""Where an activity is, in the chat, through /wechat as deployed: the list of 「活动」 says
each one's place (its community's name when no place was published), and so do an
enrolment and a repeated one."""

from datetime import timedelta

from models import Enrollment
from services import clock
from tests.factories import make_activity
from tests.wechat.test_chat_support import chat_user
from wechat import texts
from wechat.chat.common import MAX_TEXT_BYTES

member, user = chat_user("oa-fang", "方大爷")


def upcoming(member, title: str, place: str = "", days: int = 1):
    starts = clock.now_utc() + timedelta(days=days)
    return make_activity(member.team, starts_at=starts, title=title, place=place)


def test_the_list_says_where_each_activity_is(user, member):
    upcoming(member, "义诊", place="文化路社区活动室", days=1)
    upcoming(member, "清扫", days=2)
    lines = user.say("活动").split("\n")
    assert lines[1].startswith("1. ") and lines[1].endswith("义诊")
    assert lines[2] == texts.LISTED_WHERE_LINE.format(place="文化路社区活动室")
    assert lines[3].startswith("2. ") and lines[3].endswith("清扫")
    assert lines[4] == texts.LISTED_WHERE_LINE.format(place=member.team.community.name)


def test_enrolling_says_where_to_go(user, member):
    activity = upcoming(member, "义诊", place="文化路社区活动室")
    user.say("活动")
    enrolled = user.say("报名 1")
    where = "\n" + texts.WHERE_LINE.format(place="文化路社区活动室")
    assert enrolled.startswith("报名成功：「义诊」") and enrolled.endswith(
        where + texts.ENROLLED_THEN
    )
    assert Enrollment.get().activity_id == activity.id
    assert user.say("报名 1") == texts.ALREADY_ENROLLED.format(title="义诊") + where


def test_asking_where_the_activities_are_lists_them_with_their_places(user, member):
    upcoming(member, "义诊", place="文化路社区活动室")
    assert "在哪儿：文化路社区活动室" in user.say("活动在哪儿")


def test_a_long_list_with_places_keeps_within_the_text_limit(user, member):
    for n in range(30):
        upcoming(member, f"第{n}次环境卫生整治活动", place="文化路社区党群服务中心二楼会议室" * 2)
    listed = user.say("活动")
    assert len(listed.encode()) <= MAX_TEXT_BYTES and texts.MORE_IN_MINI_PROGRAM in listed
    shown = [line for line in listed.split("\n") if line[:1].isdigit()]
    assert len(shown) == listed.count("在哪儿：")  # never a line without its place
