"""A step sent after its conversation timed out (wechat.chat.lapsed), through /wechat as
deployed: it is told which step timed out and how to start again, never taken for another
kind of entry (a visit's location and photo for an activity's check-in), and an answer to a
register question or a visit's note that timed out is written as if in time, not lost unsaid,
asked for twice or read as a command."""

from datetime import timedelta

import pytest

from models import ChatState, Member, Notification, RecordHistory, ServiceRecord
from services import clock
from tests import images
from tests.factories import make_record, pair
from tests.wechat import oa
from tests.wechat.test_chat_support import (
    NEAR,
    Pushes,
    chat_user,
    conversation_state,
    enrolled_activity,
)
from wechat import texts
from wechat.chat import state

LATE_VISIT = "刚才的走访已超时（超过 10 分钟），请重新发送「走访」。"


member, user = chat_user("oa-zhou", "周敏")


def pause(minutes: float = 10.5) -> None:
    """The member is away longer than the conversation lives."""
    at = clock.now_utc() + state.TIMEOUT - timedelta(minutes=minutes)
    ChatState.update(expires_at=at).execute()


def test_a_visits_location_after_a_pause_never_becomes_an_activitys_check_in(user, member):
    activity = enrolled_activity(member)
    pair(member)
    assert "走访结对家庭" in user.say("走访")
    pause()
    assert user.location(activity.lat + NEAR, activity.lng) == LATE_VISIT
    assert user.photo(images.jpeg(seed=501)).status_code == 200  # told once: a new photo
    user.settle()
    assert ServiceRecord.select().count() == 0 and user.pushed() == []
    assert conversation_state("oa-zhou") == "checkin_pick"  # which entry it is for: asked
    assert "走访结对家庭" in user.say("走访")  # started again, it goes through
    assert user.location(activity.lat + NEAR, activity.lng) == texts.ASK_VISIT_PHOTO
    user.photo(images.jpeg(seed=502))
    user.settle()
    assert ServiceRecord.get().kind == "visit"


def test_a_photo_after_a_pause_is_told_the_step_timed_out(user, member):
    activity = enrolled_activity(member)
    pair(member)
    user.say("走访")
    user.location(activity.lat + NEAR, activity.lng)
    pause()
    reply = user.photo(images.jpeg(seed=503))
    user.settle()
    assert oa.reply_text(reply) == LATE_VISIT
    assert ServiceRecord.select().count() == 0


def test_a_check_ins_photo_after_a_pause_names_the_check_in(user, member):
    activity = enrolled_activity(member)
    user.say("签到")
    user.location(activity.lat + NEAR, activity.lng)
    pause()
    reply = oa.reply_text(user.photo(images.jpeg(seed=504)))
    assert reply == "刚才的签到已超时（超过 10 分钟），请重新发送「签到」。"
    user.settle()
    assert ServiceRecord.select().count() == 0


def test_checking_out_of_a_visit_after_a_pause_starts_no_check_in(user, member):
    activity = enrolled_activity(member)
    pair(member)
    visit = make_record(member, kind="visit", checkin_at=clock.now_utc() - timedelta(hours=1))
    assert "请发送您的当前位置" in user.say("签退")
    pause()
    late = user.location(activity.lat + NEAR, activity.lng)
    assert late == "刚才的签退已超时（超过 10 分钟），请重新发送「签退」。"
    assert ServiceRecord.get_by_id(visit.id).checkout_at is None
    assert ServiceRecord.select().count() == 1


