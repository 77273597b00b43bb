"""How new members phrase requests (wechat.phrasing): a greeting before the request, a wish
(「我想报名」), typos and traditional characters, facts (「到了」, 「我走了」), a range of days
(「今天的活动有哪些」); and the texts that must still name nothing."""

from datetime import timedelta

import pytest

from models import ChatState, Enrollment, Member, Notification, ServiceRecord
from services import clock
from tests import images
from tests.factories import make_activity, make_record, pair
from tests.wechat.test_chat_support import Chat, chat_direct, conversation_state, enrolled_activity
from wechat import matching, smalltalk, texts
from wechat.chat import state

member, chat = chat_direct("oa-qian", "钱多")


def conversation(openid="oa-qian"):
    return conversation_state(openid)


@pytest.mark.parametrize(
    "text, command, args",
    [
        ("您好，我想签个到", "checkin", ""),
        ("你好，我要报名 1", "enroll", "1"),
        ("队长好！我要签到", "checkin", ""),
        ("在吗？我想报名", "enroll", ""),
        ("Hi，活动", "activities", ""),
        ("打扰了，请问我这个季度干了多少小时", "mine", ""),
        ("请问怎么报名", "enroll", ""),
        ("我想报名", "enroll", ""),
        ("报个名", "enroll", ""),
        ("我报名 2", "enroll", "2"),
        ("我想看看最近都有些什么活动呀", "activities", ""),  # longer than SHORT_TEXT
        ("我这个季度干了多少小时", "mine", ""),
        ("发个通知 明天开会", "broadcast", "明天开会"),
        ("我要发通知：明天开会", "broadcast", "明天开会"),
        ("签道", "checkin", ""),
        ("簽到", "checkin", ""),
        ("簽退", "checkout", ""),
        ("退签", "checkout", ""),
        ("qiandao", "checkin", ""),
        ("到了", "arrived", ""),
        ("我已经到了", "arrived", ""),
        ("我先走了", "leaving", ""),
        ("我走了哈", "leaving", ""),
    ],
)
def test_phrasings_name_their_command(text, command, args):
    found = matching.match(text)
    assert (found.command.name, found.args, found.mood) == (command, args, matching.DO)


@pytest.mark.parametrize(
    "text", ["您好", "你好", "Hi", "hello", "在吗", "在吗？", "队长好", "打扰了", "请问", "您好呀"]
)
def test_a_bare_greeting_asks_for_help(text):
    found = matching.match(text)
    assert (found.command.name, found.mood) == ("help", matching.DO)


@pytest.mark.parametrize(
    "text",
    [
        "到",  # one character of 签到: too short to read as arriving
        "收到了",
        "他到了吗",
        "我走得很慢",
        "这是一段很长的话，里面提到了签到但并不是命令本身哦",
        "今天下午社区组织的活动因为下雨要取消",  # a long text never ends in 取消
        "我就随便说说",
    ],
)
def test_near_phrasings_still_name_nothing(text):
    assert matching.match(text) is None


@pytest.mark.parametrize(
    "text, command",
    [
        ("您好，我不想签到", "checkin"),
        ("我今天实在太累了就不想去签到了吧", "checkin"),  # long, ending in the keyword
        ("我不想报名", "enroll"),
    ],
)
def test_a_greeting_or_a_wish_never_hides_a_negation(text, command):
    found = matching.match(text)
    assert (found.command.name, found.mood) == (command, matching.REFUSE)


def test_traditional_small_talk_is_small_talk():
    assert smalltalk.kind("謝謝") == smalltalk.THANKS


def test_a_greeting_in_front_of_a_check_in_starts_it(chat, member):
    activity = enrolled_activity(member)
    assert f"签到「{activity.title}」" in chat.say("您好，我想签个到")
    assert conversation() == "checkin_location"


