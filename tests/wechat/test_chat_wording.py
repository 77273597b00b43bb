"""How the chat words what members and leaders read, through /wechat as deployed: flags in
neutral words (a visit's in a visit's terms), each question asked once without a doubled
lead, an unreadable photo in plain words, an overdue visit as how long it has been."""

from datetime import date, timedelta

import pytest

from models import Household, Member
from services import clock
from services.flags import flag_names
from tests import images
from tests.factories import make_record, pair
from tests.wechat.test_chat_support import Pushes, chat_user, enrolled_activity
from wechat import texts

HOME = (34.7466, 113.6253)
FAR = 0.02  # about 2 km north


member, user = chat_user("oa-feng", "冯丽")


@pytest.fixture
def leader(client, app, member, emulator):
    chief = Member.get((Member.team == member.team) & (Member.role == "leader"))
    Member.update(oa_openid="oa-feng-lead").where(Member.id == chief.id).execute()
    return Pushes(client, app, "oa-feng-lead", emulator)


def test_a_location_on_the_very_point_is_said_neutrally(user, leader, member):
    activity = enrolled_activity(member, title="义诊")
    user.say("签到")
    user.location(activity.lat, activity.lng)  # exactly the activity's point
    user.photo(images.jpeg(seed=601))
    user.settle()
    result = user.pushed()[-1]
    assert "需要队长审核：位置与服务地点坐标完全一致" in result and "完全相同" not in result
    assert "位置与服务地点坐标完全一致" in leader.say("待审")


def test_a_visit_far_from_the_household_is_said_in_a_visits_words(user, leader, member):
    home = pair(member).household
    Household.update(lat=HOME[0], lng=HOME[1]).where(Household.id == home.id).execute()
    user.say("走访")
    user.location(HOME[0] + FAR, HOME[1])
    user.photo(images.jpeg(seed=602))
    user.settle()
    result = user.pushed()[-1]
    assert "需要队长审核：位置离结对家庭较远" in result and "服务地点" not in result
    assert "位置离结对家庭较远" in leader.say("待审")


def test_a_visit_on_the_households_very_point_is_said_in_a_visits_words(user, leader, member):
    home = pair(member).household
    Household.update(lat=HOME[0], lng=HOME[1]).where(Household.id == home.id).execute()
    user.say("走访")
    user.location(*HOME)  # exactly the household's point
    user.photo(images.jpeg(seed=603))
    user.settle()
    result = user.pushed()[-1]
    assert "需要队长审核：位置与结对家庭坐标完全一致" in result and "服务地点" not in result
    assert "位置与结对家庭坐标完全一致" in leader.say("待审")


AT_A_SERVICE_POINT = [
    "位置不在服务地点范围内",
    "签退位置不在服务地点范围内",
    "位置与服务地点坐标完全一致",
]


@pytest.mark.parametrize(
    ("kind", "names"),
    [
        ("visit", ["位置离结对家庭较远", "签退位置离结对家庭较远", "位置与结对家庭坐标完全一致"]),
        ("activity", AT_A_SERVICE_POINT),
        (None, AT_A_SERVICE_POINT),
    ],
)
def test_flag_names_follow_the_kind_of_entry(kind, names):
    flags = ["out_of_range", "checkout_out_of_range", "coords_identical"]
    assert flag_names(flags, kind) == names


def checked_out(user, member) -> str:
    make_record(member, kind="individual", checkin_at=clock.now_utc() - timedelta(hours=1))
    user.say("签退")
    return user.say("跳过")


def test_each_register_question_has_one_lead(user, member):
    asked = checked_out(user, member)
    assert asked.endswith("\n请补充登记：" + texts.ASK_REGISTER_TARGET)
    hint = user.say("签退")  # a command word is no answer: the question again
    assert hint.endswith(
        "请直接写下您的回答：这次服务的对象是谁？（如：幸福社区老年居民；回复「跳过」稍后再填）"
    )
    assert "请补充登记" not in hint
    user.say("取消")
    again = user.say("补登")
    assert again == "补充登记「个人服务（分散活动）」：\n" + texts.ASK_REGISTER_TARGET
    assert again.count("补充登记") == 1


def test_a_visits_question_waiting_for_words_is_put_once(user, member):
    pair(member)
    user.say("走访")
    user.location(*HOME)
    user.photo(images.jpeg(seed=603))
    user.settle()
    told = user.location(*HOME)
    assert told == (
        "这一步请直接输入文字回答：这次走访看到的家庭情况怎么样？"
        "请简单写几句（回复「跳过」稍后再填）。"
    )


def test_an_unreadable_photo_is_told_in_plain_words(user, member):
    activity = enrolled_activity(member)
    user.say("签到")
    user.location(activity.lat + 0.00027, activity.lng)
    user.photo(b"not a picture")
    user.settle()
    told = user.pushed()[-1]
    assert told == (
        "没能打开这张图片，请直接用手机相机拍一张佩戴党徽的现场照片再发送。发送「取消」可退出。"
    )
    assert "JPG" not in told and "识别" not in told


def test_an_overdue_visit_is_said_as_how_long_it_has_been(user, member):
    home = pair(member, started_on=date(2025, 1, 1)).household
    today = clock.local_today()
    last = clock.now_utc() - timedelta(days=45)
    make_record(
        member,
        kind="visit",
        household=home,
        checkin_at=last,
        checkout_at=last + timedelta(hours=1),
        status="verified",
    )
    days = (today - clock.to_local(last).date()).days
    reply = user.say("我的")
    on = clock.to_local(last).date().isoformat()
    assert reply.endswith(f"\n上次走访：{on}，已经 {days} 天没有走访了，请尽快走访。")
    assert "逾期" not in reply and "建议在" not in reply


def test_a_visit_not_yet_due_says_when(user, member):
    home = pair(member, started_on=date(2025, 1, 1)).household
    last = clock.now_utc() - timedelta(days=2)
    make_record(
        member,
        kind="visit",
        household=home,
        checkin_at=last,
        checkout_at=last + timedelta(hours=1),
        status="verified",
    )
    reply = user.say("我的")
    assert "下次走访建议在" in reply and reply.endswith("前。")
