"""Activities and enrolment, the member's own figures, the paired household, in the chat."""

from datetime import date, timedelta

import pytest

from models import ChatState, Enrollment, Household, Member
from services import clock, summary
from tests.factories import make_activity, make_member, make_record, pair
from tests.wechat import oa
from tests.wechat.test_chat_support import Pushes, chat_direct
from wechat import texts
from wechat.chat import common

member, chat = chat_direct("oa-dan", "赵敏")


def test_activities_are_listed_and_enrolled_by_number(chat, member):
    now = clock.now_utc()
    first = make_activity(member.team, starts_at=now + timedelta(days=1), title="义诊")
    make_activity(member.team, starts_at=now + timedelta(days=2), title="普法宣传")
    make_activity(member.team, starts_at=now - timedelta(days=3), title="已结束的活动")
    listing = chat.say("近期活动")
    assert "1. " in listing and "义诊" in listing and "普法宣传" in listing
    assert "已结束的活动" not in listing
    assert "报名成功" in chat.say("报名 1")
    assert Enrollment.get().activity_id == first.id
    chat.say("活动")
    assert "（已报名）" in chat.say("活动")
    assert "已报名「义诊」" in chat.say("1")


def test_enrolling_without_a_list_or_with_a_bad_number_explains(chat, member):
    assert "请先发送「活动」" in chat.say("报名 1")
    make_activity(member.team, starts_at=clock.now_utc() + timedelta(days=1))
    chat.say("活动")
    assert "列表中没有第 7 项（共 1 项）" in chat.say("报名 7")
    assert "列表中没有第 10 项" in chat.say("取消报名 十")
    assert "请回复「报名 序号」" in chat.say("报名")
    assert "请回复「取消报名 序号」" in chat.say("不报名了")
    assert "「取消报名 序号」取消报名" in chat.say("我选好了")  # a reply that names no number
    assert Enrollment.select().count() == 0


@pytest.fixture
def three(member):
    now = clock.now_utc()
    titles = ("义诊", "普法宣传", "敬老院探望")
    return [
        make_activity(member.team, starts_at=now + timedelta(days=n), title=title)
        for n, title in enumerate(titles, 1)
    ]


@pytest.mark.parametrize("text", ["报名 三", "报名第三个", "报名 第3个", "报名３", "报名：3"])
def test_a_number_may_be_written_in_chinese_or_as_nth(chat, three, text):
    chat.say("活动")
    assert "报名成功：「敬老院探望」" in chat.say(text)
    assert [e.activity_id for e in Enrollment.select()] == [three[2].id]


@pytest.mark.parametrize("text", ["取消报名 2", "退出报名 2", "不报名了 2", "取消报名第二个"])
def test_unenrolling_by_number_withdraws_and_keeps_the_list(chat, member, three, text):
    chat.say("活动")
    assert "报名成功" in chat.say("报名 1")
    assert "报名成功" in chat.say("报名 2")
    assert chat.say(text) == "已为您取消报名：「普法宣传」。"
    assert [e.activity_id for e in Enrollment.select()] == [three[0].id]
    assert "已为您取消报名：「义诊」" in chat.say("取消报名 1")  # the list is still shown
    assert Enrollment.select().count() == 0


def test_unenrolling_over_the_endpoint_is_not_mistaken_for_cancel(client, member, three):
    def say(text):
        return oa.reply_text(oa.push(client, oa.text("oa-dan", text)))

    say("活动")
    assert "报名成功" in say("报名 第一个")
    assert say("取消报名 1") == "已为您取消报名：「义诊」。"
    assert Enrollment.select().count() == 0


@pytest.mark.parametrize("text", ["取消 2", "取消2", "取消 第二个", "退出 2", "取消２"])
def test_cancel_with_a_number_said_to_the_list_withdraws_from_that_activity(
    chat, member, three, text
):
    """「取消 1」 to the list names the activity to withdraw from, as 「取消报名 1」 does; it
    does not leave the list (and withdraw nothing, as if it had been done)."""
    for activity in three[:2]:
        Enrollment.create(activity=activity, member=member, created_at=clock.now_utc())
    chat.say("活动")
    assert chat.say(text) == "已为您取消报名：「普法宣传」。"
    assert [e.activity_id for e in Enrollment.select()] == [three[0].id]
    assert ChatState.get().state == "activities"  # the list is still there
    assert chat.say("取消") == texts.CANCELLED  # plain 取消 still leaves it
    assert ChatState.get().state == ""
    assert Enrollment.select().count() == 1


def test_cancel_with_a_number_and_no_list_says_how_to_withdraw(chat, member, three):
    Enrollment.create(activity=three[0], member=member, created_at=clock.now_utc())
    assert chat.say("取消 1") == texts.UNENROLL_USAGE
    assert Enrollment.select().count() == 1