@pytest.mark.parametrize("flow", ["签退", "签到"])
def test_a_skip_word_at_a_location_step_after_a_pause_names_the_timed_out_step(user, member, flow):
    """「跳过」 sent late at the location step never hears that nothing waits: the member
    would think the check-out done while the entry stays open."""
    enrolled_activity(member)
    entry = make_record(member, kind="individual", checkin_at=clock.now_utc() - timedelta(hours=1))
    if flow == "签到":
        entry.delete_instance()
    assert "请发送您的当前位置" in user.say(flow)
    pause()
    assert user.say("跳过") == f"刚才的{flow}已超时（超过 10 分钟），请重新发送「{flow}」。"
    assert user.say("跳过") == texts.NOTHING_TO_SKIP  # told once
    if flow == "签退":
        assert ServiceRecord.get_by_id(entry.id).checkout_at is None


def test_a_location_long_after_the_pause_is_a_stray_one_again(user, member):
    activity = enrolled_activity(member)
    pair(member)
    user.say("走访")
    pause(minutes=(state.TIMEOUT + state.LAPSED_FOR).total_seconds() / 60 + 1)
    stray = user.location(activity.lat + NEAR, activity.lng)  # paired: which is asked
    assert stray.startswith(texts.LOCATION_FIRST_PICK)


def test_cancel_after_a_pause_forgets_the_step(user, member):
    activity = enrolled_activity(member)
    pair(member)
    user.say("走访")
    pause()
    assert user.say("取消") == texts.NOTHING_TO_CANCEL
    stray = user.location(activity.lat + NEAR, activity.lng)  # paired: which is asked
    assert stray.startswith(texts.LOCATION_FIRST_PICK)


def checked_out(user, member):
    make_record(member, kind="individual", checkin_at=clock.now_utc() - timedelta(hours=1))
    user.say("签退")
    assert "服务的对象是谁" in user.say("跳过")


@pytest.mark.parametrize("answer", ["独居老人王大爷", "帮助老人打扫卫生"])
def test_an_answer_after_a_pause_is_written_and_the_next_question_follows(user, member, answer):
    """A slow typist's answer is kept, not asked for twice. 「帮助老人打扫卫生」 starts with
    帮助: it is the answer, never the help menu."""
    checked_out(user, member)
    pause()
    assert user.say(answer) == texts.ASK_REGISTER_CONTENT
    assert ServiceRecord.get().target == answer
    assert conversation_state("oa-zhou") == "register_fields"
    assert user.say("陪老人聊天") == texts.ASK_REGISTER_OUTCOME
    assert ServiceRecord.get().content == "陪老人聊天"


def test_a_late_answer_to_a_field_filled_meanwhile_hears_the_next_blank(user, member):
    checked_out(user, member)
    ServiceRecord.update(target="社区老人").execute()  # filled in the mini-program meanwhile
    pause()
    reply = user.say("独居老人王大爷")
    assert reply == (
        texts.REGISTER_FILLED_MEANWHILE.format(label="服务对象") + "\n" + texts.ASK_REGISTER_CONTENT
    )
    assert ServiceRecord.get().target == "社区老人"


@pytest.mark.parametrize("text", ["我的", "好的"])
def test_a_command_or_small_talk_after_a_pause_is_answered_as_usual(user, member, text):
    checked_out(user, member)
    pause()
    reply = user.say(text)
    assert "超时" not in reply


def visited(user, member):
    """A visit checked in, its photo checked: what was seen is asked."""
    pair(member)
    user.say("走访")
    user.location(34.7466, 113.6253)
    user.photo(images.jpeg(seed=505))
    user.settle()
    assert conversation_state("oa-zhou") == "visit_seen"


def test_a_visits_note_after_a_pause_is_kept_and_the_next_follows(user, member):
    """A slow typist's note is written as a late register answer is, not asked again."""
    visited(user, member)
    pause()
    assert user.say("老人腿脚不便，独自居住") == texts.ASK_VISIT_HELP
    assert ServiceRecord.get().content == "入户走访：老人腿脚不便，独自居住"
    assert conversation_state("oa-zhou") == "visit_help"
    pause()
    assert user.say("帮忙打扫卫生") == texts.VISIT_SAVED
    record = ServiceRecord.get()
    assert (record.content, record.outcome) == ("入户走访：老人腿脚不便，独自居住", "帮忙打扫卫生")
    assert conversation_state("oa-zhou") is None
    history = RecordHistory.select().where(RecordHistory.action == "fill").count()
    assert history == 2  # one line per note, as in time


