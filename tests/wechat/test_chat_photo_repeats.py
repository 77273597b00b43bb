"""A second photo sent while the first is still checked (or just after it registered the
check-in or visit), through /wechat as deployed: nothing is recorded twice, and the member
hears that the first photo is the one used (wechat.chat.last_photo). A response left open
(Pushes.photo(close=False)) keeps its photo's check waiting, as a slow download would."""

import hashlib

from models import ChatState, Photo, ServiceRecord
from tests import images
from tests.factories import pair
from tests.wechat import oa
from tests.wechat.test_chat_support import (
    NEAR,
    chat_user,
    conversation_state,
    enrolled_activity,
)
from wechat import texts
from wechat.chat import common

FIRST, SECOND = images.jpeg(seed=321), images.jpeg(seed=322)


member, user = chat_user("oa-he", "何静")


def at_check_in_photo(user, member):
    activity = enrolled_activity(member, title="义诊")
    user.say("签到")
    assert "佩戴党徽" in user.location(activity.lat + NEAR, activity.lng)


def at_visit_photo(user, member):
    pair(member)
    user.say("走访")
    assert user.location(34.7466, 113.6253) == texts.ASK_VISIT_PHOTO


def the_photo_kept() -> bytes:
    """Which photo the one entry holds: its sha256, to compare with FIRST and SECOND."""
    assert ServiceRecord.select().count() == 1 and Photo.select().count() == 1
    return Photo.get().sha256


def sha(photo: bytes) -> str:
    return hashlib.sha256(photo).hexdigest()


def downloads(emulator) -> int:
    return len(emulator.calls_to("media_get"))


def test_a_second_photo_during_a_check_ins_check_is_not_recorded(user, member, emulator):
    at_check_in_photo(user, member)
    first = user.photo(FIRST, close=False)  # its check waits, as for a slow download
    assert oa.reply_text(first) == texts.CHECKING_PHOTO
    second = oa.reply_text(user.photo(SECOND))
    assert second == texts.PHOTO_STILL_CHECKING.format(what="签到")
    first.close()
    user.settle()
    assert the_photo_kept() == sha(FIRST) and downloads(emulator) == 1
    assert len(user.pushed()) == 1 and "签到成功" in user.pushed()[0]


def test_a_second_photo_during_a_visits_check_is_not_recorded(user, member, emulator):
    at_visit_photo(user, member)
    first = user.photo(FIRST, close=False)
    assert oa.reply_text(first) == texts.ASK_VISIT_SEEN
    second = oa.reply_text(user.photo(SECOND))
    question = texts.WORDS_PLEASE.format(question=texts.VISIT_SEEN_QUESTION)
    assert second == texts.PHOTO_STILL_CHECKING.format(what="走访") + "\n" + question
    first.close()
    user.settle()
    assert the_photo_kept() == sha(FIRST) and downloads(emulator) == 1
    assert "提供了哪些帮助" in user.say("老人身体不错")  # the visit's notes go on
    assert user.say("送去米面油") == texts.VISIT_SAVED


def test_a_photo_just_after_the_check_in_registered_says_the_first_was_used(user, member):
    at_check_in_photo(user, member)
    user.photo(FIRST)
    user.settle()
    at = common.local_time(ServiceRecord.get().checkin_at)
    told = oa.reply_text(user.photo(SECOND))
    assert told == texts.PHOTO_ALREADY_USED.format(what="签到", time=at)
    user.settle()
    assert the_photo_kept() == sha(FIRST) and len(user.pushed()) == 1


def test_a_photo_once_checked_out_is_no_repeat(user, member):
    """The entry is closed: a photo now is for nothing the chat asked, and says so."""
    at_check_in_photo(user, member)
    user.photo(FIRST)
    user.settle()
    user.say("签退")
    assert "已签退「义诊」" in user.say("跳过")  # flagged: a service this short
    user.say("取消")
    told = oa.reply_text(user.photo(SECOND))
    assert "重复" not in told and told.startswith("已收到照片")


def test_wechat_retrying_the_photo_during_its_check_gets_the_same_answer(user, member, emulator):
    at_check_in_photo(user, member)
    msg_id = oa.next_msg_id()
    first = user.photo(FIRST, msg_id=msg_id, close=False)
    retried = user.photo(FIRST, msg_id=msg_id)  # WeChat had no answer within 5 s
    assert oa.reply_text(retried) == oa.reply_text(first) == texts.CHECKING_PHOTO
    first.close()
    user.settle()
    assert the_photo_kept() == sha(FIRST) and downloads(emulator) == 1


def both_taken(user, openid: str):
    """Two photos sent at the same moment: each delivery read the photo step before the
    other moved the conversation on (the second is sent with the row as it was)."""
    before = ChatState.get(ChatState.openid == openid)
    first = user.photo(FIRST, close=False)
    ChatState.update(state=before.state, data=before.data, expires_at=before.expires_at).where(
        ChatState.openid == openid
    ).execute()
    second = user.photo(SECOND, close=False)
    return first, second


def test_two_photos_taken_at_once_record_one_check_in_and_say_which(user, member):
    at_check_in_photo(user, member)
    first, second = both_taken(user, "oa-he")
    assert oa.reply_text(first) == oa.reply_text(second) == texts.CHECKING_PHOTO
    first.close()
    user.settle()
    second.close()
    user.settle()
    assert the_photo_kept() == sha(FIRST)
    at = common.local_time(ServiceRecord.get().checkin_at)
    assert len(user.pushed()) == 2 and "签到成功" in user.pushed()[0]
    assert user.pushed()[1] == texts.PHOTO_USED_ANOTHER.format(what="签到", time=at)


def test_two_photos_taken_at_once_record_one_visit_and_its_notes(user, member):
    at_visit_photo(user, member)
    first, second = both_taken(user, "oa-he")
    first.close()
    user.settle()
    second.close()
    user.settle()
    assert the_photo_kept() == sha(FIRST)
    assert user.pushed()[0].startswith("走访照片已核验")
    assert user.pushed()[1].startswith("这张照片没有重复登记：本次走访")
    assert conversation_state("oa-he") == "visit_seen"  # the visit goes on
    user.say("老人身体不错")
    assert user.say("送去米面油") == texts.VISIT_SAVED
    assert ServiceRecord.get().outcome == "送去米面油"
