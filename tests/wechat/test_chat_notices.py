"""A leader's notices read in full in the chat, through /wechat as deployed
(wechat.chat.notices): 「通知」 lists the member's own team's latest, 「通知 N」 shows one whole,
split over messages within WeChat's limit when the heading takes it past; a leader, whose
「通知」 sends one, reads with 「看通知」."""

from datetime import timedelta

import pytest

from models import Broadcast, Member, Notification
from services import broadcast_text, clock
from tests.factories import make_member, make_record, make_team
from tests.wechat import oa
from tests.wechat.test_chat_support import Chat, chat_user, conversation_state
from wechat import texts
from wechat.chat import state
from wechat.chat.common import MAX_TEXT_BYTES

member, user = chat_user("oa-tang", "唐大姐")


def leader_of(member) -> Member:
    return Member.get((Member.team == member.team) & (Member.role == "leader"))


def notice(team, text: str, minutes_ago: int = 0, sender=None) -> Broadcast:
    sender = sender or Member.get((Member.team == team) & (Member.role == "leader"))
    at = clock.now_utc() - timedelta(minutes=minutes_ago)
    key = f"test:{team.id}:{minutes_ago}:{len(text)}"
    return Broadcast.create(team=team, sender=sender, text=text, request_key=key, created_at=at)


def test_a_member_lists_the_teams_latest_notices_newest_first(user, member):
    notice(member.team, "周六上午九点在社区活动室集合，开展环境卫生整治活动", minutes_ago=60)
    notice(member.team, "明天义诊取消", minutes_ago=5)
    notice(make_team(), "别的队的通知", minutes_ago=1)
    listed = user.say("通知")
    lines = listed.split("\n")
    assert lines[0] == texts.NOTICES_HEADER
    assert lines[1].startswith("1. ") and lines[1].endswith("明天义诊取消")
    assert lines[2].startswith("2. ") and "周六上午九点在社区活动室集合" in lines[2]
    assert "别的队" not in listed and listed.endswith(texts.NOTICES_FOOTER.format(word="通知"))
    assert Broadcast.select().count() == 3 and Notification.select().count() == 0  # sent none


@pytest.mark.parametrize(
    "text", ["通知 2", "通知 第二个", "看通知 2", "查看通知 2", "通知第2条", "通知 第２条"]
)
def test_a_member_reads_one_notice_whole(user, member, text):
    whole = "周六上午九点在社区活动室集合，开展环境卫生整治活动。请穿工作服，佩戴党徽，自带手套。"
    notice(member.team, whole, minutes_ago=60)
    notice(member.team, "明天义诊取消", minutes_ago=5)
    shown = user.say(text)
    assert shown.startswith("【队长通知】") and shown.endswith("\n" + whole)
    assert user.pushed() == []


def test_a_notice_past_the_limit_with_its_heading_is_split_in_order(user, member):
    whole = "请各位队员注意：" + "周六上午九点集合。" * 400
    whole = whole.encode()[: broadcast_text.MAX_BYTES].decode(errors="ignore")
    assert broadcast_text.check_text(whole) == whole  # as long as a notice may be
    notice(member.team, whole)
    first = user.say("通知 1")
    user.settle()
    parts = [first, *user.pushed()]
    assert len(parts) == 2
    assert all(len(part.encode()) <= MAX_TEXT_BYTES for part in parts)
    assert [p.endswith(f"（第 {n}/2 段）") for n, p in enumerate(parts, 1)] == [True, True]
    body = "".join(p.rsplit("\n（第", 1)[0] for p in parts)
    assert body.split("：\n", 1)[1].replace("\n", "") == whole.replace("\n", "")


@pytest.mark.parametrize("text", ["通知呢", "通知？", "有什么通知", "我的通知", "看看通知"])
def test_asking_for_notices_in_other_words_lists_them(user, member, text):
    notice(member.team, "明天义诊取消")
    assert user.say(text).startswith(texts.NOTICES_HEADER)


def test_no_notice_or_no_such_number_is_said(user, member):
    assert user.say("通知") == texts.NO_NOTICES
    notice(member.team, "明天义诊取消")
    assert user.say("通知 5") == texts.NO_SUCH_NOTICE.format(count=1, word="通知")
    assert user.say("通知 明天集合") == texts.NOTICE_SENDING_LEADER_ONLY
    assert Notification.select().count() == 0


@pytest.mark.parametrize("text", ["通知 大家好", "通知：大家好", "通知 谢谢", "紧急通知 好的"])
def test_a_member_sending_a_notice_of_courtesy_words_hears_only_leaders_send(user, member, text):
    """Not 「好的。需要时请发送「帮助」…」, as if greeted: the text asks to send a notice."""
    assert user.say(text) == texts.NOTICE_SENDING_LEADER_ONLY
    assert Notification.select().count() == 0


