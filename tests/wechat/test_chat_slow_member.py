"""What a slow, typo-prone member met in the chat, through /wechat as deployed: a timed-out
step told once (the next photo is a new one), the latest photo the one used, a visit offered
when the location comes first, an open entry named before another starts, and the words of a
member who types slowly kept."""

import hashlib
from datetime import timedelta

from models import ChatState, Photo, ServiceRecord
from services import clock
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
from wechat.chat import state

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
    assert oa.reply_text(user.photo(newer)) == texts.PICK_PHOTO_KEPT.format(count=2)
    assert user.say("1") == texts.PHOTO_FIRST_PICKED.format(title="义诊")
    user.location(activity.lat + NEAR, activity.lng)
    user.settle()
    assert Photo.get().sha256 == hashlib.sha256(newer).hexdigest()