def test_a_greeting_in_front_of_an_enrolment_enrols(chat, member):
    activity = make_activity(member.team, starts_at=clock.now_utc() + timedelta(days=1))
    chat.say("活动")
    assert "报名成功" in chat.say("你好，我要报名 1")
    assert Enrollment.get().activity_id == activity.id


@pytest.mark.parametrize("text", ["在吗", "Hi", "您好"])
def test_a_bare_greeting_gets_the_help(chat, text):
    assert "钱多同志您好，可以发送" in chat.say(text)


@pytest.mark.parametrize("text", ["我想报名", "报个名", "怎么报名"])
def test_wanting_to_enrol_without_a_list_shows_the_list(chat, member, text):
    make_activity(member.team, starts_at=clock.now_utc() + timedelta(days=1), title="义诊")
    reply = chat.say(text)
    assert reply.startswith(texts.UPCOMING_HEADER) and "1. " in reply and "义诊" in reply
    assert conversation() == "activities" and Enrollment.select().count() == 0


@pytest.mark.parametrize(
    "text, n", [("我报1", 1), ("我报第三个", 3), ("报2", 2), ("我选第二个", 2)]
)
def test_a_number_said_with_a_verb_at_the_list_enrols(chat, member, text, n):
    now = clock.now_utc()
    made = [make_activity(member.team, starts_at=now + timedelta(days=d)) for d in (1, 2, 3)]
    chat.say("活动")
    assert "报名成功" in chat.say(text)
    assert Enrollment.get().activity_id == made[n - 1].id


def test_another_reply_at_the_list_is_still_not_understood(chat, member):
    make_activity(member.team, starts_at=clock.now_utc() + timedelta(days=1))
    chat.say("活动")
    assert chat.say("我报了吗") == texts.LISTED_NOT_UNDERSTOOD
    assert Enrollment.select().count() == 0


def test_a_long_question_about_activities_lists_them(chat, member):
    make_activity(member.team, starts_at=clock.now_utc() + timedelta(days=1), title="义诊")
    assert "义诊" in chat.say("我想看看最近都有些什么活动呀")


def test_hours_asked_in_a_sentence_are_the_members_figures(chat):
    assert chat.say("我这个季度干了多少小时") == chat.say("我的")


def test_a_leader_sends_a_notice_in_his_own_words(app, emulator, member):
    leader = Member.get(Member.role == "leader")
    Member.update(oa_openid="oa-leader").where(Member.id == leader.id).execute()
    Member.update(last_interaction_at=clock.now_utc()).where(Member.id == member.id).execute()
    leader_chat = Chat("oa-leader", emulator)
    preview = leader_chat.say("发个通知 明天开会")
    assert "——\n明天开会\n——" in preview and "回复「确认」发送" in preview
    assert conversation("oa-leader") == "broadcast_confirm" and Notification.select().count() == 0


def test_arriving_with_an_activity_open_starts_the_check_in(chat, member):
    activity = enrolled_activity(member)
    assert f"签到「{activity.title}」" in chat.say("我到了")
    assert conversation() == "checkin_location" and ServiceRecord.select().count() == 0


def test_arriving_with_nothing_open_is_only_acknowledged(chat):
    assert chat.say("到了") == texts.SMALLTALK_ACK + texts.SMALLTALK_IDLE
    assert conversation() is None


def test_leaving_with_a_check_in_open_starts_the_check_out(chat, member):
    make_record(member, checkin_at=clock.now_utc() - timedelta(hours=1))
    assert "请发送您的当前位置，或回复「跳过」直接签退" in chat.say("我走了")
    assert ServiceRecord.get().checkout_at is None  # nothing recorded by the words alone
    assert "签退成功" in chat.say("跳过")
    assert ServiceRecord.get().checkout_at is not None


def test_leaving_with_nothing_open_is_only_acknowledged(chat):
    assert chat.say("我走了") == texts.SMALLTALK_ACK + texts.SMALLTALK_IDLE
    assert ChatState.select().count() == 0


