"""A photo sent first that could only be for the member's own service (分散活动), through
/wechat as deployed (wechat.chat.photo_first): the member is asked first, yes or no, and a
location sent out of habit before the answer records nothing; a no drops the photo politely.
A location sent first never leads to an own service unasked."""

from datetime import timedelta

import pytest

from models import ChatState, ServiceRecord
from services import clock
from tests import images
from tests.factories import pair
from tests.wechat import oa
from tests.wechat.test_chat_menu import menu_key
from tests.wechat.test_chat_support import NEAR, chat_user, conversation_state, enrolled_activity
from wechat import texts

member, user = chat_user("oa-tang", "唐阿姨")
PICKED = texts.PHOTO_FIRST_PICKED.format(title=texts.INDIVIDUAL_TITLE)


def media_downloads(emulator) -> int:
    return len(emulator.calls_to("media_get"))


def send_photo(user, seed=901) -> str:
    return oa.reply_text(user.photo(images.jpeg(seed=seed)))


def at_home(user, member) -> str:
    place = member.team.community
    return user.location(place.lat + NEAR, place.lng)


def test_the_photo_is_asked_about_before_the_location(user, member):
    assert send_photo(user) == texts.PHOTO_FIRST_OWN
    assert (
        "回复「是」继续" in texts.PHOTO_FIRST_OWN and "回复「不是」就不记" in texts.PHOTO_FIRST_OWN
    )
    assert conversation_state("oa-tang") == "individual_confirm"


def test_a_location_sent_out_of_habit_records_nothing_until_a_yes(user, member, emulator):
    send_photo(user)
    reply = at_home(user, member)
    user.settle()
    assert ServiceRecord.select().count() == 0 and media_downloads(emulator) == 0
    assert reply == texts.OWN_SERVICE_LOCATION_KEPT
    assert user.say("是的") == texts.CHECKING_PHOTO  # the location kept: no need to send it again
    user.settle()
    record = ServiceRecord.get()
    assert (record.kind, record.source, len(record.photos)) == ("individual", "chat", 1)


def test_a_yes_asks_for_the_location_and_the_photo_is_checked_when_it_comes(user, member):
    send_photo(user)
    assert user.say("是") == PICKED
    assert at_home(user, member) == texts.LOCATION_THEN_PHOTO + texts.CHECKING_PHOTO
    user.settle()
    assert ServiceRecord.get().kind == "individual"


def test_the_keyword_at_the_question_is_a_yes_and_takes_the_photo(user, member):
    send_photo(user)
    assert user.say("分散活动") == PICKED
    at_home(user, member)
    user.settle()
    assert ServiceRecord.get().kind == "individual"


def click(user, name: str) -> str:
    return oa.reply_text(oa.push(user.client, oa.event(user.openid, "CLICK", menu_key(name))))


@pytest.mark.parametrize(
    "said",
    [lambda user: user.say("分散活动"), lambda user: click(user, "分散活动")],
    ids=["keyword", "menu"],
)
def test_the_keyword_or_the_menu_after_a_location_checks_in_with_it(user, member, said):
    """The keyword (or its menu button) is a yes as 「是」 is: the location sent out of habit
    is kept, not asked for again."""
    send_photo(user)
    at_home(user, member)
    assert said(user) == texts.CHECKING_PHOTO
    user.settle()
    record = ServiceRecord.get()
    assert (record.kind, len(record.photos)) == ("individual", 1)


@pytest.mark.parametrize(
    "no",
    [
        "不是",
        "不是的",
        "不用了",
        "算了",
        "算了吧",
        "取消",
        "不记了",
        "不用了，谢谢",
        "发错了",
        "错了",
    ],
)
def test_a_no_drops_the_photo_politely(user, member, emulator, no):
    send_photo(user)
    assert user.say(no) == texts.OWN_SERVICE_DECLINED
    assert conversation_state("oa-tang") is None
    assert at_home(user, member) == texts.LOCATION_NOTED  # a location now is only noted
    user.settle()
    assert ServiceRecord.select().count() == 0 and media_downloads(emulator) == 0


def test_a_no_after_a_location_drops_both(user, member, emulator):
    send_photo(user)
    at_home(user, member)
    assert user.say("不是") == texts.OWN_SERVICE_DECLINED
    user.settle()
    assert ServiceRecord.select().count() == 0 and media_downloads(emulator) == 0