def test_cancel_with_a_number_in_another_conversation_leaves_it(chat, member, three):
    """At the list of today's activities to check in to, 「取消 1」 withdraws nothing."""
    now = clock.now_utc()
    for title in ("义诊", "普法宣传"):
        activity = make_activity(member.team, starts_at=now - timedelta(minutes=5), title=title)
        Enrollment.create(activity=activity, member=member, created_at=now)
    assert "今天可签到的活动" in chat.say("签到")
    assert chat.say("取消 1") == texts.CANCELLED
    assert Enrollment.select().count() == 2


def test_cancel_with_a_number_over_the_endpoint(client, member, three):
    Enrollment.create(activity=three[0], member=member, created_at=clock.now_utc())

    def say(text):
        return oa.reply_text(oa.push(client, oa.text("oa-dan", text)))

    say("活动")
    assert say("取消1") == "已为您取消报名：「义诊」。"
    assert Enrollment.select().count() == 0


def test_unenrolling_from_what_one_is_not_enrolled_in_says_so(chat, three):
    assert "请先发送「活动」查看列表，再回复「取消报名 序号」" in chat.say("取消报名 1")
    chat.say("活动")
    assert "您尚未报名「义诊」" in chat.say("取消报名 1")


def test_unenrolling_is_refused_with_the_services_reason(chat, member, three):
    Enrollment.create(activity=three[0], member=member, created_at=clock.now_utc())
    make_record(member, activity=three[0], checkin_at=three[0].starts_at)
    Enrollment.create(activity=three[1], member=member, created_at=clock.now_utc(), assigned=True)
    chat.say("活动")
    assert "您已签到，不能取消报名" in chat.say("取消报名 1")
    assert "指派给您的任务" in chat.say("取消报名 2")
    assert Enrollment.select().count() == 2


@pytest.mark.parametrize("text", ["我要取消报名2", "我想退出报名 2"])
def test_a_wish_to_unenroll_withdraws_as_its_keyword_does_and_never_enrols(
    chat, member, three, text
):
    """The wish (我要, 我想) is dropped when a keyword follows it (wechat.phrasing)."""
    Enrollment.create(activity=three[1], member=member, created_at=clock.now_utc())
    chat.say("活动")
    assert chat.say(text) == texts.UNENROLLED.format(title=three[1].title)
    assert ChatState.get().state == "activities"  # the list is still there to pick from
    assert Enrollment.select().count() == 0


@pytest.mark.parametrize(
    "text, n",
    [
        ("十", 10),
        ("十一", 11),
        ("十二", 12),
        ("二十", 20),
        ("二十五", 25),
        ("九十九", 99),
        ("第十五个", 15),
        ("第二十三项", 23),
        ("１２", 12),  # full-width digits
        ("第１５个", 15),
        ("一百", None),  # above 九十九: no list is that long
        ("十十", None),
        ("二十二十", None),
        ("一二", None),  # digit by digit is no number people write
        ("十二三", None),
        ("两", None),
        ("1000", None),
        ("第 3 个", 3),
        ("1 2", None),  # two numbers, not twelve
        ("一 二", None),
    ],
)
def test_list_numbers_are_read_up_to_ninety_nine_in_chinese(text, n):
    assert common.position(text) == n


@pytest.fixture
def fifteen(member):
    now = clock.now_utc()
    return [
        make_activity(member.team, starts_at=now + timedelta(hours=n), title=f"义诊第{n}场")
        for n in range(1, 16)
    ]


@pytest.mark.parametrize(
    "text, title",
    [
        ("报名十二", "义诊第12场"),
        ("报名 １２", "义诊第12场"),  # full-width digits after a space
        ("报名第十五个", "义诊第15场"),
        ("第十一个", "义诊第11场"),  # a bare number while the list is shown
        ("十四", "义诊第14场"),
    ],
)
def test_numbers_above_ten_pick_from_a_long_list(chat, fifteen, text, title):
    assert "11. " in chat.say("活动")
    assert chat.say(text).startswith(f"报名成功：「{title}」")
    assert [e.activity.title for e in Enrollment.select()] == [title]


@pytest.mark.parametrize(
    "text, told",
    [
        ("报名二十", "列表中没有第 20 项（共 15 项）"),
        ("二十", "列表中没有第 20 项（共 15 项）"),
        ("报名一百", "请回复「报名 序号」（列表共 15 项）"),
        ("报名十十", "请回复「报名 序号」（列表共 15 项）"),
        ("取消报名 二十二十", "请回复「取消报名 序号」（列表共 15 项）"),
        ("报名 1 2", "请回复「报名 序号」（列表共 15 项）"),  # not item 12
        ("报名 1 1", "请回复「报名 序号」（列表共 15 项）"),
    ],
)
def test_numbers_beyond_the_list_or_nonsense_are_refused_politely(chat, fifteen, text, told):
    chat.say("活动")
    assert told in chat.say(text)
    assert Enrollment.select().count() == 0