def test_leaving_keeps_what_a_conversation_waits_for(chat, member):
    make_activity(member.team, starts_at=clock.now_utc() + timedelta(days=1))
    chat.say("活动")
    assert chat.say("我走了") == texts.SMALLTALK_ACK + texts.LISTED_HINT
    assert conversation() == "activities"


def in_days(member, days: int, title: str):
    """An activity `days` from today (Shanghai): today's in a minute, others at 10:00."""
    now = clock.now_utc()
    if days == 0:
        return make_activity(member.team, starts_at=now + timedelta(minutes=1), title=title)
    start = clock.local_midnight(clock.local_today(now) + timedelta(days=days))
    return make_activity(member.team, starts_at=start + timedelta(hours=10), title=title)


@pytest.mark.parametrize(
    "text, header, shown",
    [
        ("今天的活动有哪些", texts.TODAY_HEADER, {"今晚"}),
        ("明天有什么活动", texts.TOMORROW_HEADER, {"明晚"}),
        ("活动", texts.UPCOMING_HEADER, {"今晚", "明晚", "下月初"}),
    ],
)
def test_a_range_of_days_named_lists_that_range(chat, member, monkeypatch, text, header, shown):
    # At noon (Shanghai): late in the evening today's activity would run on into tomorrow, and
    # rightly be listed as tomorrow's too.
    noon = clock.local_midnight(clock.local_today()) + timedelta(hours=12)
    monkeypatch.setattr(clock, "now_utc", lambda: noon)
    in_days(member, 0, "今晚")
    in_days(member, 1, "明晚")
    in_days(member, 20, "下月初")
    reply = chat.say(text)
    assert reply.startswith(header)
    assert {t for t in ("今晚", "明晚", "下月初") if t in reply} == shown


def test_nothing_in_the_range_asked_says_so(chat, member):
    in_days(member, 3, "大后天")
    assert chat.say("今天有活动吗") == texts.NONE_IN_RANGE


@pytest.fixture
def leader_chat(app, emulator, member):
    leader = Member.get(Member.role == "leader")
    Member.update(oa_openid="oa-leader").where(Member.id == leader.id).execute()
    return Chat("oa-leader", emulator)


@pytest.mark.parametrize("text", ["通知 不行", "通知发不了"])
def test_a_leader_whose_notice_does_not_work_is_sent_to_the_office(leader_chat, text):
    reply = leader_chat.say(text)
    assert reply.endswith("请联系办公室帮忙。") and "联系队长" not in reply
    assert conversation("oa-leader") is None and Notification.select().count() == 0


def test_a_leader_whose_check_in_does_not_work_is_not_sent_to_himself(leader_chat):
    reply = leader_chat.say("我签不上")
    assert reply.endswith(texts.TROUBLE_CONTACT[True]) and "队长" not in reply


def test_a_member_is_still_sent_to_the_leader_or_the_office(chat):
    assert chat.say("签到不了").endswith(texts.TROUBLE_CONTACT[False])


@pytest.mark.parametrize("text", ["不行", "用不了啊", "还是不行"])
def test_not_working_of_nothing_named_says_what_to_do_and_whom_to_ask(chat, leader_chat, text):
    assert chat.say(text) == texts.TROUBLE.format(
        tip=texts.STUCK_TIP, contact=texts.TROUBLE_CONTACT[False]
    )
    assert leader_chat.say(text).endswith(texts.TROUBLE_CONTACT[True])


def test_not_working_during_a_step_repeats_the_step(chat, member):
    enrolled_activity(member)
    chat.say("签到")
    reply = chat.say("不行")
    assert texts.ASK_LOCATION_AGAIN in reply and conversation() == "checkin_location"


def test_this_week_lists_from_today_to_sunday(chat, member):
    in_days(member, 0, "今晚")
    in_days(member, 20, "下月初")
    reply = chat.say("本周有什么活动")
    assert reply.startswith(texts.WEEK_HEADER) and "今晚" in reply and "下月初" not in reply


