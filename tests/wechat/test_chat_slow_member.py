"""What a slow, typo-prone member met in the chat, through /wechat as deployed: a timed-out
step told once (the next photo is a new one), the latest photo the one used, a visit offered
when the location comes first, an open entry named before another starts, and the words of a
member who types slowly kept."""

import hashlib
from datetime import timedelta

from models import ChatState, Enrollment, Photo, ServiceRecord
from services import clock
from tests import images
from tests.factories import make_activity, make_record, pair
from tests.wechat import oa
from tests.wechat.test_chat_support import (
    NEAR,
    chat_user,
    conversation_state,
    enrolled_activity,
)
from wechat import texts
from wechat.chat import common, state

member, user = chat_user("oa-slow", "钱大爷")


def pause(minutes: float = 11) -> None:
    """The member is away longer than the conversation lives."""
    at = clock.now_utc() + state.TIMEOUT - timedelta(minutes=minutes)
    ChatState.update(expires_at=at).execute()


def test_a_timed_out_photo_is_told_once_and_the_photo_sent_again_is_used(user, member):
    activity = enrolled_activity(member, title="义诊")
    assert oa.reply_text(user.photo(images.jpeg(seed=901))) == texts.PHOTO_FIRST_ONE.format(
        title="义诊"
    )
    pause()
    late = user.location(activity.lat + NEAR, activity.lng)
    assert late.startswith("刚才的签到已超时") and texts.PHOTO_NOT_USED in late
    again = oa.reply_text(user.photo(images.jpeg(seed=902)))
    assert again == texts.PHOTO_FIRST_ONE.format(title="义诊")
    user.location(activity.lat + NEAR, activity.lng)
    user.settle()
    assert ServiceRecord.get().activity_id == activity.id


def test_a_location_after_the_timeout_was_told_is_one_out_of_the_blue(user, member):
    activity = enrolled_activity(member, title="义诊")
    user.say("签到")
    pause()
    assert "超时" in user.location(activity.lat + NEAR, activity.lng)
    assert "超时" not in user.location(activity.lat + NEAR, activity.lng)
    assert conversation_state("oa-slow") == "checkin_photo"


def test_the_latest_photo_is_the_one_used(user, member):
    activity = enrolled_activity(member, title="义诊")
    pair(member)
    user.photo(images.jpeg(seed=903))
    user.say("我的")
    newer = images.jpeg(seed=904)
    assert oa.reply_text(user.photo(newer)) == texts.PICK_PHOTO_KEPT.format(count=3)
    assert user.say("1") == texts.PHOTO_FIRST_PICKED.format(title="义诊")
    user.location(activity.lat + NEAR, activity.lng)
    user.settle()
    assert Photo.get().sha256 == hashlib.sha256(newer).hexdigest()


def test_a_photo_while_checked_in_names_the_open_entry_and_starts_no_other(user, member):
    activity = enrolled_activity(member, title="义诊")
    household = pair(member).household
    make_record(member, activity, checkin_at=clock.now_utc() - timedelta(minutes=1))
    reply = oa.reply_text(user.photo(images.jpeg(seed=905)))
    assert "签到「义诊」" in reply and "签退" in reply and "这张没有使用" in reply
    assert conversation_state("oa-slow") is None
    user.location(household.community.lat + NEAR, household.community.lng)
    user.settle()
    assert ServiceRecord.select().count() == 1


def test_an_open_visit_keeps_a_photo_from_becoming_a_check_in(user, member):
    activity = enrolled_activity(member, title="义诊")
    pair(member)
    make_record(member, kind="visit", checkin_at=clock.now_utc() - timedelta(minutes=1))
    assert "这张没有使用" in oa.reply_text(user.photo(images.jpeg(seed=906)))
    user.location(activity.lat + NEAR, activity.lng)
    user.settle()
    assert ServiceRecord.select().count() == 1


def test_the_own_service_is_the_last_choice_and_its_word_picks_it(user, member):
    activity = enrolled_activity(member, title="义诊")
    pair(member)
    listed = oa.reply_text(user.photo(images.jpeg(seed=907)))
    assert "3. 个人服务" in listed and texts.PICK_NUMBER.format(count=3) in listed
    assert "个人服务" in user.say("分散活动")
    told = user.location(activity.lat + NEAR, activity.lng)
    assert told.startswith(texts.LOCATION_THEN_PHOTO)
    user.settle()
    assert ServiceRecord.get().kind == "individual" and Photo.select().count() == 1