def test_other_words_ask_again_and_small_talk_reminds(user, member):
    send_photo(user)
    assert user.say("这是今天拍的") == texts.OWN_SERVICE_ASK_AGAIN
    assert user.say("收到").endswith(texts.OWN_SERVICE_ASK_AGAIN)
    assert conversation_state("oa-tang") == "individual_confirm"


def test_another_photo_replaces_the_first(user, member, emulator):
    send_photo(user, seed=902)
    first = ChatState.get().data["photo"]["media_id"]
    assert send_photo(user, seed=903) == texts.OWN_SERVICE_PHOTO_KEPT
    latest = ChatState.get().data["photo"]["media_id"]
    user.say("是")
    at_home(user, member)
    user.settle()
    assert ServiceRecord.select().count() == 1 and media_downloads(emulator) == 1
    assert first != latest == emulator.calls_to("media_get")[0].query["media_id"]


def test_the_question_timed_out_a_location_records_nothing(user, member, emulator):
    send_photo(user)
    ChatState.update(expires_at=clock.now_utc() - timedelta(minutes=1)).execute()
    reply = at_home(user, member)
    assert "请重新发送「分散活动」" in reply and reply.endswith(texts.PHOTO_NOT_USED)
    user.settle()
    assert ServiceRecord.select().count() == 0 and media_downloads(emulator) == 0


@pytest.mark.parametrize(
    "yes", ["是的，谢谢", "好的谢谢您", "是，谢谢啦", "恩", "恩恩", "是滴", "记吧", "shi", "记上吧"]
)
def test_a_yes_with_thanks_is_a_yes(user, member, yes):
    send_photo(user)
    assert user.say(yes) == PICKED
    at_home(user, member)
    user.settle()
    assert ServiceRecord.get().kind == "individual"


@pytest.mark.parametrize("late", ["是", "好的", "是的，谢谢", "不是", "不用了", "这是今天拍的"])
def test_an_answer_after_the_question_timed_out_hears_the_photo_was_not_used(
    user, member, emulator, late
):
    send_photo(user)
    ChatState.update(expires_at=clock.now_utc() - timedelta(minutes=1)).execute()
    assert user.say(late) == texts.LAPSED_OWN_PHOTO.format(minutes=10)
    assert user.say("是") != texts.LAPSED_OWN_PHOTO.format(minutes=10)  # said once
    user.settle()
    assert ServiceRecord.select().count() == 0 and media_downloads(emulator) == 0


def test_beside_an_activity_the_photo_still_goes_straight_to_the_location(user, member):
    enrolled_activity(member, title="义诊")
    assert send_photo(user) == texts.PHOTO_FIRST_ONE.format(title="义诊")
    assert conversation_state("oa-tang") == "checkin_location"


def test_a_location_sent_first_never_starts_an_own_service(user, member, emulator):
    """With only the own service possible, a location is noted, nothing more; a paired
    member near an activity is asked which, the own service one numbered choice."""
    assert at_home(user, member) == texts.LOCATION_NOTED
    assert conversation_state("oa-tang") is None
    activity = enrolled_activity(member, title="义诊")
    pair(member)
    listed = user.location(activity.lat + NEAR, activity.lng)
    assert listed.startswith(texts.LOCATION_FIRST_PICK) and f"3. {texts.INDIVIDUAL_TITLE}" in listed
    user.settle()
    assert ServiceRecord.select().count() == 0


def test_a_location_sent_just_before_the_photo_is_kept_for_it(user, member):
    assert at_home(user, member) == texts.LOCATION_NOTED
    assert send_photo(user) == texts.PHOTO_FIRST_OWN
    assert user.say("是的谢谢") == texts.CHECKING_PHOTO  # not asked for the location again
    user.settle()
    record = ServiceRecord.get()
    place = member.team.community
    assert record.kind == "individual" and record.checkin_lat == pytest.approx(place.lat + NEAR)


def test_a_location_sent_long_before_the_photo_is_asked_for_again(user, member):
    at_home(user, member)
    data = ChatState.get().data
    data["stray_location"]["at"] = (clock.now_utc() - timedelta(minutes=6)).isoformat()
    ChatState.update(data=data).execute()
    send_photo(user)
    assert user.say("是的") == PICKED