@pytest.mark.parametrize("text", ["通知 -1", "通知 1.5", "通知 123456789", "通知第9条", "通知 0"])
def test_a_number_naming_no_notice_hears_how_many_there_are(user, member, text):
    notice(member.team, "明天义诊取消")
    assert user.say(text) == texts.NO_SUCH_NOTICE.format(count=1, word="通知")


def test_a_leader_still_sends_with_tongzhi_and_reads_with_kan_tongzhi(client, member):
    leader = leader_of(member)
    Member.update(oa_openid="oa-tang-lead").where(Member.id == leader.id).execute()
    make_member(team=member.team)
    notice(member.team, "明天义诊取消")
    said = oa.reply_text(oa.push(client, oa.text("oa-tang-lead", "通知")))
    assert said == texts.BROADCAST_ASK_TEXT
    oa.push(client, oa.text("oa-tang-lead", "取消"))
    listed = oa.reply_text(oa.push(client, oa.text("oa-tang-lead", "看通知")))
    assert "明天义诊取消" in listed and listed.endswith(texts.NOTICES_FOOTER.format(word="看通知"))
    shown = oa.reply_text(oa.push(client, oa.text("oa-tang-lead", "看通知 1")))
    assert shown.endswith("\n明天义诊取消")
    assert conversation_state("oa-tang-lead") is None


def test_help_tells_a_member_how_to_read_notices(user, member):
    assert "「通知」" in user.say("帮助")


@pytest.mark.parametrize("number", ["第2条", "2", "２", "第二个"])
def test_a_number_right_after_the_list_shows_that_notice(user, member, number):
    notice(member.team, "周六上午九点在社区活动室集合", minutes_ago=60)
    notice(member.team, "明天义诊取消", minutes_ago=5)
    user.say("通知")
    shown = user.say(number)
    assert shown.startswith("【队长通知】") and shown.endswith("\n周六上午九点在社区活动室集合")
    assert user.say("1").endswith("\n明天义诊取消")  # the list still answers the next number
    assert user.say("3") == texts.NO_SUCH_NOTICE.format(count=2, word="通知")


def test_a_leader_reads_by_number_after_kan_tongzhi(client, member):
    leader = leader_of(member)
    Member.update(oa_openid="oa-tang-lead").where(Member.id == leader.id).execute()
    notice(member.team, "明天义诊取消")
    oa.push(client, oa.text("oa-tang-lead", "看通知"))
    shown = oa.reply_text(oa.push(client, oa.text("oa-tang-lead", "1")))
    assert shown.endswith("\n明天义诊取消")


@pytest.mark.parametrize("between", ["我的", "帮助", "你好"])
def test_a_number_after_something_else_was_shown_is_no_notice(user, member, between):
    notice(member.team, "明天义诊取消")
    user.say("通知")
    user.say(between)
    assert user.say("1") == texts.NOT_UNDERSTOOD


def test_a_number_long_after_the_list_is_no_notice(member, emulator, monkeypatch):
    chat = Chat("oa-tang", emulator)
    notice(member.team, "明天义诊取消")
    chat.say("通知")
    later = clock.now_utc() + state.TIMEOUT + timedelta(seconds=1)
    monkeypatch.setattr(clock, "now_utc", lambda: later)
    assert chat.say("1") == texts.NOT_UNDERSTOOD


def test_a_number_for_a_list_asked_while_a_check_out_waits_is_the_check_outs(user, member):
    """「通知」 between 签退's list and its number does not take the number from it."""
    make_record(member, kind="individual", checkin_at=clock.now_utc() - timedelta(hours=2))
    make_record(member, kind="visit", checkin_at=clock.now_utc() - timedelta(hours=1))
    notice(member.team, "明天义诊取消")
    assert "2. " in user.say("签退")
    assert user.say("通知").startswith(texts.NOTICES_HEADER)
    reply = user.say("1")
    assert "明天义诊取消" not in reply and reply.startswith("签退「")


def test_a_number_after_the_list_then_a_command_goes_to_that_command(user, member):
    make_record(member, kind="individual", checkin_at=clock.now_utc() - timedelta(hours=2))
    make_record(member, kind="visit", checkin_at=clock.now_utc() - timedelta(hours=1))
    notice(member.team, "明天义诊取消")
    user.say("通知")
    assert "2. " in user.say("签退")
    assert user.say("1").startswith("签退「")


def test_a_menu_click_after_the_list_shows_something_else(member, emulator):
    chat = Chat("oa-tang", emulator)
    notice(member.team, "明天义诊取消")
    chat.say("通知")
    chat.event("click", "MINE")
    assert chat.say("1") == texts.NOT_UNDERSTOOD