def test_beside_one_activity_the_own_service_is_named_and_its_word_picks_it(user, member):
    activity = enrolled_activity(member, title="义诊")
    assert "「分散活动」" in oa.reply_text(user.photo(images.jpeg(seed=908)))
    user.say("分散活动")
    user.location(activity.lat + NEAR, activity.lng)
    user.settle()
    assert ServiceRecord.get().kind == "individual" and Photo.select().count() == 1


def test_a_location_first_near_the_household_asks_visit_or_activity(user, member):
    activity = enrolled_activity(member, title="义诊")
    pair(member)
    listed = user.location(activity.lat + NEAR, activity.lng)
    assert listed.startswith(texts.LOCATION_FIRST_PICK)
    assert "1. 义诊" in listed and "2. 走访结对家庭" in listed and "3. 个人服务" in listed
    picked = user.say("2")
    assert picked.startswith("走访结对家庭") and picked.endswith(texts.VISIT_PHOTO_PLEASE)
    user.photo(images.jpeg(seed=909))
    user.settle()
    assert ServiceRecord.get().kind == "visit"


def test_a_location_first_with_no_pairing_still_offers_the_activity(user, member):
    activity = enrolled_activity(member, title="义诊")
    reply = user.location(activity.lat + NEAR, activity.lng)
    assert reply == texts.NEARBY_OFFER.format(title="义诊")


def test_questions_left_for_later_name_the_chats_bu_deng(user, member):
    make_record(member, kind="individual", checkin_at=clock.now_utc() - timedelta(hours=1))
    user.say("签退")
    asked = user.say("跳过")
    assert "服务的对象是谁" in asked and "小程序" not in asked
    later = user.say("跳过")
    assert "发送「补登」" in later and later.index("补登") < later.index("小程序")
    assert "服务的对象是谁" in user.say("补登")  # and 补登 does ask it


def test_help_during_a_register_question_shows_help_and_the_question(user, member):
    make_record(member, kind="individual", checkin_at=clock.now_utc() - timedelta(hours=1))
    user.say("签退")
    user.say("跳过")
    helped = user.say("帮助")
    assert "「签到」" in helped and "指令" not in helped
    assert helped.endswith(texts.STILL_ASKING.format(question=texts.ASK_REGISTER_TARGET))
    assert user.say("社区老人") == texts.ASK_REGISTER_CONTENT
    assert ServiceRecord.get().target == "社区老人"


def test_help_or_mine_at_the_location_or_photo_step_says_what_is_awaited(user, member):
    activity = enrolled_activity(member, title="义诊")
    user.say("签到")
    assert user.say("帮助").endswith("\n" + texts.AWAITING_LOCATION)
    assert user.location(activity.lat + NEAR, activity.lng) == texts.ASK_CHECKIN_PHOTO
    assert user.say("我的").endswith("\n" + texts.AWAITING_PHOTO)
    assert conversation_state("oa-slow") == "checkin_photo"


def test_an_activity_running_for_days_is_listed_with_its_dates(user, member):
    enrolled_activity(member, title="义诊")
    now = clock.now_utc()
    practice = make_activity(member.team, starts_at=now - timedelta(hours=1), hours=24 * 30)
    Enrollment.create(activity=practice, member=member, created_at=now)
    listed = user.say("签到")
    start, end = (
        common.local_time(at, "%m-%d %H:%M") for at in (practice.starts_at, practice.ends_at)
    )
    assert f"（{start} 至 {end}）" in listed


def test_after_check_out_with_nothing_open_the_latest_photo_is_still_used(user, member):
    activity = enrolled_activity(member, title="义诊")
    pair(member)
    user.photo(images.jpeg(seed=910))
    user.say("签退")
    newer = images.jpeg(seed=911)
    user.photo(newer)
    user.say("1")
    user.location(activity.lat + NEAR, activity.lng)
    user.settle()
    assert Photo.get().sha256 == hashlib.sha256(newer).hexdigest()