def test_arriving_during_a_check_in_keeps_the_photo_it_holds(chat, member):
    enrolled_activity(member)
    chat.say("签到")
    chat.photo(images.jpeg(seed=311))
    assert chat.say("我到了") == texts.SMALLTALK_ACK + texts.ASK_LOCATION_AGAIN
    live = state.current("oa-qian", clock.now_utc())
    assert live.state == "checkin_location" and "photo" in live.data


def test_arriving_during_a_visit_keeps_the_visit(chat, member):
    enrolled_activity(member)
    pair(member)
    chat.say("走访")
    assert chat.say("到了") == texts.SMALLTALK_ACK + texts.ASK_LOCATION_AGAIN
    assert state.current("oa-qian", clock.now_utc()).data["target"] == "visit"


def test_leaving_during_a_check_out_keeps_its_step(chat, member):
    make_record(member, checkin_at=clock.now_utc() - timedelta(hours=1))
    chat.say("签退")
    reply = chat.say("我走了")
    assert reply.startswith(texts.SMALLTALK_ACK) and "直接签退" in reply
    assert conversation() == "checkout_location" and ServiceRecord.get().checkout_at is None


@pytest.mark.parametrize("text", ["打个电话", "多少钱"])
def test_everyday_words_near_a_synonym_name_nothing(chat, member, text):
    enrolled_activity(member)
    assert chat.say(text) == texts.NOT_UNDERSTOOD
    assert conversation() is None


@pytest.mark.parametrize("text, command", [("签个道", "checkin"), ("我的时常", "mine")])
def test_a_typo_sharing_what_makes_the_keyword_is_still_guessed(text, command):
    assert matching.match(text).command.name == command


@pytest.mark.parametrize(
    "text, command", [("我的活动", "activities"), ("huodong", "activities"), ("wode", "mine")]
)
def test_my_activities_and_pinyin_name_their_commands(text, command):
    assert matching.match(text).command.name == command


@pytest.mark.parametrize(
    "text, command",
    [
        ("签到一下", "checkin"),
        ("签到了吗", "checkin"),
        ("时长多少", "mine"),
        ("活动有哪些", "activities"),
        ("帮助一下", "help"),
        ("确认无误", "confirm"),
        ("确认一下", "confirm"),
    ],
)
def test_a_keyword_with_a_common_ending_still_asks_for_it(text, command):
    """Only other words make a leading keyword about something else (「活动室门锁了」)."""
    found = matching.match(text)
    assert (found.command.name, found.asked) == (command, False)


@pytest.mark.parametrize("text", ["活动室门锁了", "我的手机坏了"])
def test_a_keyword_leading_other_words_is_about_something_else(text):
    assert matching.match(text).asked


@pytest.mark.parametrize("text", ["帮助老人打扫卫生", "签到今天的义诊活动", "我的结对户家里漏水了"])
def test_a_sentence_that_only_starts_with_a_keyword_names_no_command(text):
    """Four words or more running on from a leading keyword make it prose (matching._prose)."""
    assert matching.match(text) is None


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("签到 今天的义诊活动", "checkin"),  # set apart: the keyword is the command
        ("签到，今天的义诊活动", "checkin"),
        ("我的服务时长", "mine"),  # the words run on name it again
        ("统计一下本月", "mine"),
        ("签到表在哪里啊", "checkin"),  # asking about it
    ],
)
def test_a_keyword_set_apart_or_asked_about_still_names_its_command(text, command):
    assert matching.match(text).command.name == command


def test_prose_starting_with_help_is_not_the_help_menu(chat):
    assert chat.say("帮助老人打扫卫生") == texts.NOT_UNDERSTOOD  # 帮助 is not suggested


@pytest.mark.parametrize("text", ["登记走访", "我来登记一下走访"])
def test_registering_a_visit_is_a_visit_not_bu_deng(text):
    assert matching.match(text).command.name == "visit"