def test_a_full_activity_refuses_politely(chat, member):
    full = make_activity(member.team, starts_at=clock.now_utc() + timedelta(days=1), capacity=1)
    Enrollment.create(
        activity=full, member=make_member(team=member.team), created_at=full.created_at
    )
    assert "（已满）" in chat.say("活动")
    assert chat.say("报名 1").startswith("操作未成功")


def test_no_upcoming_activities(chat):
    assert "近期没有" in chat.say("活动")


def test_mine_shows_hours_and_visits(chat, member):
    now = clock.now_utc()
    make_record(
        member,
        checkin_at=now - timedelta(hours=3),
        checkout_at=now - timedelta(hours=1),
        duration_minutes=120,
        content="义诊",
        target="居民",
        outcome="服务20人",
        status="verified",
    )
    pair(member, started_on=date(2026, 1, 1))
    text = chat.say("我的时长")
    assert "赵敏" in text and "1 次，2.0 小时" in text
    assert text.endswith("\n还没有走访过结对家庭，请尽快走访。")


def test_mine_without_a_pairing(chat):
    assert "您还没有结对家庭" in chat.say("我的")


def test_pairing_is_masked(chat, member):
    household = pair(member).household
    Household.update(head_name="张建国", phone="13912345678", address="幸福路12号3单元").execute()
    text = chat.say("结对")
    assert "张**" in text and "139****5678" in text and "幸福路****" in text
    assert "张建国" not in text and household.phone not in text


def test_pairing_without_a_household(chat):
    assert "还没有结对家庭" in chat.say("结对家庭")


def test_mine_gives_the_hours_the_mini_program_shows(chat, member, client):
    """190 minutes of activity and a 45-minute visit: 3.9 hours this quarter, in the chat's
    reply as on the mini-program's summary, whose kinds add up to it (3.2 + 0.7)."""
    Member.update(mp_openid="mp-dan").where(Member.id == member.id).execute()
    now = clock.now_utc()
    start = max(now - timedelta(hours=5), clock.local_midnight(clock.local_today(now)))
    for kind, minutes in (("activity", 190), ("visit", 45)):
        make_record(
            member,
            kind=kind,
            checkin_at=start,
            checkout_at=start + timedelta(minutes=minutes),
            duration_minutes=minutes,
            content="服务",
            target="居民",
            outcome="完成",
            status="verified",
        )
    token = client.post("/api/v1/auth/login", json={"code": "code:mp-dan"}).get_json()["token"]
    mine = client.get("/api/v1/me/summary", headers={"Authorization": f"Bearer {token}"})
    quarter = mine.get_json()["quarter"]
    assert (quarter["hours"], quarter["minutes"]) == (3.9, 235)
    kinds = quarter["by_kind"]
    assert (kinds["activity"]["hours"], kinds["visit"]["hours"]) == (3.2, 0.7)
    assert (kinds["activity"]["minutes"], kinds["visit"]["minutes"]) == (190, 45)
    assert "本季度" in (text := chat.say("时长")) and "2 次，3.9 小时" in text


def test_entries_waiting_for_review_are_counted_once_in_the_wording(client, app, member, emulator):
    """Two flagged services are counted (checked out, filled in) and a third is not yet: the
    reply says the two are among those counted, and that three wait in all, never 「另有 3
    条」 as if besides the two: the figures of GET /me/summary."""
    now = clock.now_utc()
    filled = {"content": "上门看望", "target": "独居老人", "outcome": "老人很满意"}
    for hours_ago in (3, 2):
        at = now - timedelta(hours=hours_ago)
        make_record(
            member,
            checkin_at=at,
            checkout_at=at + timedelta(minutes=2),
            duration_minutes=2,
            status="flagged",
            flags=["short_service"],
            **filled,
        )
    make_record(
        member, checkin_at=now - timedelta(hours=1), status="flagged", flags=["out_of_range"]
    )  # still open: not counted
    figures = summary.member_summary(member, now, 30)
    assert (figures.quarter.services, figures.quarter.pending_review.services) == (2, 2)
    assert figures.flagged_awaiting_review == 3
    reply = Pushes(client, app, "oa-dan", emulator).say("我的")
    assert "：2 次，0.1 小时（其中 2 次待审核）\n" in reply
    assert "共有 3 条记录等待审核，不通过的不计入服务时长。" in reply and "另有" not in reply