def test_a_late_visit_note_for_a_field_filled_meanwhile_hears_the_next_blank(user, member):
    visited(user, member)
    ServiceRecord.update(content="入户走访：小程序里写的").execute()
    pause()
    reply = user.say("老人腿脚不便")
    assert reply.startswith("刚才的走访情况登记已超时（超过 10 分钟），这条消息没有记下。\n")
    assert "提供了哪些帮助" in reply
    assert ServiceRecord.get().content == "入户走访：小程序里写的"


@pytest.mark.parametrize("flow", ["visit", "register"])
def test_a_late_skip_word_is_a_skip_never_an_answer(user, member, flow):
    if flow == "visit":
        visited(user, member)
    else:
        checked_out(user, member)
    pause()
    reply = user.say("跳过")
    assert reply.startswith("好的，")
    record = ServiceRecord.get()
    assert "跳过" not in (record.target + record.content + record.outcome)
    assert conversation_state("oa-zhou") is None


def test_a_late_skip_of_the_visits_help_keeps_what_was_seen_as_edited_meanwhile(user, member):
    """What was seen, written when given and then changed in the mini-program, is not
    written back by a 「跳过」 after the pause."""
    visited(user, member)
    assert user.say("老人独自居住") == texts.ASK_VISIT_HELP
    ServiceRecord.update(content="入户走访：小程序里改的").execute()
    pause()
    assert user.say("跳过") == texts.VISIT_NOTES_LATER
    assert ServiceRecord.get().content == "入户走访：小程序里改的"
    assert conversation_state("oa-zhou") is None


def test_a_late_skip_of_the_register_names_only_the_fields_still_blank(user, member):
    """The fields filled in the mini-program meanwhile are not asked to be filled again."""
    checked_out(user, member)
    ServiceRecord.update(target="社区老人", content="陪老人聊天").execute()
    pause()
    reply = user.say("跳过")
    assert reply == texts.REGISTER_SKIPPED.format(
        opening=texts.REGISTER_SKIPPED_OPENING, fields=texts.REGISTER_LABELS["outcome"]
    )
    assert conversation_state("oa-zhou") is None


def test_a_notice_typed_after_a_pause_is_not_sent(client, app, member, emulator):
    leader = Member.get((Member.team == member.team) & (Member.role == "leader"))
    Member.update(oa_openid="oa-lead-zhou").where(Member.id == leader.id).execute()
    user = Pushes(client, app, "oa-lead-zhou", emulator)
    assert user.say("通知") == texts.BROADCAST_ASK_TEXT
    pause()
    reply = user.say("明天上午九点在社区活动室集合")
    assert reply == texts.LAPSED_NOTICE[False].format(minutes=10)
    assert Notification.select().count() == 0


def test_bu_deng_asks_for_an_open_visits_blank_notes(user, member):
    """A visit's notes left blank (a pause, 「跳过」) while it is still open: 「补登」 asks for
    them, not whom the visit served, which its check-out writes."""
    pair(member)
    user.say("走访")
    user.location(34.7466, 113.6253)
    user.photo(images.jpeg(seed=506))
    user.settle()
    pause()
    assert user.say("补登") == ("补充登记「结对家庭走访」：\n" + texts.ASK_REGISTER_VISIT_SEEN)
    assert "提供了哪些帮助" in user.say("老人独自居住")
    assert user.say("跳过") == texts.REGISTER_SKIPPED_OPEN.format(
        opening=texts.REGISTER_SKIPPED_OPENING, fields="取得的成效"
    )
    record = ServiceRecord.get()
    assert (record.content, record.target, record.checkout_at) == (
        "入户走访：老人独自居住",
        "",
        None,
    )
