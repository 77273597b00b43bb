"""A photo sent before 签到, through /wechat as deployed (wechat.chat.photo_first): kept, the
member led through which check-in and the location, then checked after the reply as the
photo step does, into the same register entry the API makes; with nothing to check in to,
said kindly and not used; and gone with its conversation when that times out."""

from datetime import timedelta

from models import ChatState, Photo, ServiceRecord
from services import clock
from tests import images
from tests.factories import make_record, pair
from tests.wechat import oa
from tests.wechat.test_chat_support import NEAR, chat_user, conversation_state, enrolled_activity
from wechat import texts
from wechat.chat import common

member, user = chat_user("oa-gu", "顾大爷")


def media_downloads(emulator) -> int:
    return len(emulator.calls_to("media_get"))


def test_a_photo_first_checks_in_to_the_only_activity_once_the_location_comes(
    user, member, emulator
):
    activity = enrolled_activity(member, title="义诊")
    reply = oa.reply_text(user.photo(images.jpeg(seed=601)))
    assert reply == texts.PHOTO_FIRST_ONE.format(title="义诊")
    user.settle()
    assert media_downloads(emulator) == 0  # kept by its media_id, not fetched yet
    assert conversation_state("oa-gu") == "checkin_location"
    told = user.location(activity.lat + NEAR, activity.lng)
    assert told == texts.LOCATION_THEN_PHOTO + texts.CHECKING_PHOTO
    user.settle()
    record = ServiceRecord.get()
    assert (record.kind, record.activity_id, record.source) == ("activity", activity.id, "chat")
    assert record.status == "verified" and Photo.select().count() == 1
    assert user.pushed() == [
        texts.CHECKIN_VERIFIED.format(title="义诊", time=common.local_time(record.checkin_at))
    ]
    assert conversation_state("oa-gu") is None


def test_with_two_choices_the_member_picks_then_sends_the_location(user, member):
    enrolled_activity(member, title="义诊")
    pair(member)
    listed = oa.reply_text(user.photo(images.jpeg(seed=602)))
    assert listed.startswith(texts.PHOTO_FIRST_PICK)
    assert "1. 义诊" in listed and "2. 走访结对家庭" in listed
    assert "走访结对家庭" in user.say("2")
    household_point = member.team.community
    reply = user.location(household_point.lat + NEAR, household_point.lng)
    assert reply.startswith(texts.LOCATION_THEN_PHOTO + "正在核验照片")
    user.settle()
    record = ServiceRecord.get()
    assert record.kind == "visit" and Photo.select().count() == 1


def test_the_location_before_the_number_checks_the_photo_at_once(user, member):
    activity = enrolled_activity(member, title="义诊")
    pair(member)
    user.photo(images.jpeg(seed=603))
    assert "请先回复序号" in user.location(activity.lat + NEAR, activity.lng)
    assert user.say("1") == texts.CHECKING_PHOTO
    user.settle()
    assert ServiceRecord.get().activity_id == activity.id


def test_wechat_retrying_the_kept_photo_keeps_one_and_records_once(user, member, emulator):
    activity = enrolled_activity(member, title="义诊")
    msg_id = oa.next_msg_id()
    first = oa.reply_text(user.photo(images.jpeg(seed=604), msg_id=msg_id))
    again = oa.reply_text(user.photo(images.jpeg(seed=604), msg_id=msg_id))
    assert first == again == texts.PHOTO_FIRST_ONE.format(title="义诊")
    user.location(activity.lat + NEAR, activity.lng)
    user.settle()
    assert ServiceRecord.select().count() == 1 and media_downloads(emulator) == 1


def test_with_nothing_to_check_in_to_the_photo_is_not_used(user, member, emulator):
    make_record(member, kind="individual", checkin_at=clock.now_utc() - timedelta(hours=1))
    reply = oa.reply_text(user.photo(images.jpeg(seed=605)))
    assert reply.startswith("收到照片。您已于") and "个人服务" in reply and "签退" in reply
    user.settle()
    assert conversation_state("oa-gu") is None and media_downloads(emulator) == 0
    assert ServiceRecord.select().count() == 1  # only the open one


def test_checked_in_already_the_photo_is_not_used_and_the_member_hears_why(user, member):
    activity = enrolled_activity(member, title="义诊")
    make_record(member, activity, checkin_at=clock.now_utc() - timedelta(minutes=5))
    reply = oa.reply_text(user.photo(images.jpeg(seed=606)))
    assert reply.startswith("收到照片。您已于") and "签到「义诊」" in reply
    assert "这张没有使用" in reply


def test_a_kept_photo_goes_with_its_conversation_when_it_times_out(user, member, emulator):
    activity = enrolled_activity(member, title="义诊")
    user.photo(images.jpeg(seed=607))
    at = clock.now_utc() - timedelta(minutes=1)  # ten minutes and more have passed
    ChatState.update(expires_at=at).execute()
    reply = user.location(activity.lat + NEAR, activity.lng)
    assert "已超时" in reply and reply.endswith(texts.PHOTO_NOT_USED)
    user.settle()
    assert ServiceRecord.select().count() == 0 and media_downloads(emulator) == 0
    # said once; the next location is one sent out of the blue, and the photo still unused
    assert "附近" in user.location(activity.lat + NEAR, activity.lng)
    user.settle()
    assert ServiceRecord.select().count() == 0


def test_cancel_drops_the_kept_photo(user, member, emulator):
    activity = enrolled_activity(member, title="义诊")
    user.photo(images.jpeg(seed=608))
    assert user.say("取消") == texts.CANCELLED
    assert user.location(activity.lat + NEAR, activity.lng) != texts.CHECKING_PHOTO
    user.settle()
    assert ServiceRecord.select().count() == 0 and media_downloads(emulator) == 0
