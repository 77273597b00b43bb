"""Check-in and check-out as a new user goes through them: 「签到」 once checked in, a location
refused, a photo the service cannot read or sent before the location, a location sent
instead of a number."""

from datetime import datetime, timedelta

import pytest

from models import Member, ServiceRecord
from services import clock
from tests import images
from tests.factories import make_record, pair
from tests.wechat.test_chat_support import (
    NEAR,
    Chat,
    after,
    chat_direct,
    conversation_state,
    enrolled_activity,
)
from wechat import texts
from wechat.chat import common

member, chat = chat_direct("oa-zhao", "赵敏")


def conversation():
    return conversation_state("oa-zhao")


def leader_chat(member, emulator) -> Chat:
    """The member's team leader, following the Official Account as "oa-lead"."""
    Member.update(oa_openid="oa-lead").where(
        Member.team == member.team, Member.role == "leader"
    ).execute()
    return Chat("oa-lead", emulator)


def checked_in(chat, activity, seed: int):
    chat.say("签到")
    chat.location(activity.lat + NEAR, activity.lng)
    chat.photo(images.jpeg(seed=seed))
    return ServiceRecord.get()


@pytest.mark.parametrize("text", ["签到", "我签到了吗"])
def test_checking_in_again_says_when_and_to_what(chat, member, text):
    activity = enrolled_activity(member, title="义诊")
    record = checked_in(chat, activity, seed=201)
    at = common.local_time(record.checkin_at)
    assert chat.say(text) == texts.ALREADY_CHECKED_IN.format(time=at, title="义诊")
    assert conversation() is None and ServiceRecord.select().count() == 1


def _open_first(title: str, minutes_ago: int, word: str) -> str:
    """What a way into a check-in says while another entry is still open."""
    at = common.local_time(clock.now_utc() - timedelta(minutes=minutes_ago))
    told = texts.ALREADY_CHECKED_IN.format(time=at, title=title)
    return texts.CHECKIN_WHILE_OPEN.format(told=told, word=word)


def test_checking_in_to_another_activity_while_one_is_open_asks_to_check_out_first(chat, member):
    """As a photo sent first does (texts.PHOTO_WHILE_OPEN): two open entries would overlap."""
    first = enrolled_activity(member, title="义诊")
    enrolled_activity(member, title="法律咨询")
    make_record(member, first, checkin_at=clock.now_utc() - timedelta(minutes=5))
    reply = chat.say("签到")
    assert conversation() is None and "法律咨询" not in reply
    assert reply == _open_first("义诊", 5, "签到")


def test_a_visit_open_from_the_mini_program_stops_checking_in_before_the_location(chat, member):
    """The tester's case: a visit open, 走访 says so, 签到 went on to a second open entry."""
    pair(member)
    enrolled_activity(member, title="义诊")
    make_record(member, kind="visit", checkin_at=clock.now_utc() - timedelta(minutes=30))
    at = common.local_time(clock.now_utc() - timedelta(minutes=30))
    visit_open = texts.ALREADY_CHECKED_IN.format(time=at, title=texts.VISIT_TITLE)
    assert chat.say("走访") == visit_open
    reply = chat.say("签到")
    assert conversation() is None
    assert reply == _open_first(texts.VISIT_TITLE, 30, "签到")
    assert "签退" in reply and "请发送" not in reply
    assert chat.say("到了") == reply  # 「到了」 is a way into the same check-in


@pytest.mark.parametrize(
    "word, open_kind", [("走访", "individual"), ("分散活动", "visit"), ("走访", "activity")]
)
def test_a_visit_or_own_service_while_another_entry_is_open_asks_to_check_out_first(
    chat, member, word, open_kind
):
    pair(member)
    activity = enrolled_activity(member, title="义诊") if open_kind == "activity" else None
    make_record(member, activity, kind=open_kind, checkin_at=clock.now_utc() - timedelta(hours=1))
    titles = {"individual": texts.INDIVIDUAL_TITLE, "visit": texts.VISIT_TITLE}
    title = titles.get(open_kind, "义诊")
    reply = chat.say(word)
    assert conversation() is None and ServiceRecord.select().count() == 1
    assert reply == _open_first(title, 60, word)


def test_a_location_near_another_activity_while_one_is_open_offers_no_check_in(chat, member):
    first = enrolled_activity(member, title="义诊")
    other = enrolled_activity(member, title="法律咨询")
    make_record(member, first, checkin_at=clock.now_utc() - timedelta(minutes=5))
    reply = chat.location(other.lat + NEAR, other.lng)
    assert reply == texts.LOCATION_NOTED_OPEN.format(title="义诊")
    assert conversation() is None


def test_an_open_check_in_of_another_day_names_its_date(chat, member):
    yesterday = clock.now_utc() - timedelta(days=1)
    make_record(member, kind="individual", checkin_at=yesterday)
    reply = chat.say("签到")
    assert common.local_time(yesterday, "%m-%d %H:%M") in reply and "个人服务" in reply


def _shanghai(day: int, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time in November 2026, as the naive UTC stored."""
    return clock.to_utc(datetime(2026, 11, day, hour, minute))


@pytest.mark.parametrize(
    "word, open_kind", [("签到", "individual"), ("走访", "visit"), ("分散活动", "activity")]
)
def test_an_entry_left_open_from_an_earlier_day_is_sent_to_be_corrected(
    chat, member, monkeypatch, word, open_kind
):
    """Forgotten overnight (the auto-close not run yet): 签退 now would count the night as
    service, so the member hears to have it corrected; 签退 is still offered, as
    services.checkin.check_out takes the entry. Just after midnight in Shanghai."""
    now = _shanghai(30, 0, 20)
    monkeypatch.setattr(clock, "now_utc", lambda: now)
    pair(member)
    activity = enrolled_activity(member, title="义诊")
    checked_in_at = _shanghai(29, 23, 50)
    make_record(
        member,
        activity if open_kind == "activity" else None,
        kind=open_kind,
        checkin_at=checked_in_at,
    )
    titles = {"individual": texts.INDIVIDUAL_TITLE, "visit": texts.VISIT_TITLE}
    reply = chat.say(word)
    assert reply == texts.CHECKIN_OPEN_FROM_EARLIER_DAY.format(
        time="11-29 23:50", title=titles.get(open_kind, "义诊"), word=word
    )
    assert "队长或办公室" in reply and "「签退」" in reply
    assert conversation() is None and ServiceRecord.select().count() == 1


def test_an_entry_opened_today_just_after_midnight_still_asks_to_check_out_first(
    chat, member, monkeypatch
):
    now = _shanghai(30, 0, 20)
    monkeypatch.setattr(clock, "now_utc", lambda: now)
    enrolled_activity(member, title="法律咨询")
    make_record(member, kind="individual", checkin_at=_shanghai(30, 0, 5))
    reply = chat.say("签到")
    assert reply == _open_first(texts.INDIVIDUAL_TITLE, 15, "签到")


def test_with_nothing_checked_in_the_member_still_hears_how_to_enrol(chat, member):
    assert chat.say("签到") == texts.NO_ACTIVITY_TODAY


# Asked about check-in, not asking for it: starting one would ask for a location to no end.
QUESTIONS_ABOUT_CHECKIN = ["谁没签到", "签到表在哪", "签到了吗", "签到在哪看？"]


@pytest.mark.parametrize("text", QUESTIONS_ABOUT_CHECKIN)
def test_a_question_about_check_in_points_a_member_on_and_starts_none(chat, member, text):
    enrolled_activity(member)
    assert chat.say(text) == texts.CHECKIN_QUESTION_MEMBER
    assert conversation() is None and ServiceRecord.select().count() == 0


@pytest.mark.parametrize("text", QUESTIONS_ABOUT_CHECKIN)
def test_a_question_about_check_in_points_a_leader_to_the_team_view(member, emulator, text):
    chat = leader_chat(member, emulator)
    assert chat.say(text) == texts.CHECKIN_QUESTION_LEADER
    assert conversation_state("oa-lead") is None


@pytest.mark.parametrize("text", ["签到", "我要签到", "签到一下", "您好，我想签个到", "今天签到"])
def test_asking_for_a_check_in_still_starts_one(chat, member, text):
    enrolled_activity(member, title="义诊")
    assert chat.say(text).startswith("签到「义诊」")
    assert conversation() == "checkin_location"


@pytest.mark.parametrize("text", ["不发位置了", "位置不发了", "发不了位置", "我不想发定位"])
def test_refusing_the_location_at_check_out_checks_out_without_one(chat, member, text):
    make_record(member, checkin_at=clock.now_utc() - timedelta(hours=1))
    chat.say("签退")
    reply = chat.say(text)
    assert "签退成功" in reply and "服务的对象是谁" in reply
    record = ServiceRecord.get()
    assert record.checkout_at is not None and record.checkout_lat is None
    assert conversation() == "register_fields"


# Not knowing how, or a phone whose location is off, is no refusal: checking out cannot be
# undone, so the member hears how to send it (and that 「跳过」 checks out without it).
TROUBLE_WITH_LOCATION = [
    *("我不知道怎么发位置", "没找到发位置的地方", "位置不准怎么办", "我的定位不对"),
    *("定位没开", "没有定位", "不会发"),
]


@pytest.mark.parametrize("text", TROUBLE_WITH_LOCATION)
def test_trouble_with_the_location_at_check_out_says_how_and_keeps_the_step(chat, member, text):
    make_record(member, checkin_at=clock.now_utc() - timedelta(hours=1))
    chat.say("签退")
    assert chat.say(text) == texts.CHECKOUT_LOCATION_HOW
    assert ServiceRecord.get().checkout_at is None and conversation() == "checkout_location"
    assert "签退成功" in chat.location(34.7466, 113.6253)


@pytest.mark.parametrize("text", TROUBLE_WITH_LOCATION)
def test_trouble_with_the_location_at_check_in_says_how(chat, member, text):
    enrolled_activity(member)
    chat.say("签到")
    assert chat.say(text) == texts.CHECKIN_NEEDS_LOCATION
    assert conversation() == "checkin_location"


@pytest.mark.parametrize("text", ["不发位置了", "发不了位置"])
def test_refusing_the_location_at_check_in_says_why_it_is_needed(chat, member, text):
    activity = enrolled_activity(member)
    chat.say("签到")
    assert chat.say(text) == texts.CHECKIN_NEEDS_LOCATION
    assert conversation() == "checkin_location"  # still waiting for the location
    assert "佩戴党徽" in chat.location(activity.lat + NEAR, activity.lng)


# Not managing to send the photo: the prompt again would not help, how to send one does.
TROUBLE_WITH_PHOTO = ["我发不了照片", "发不了照片", "照片发不出去", "不会发照片", "没法拍照"]


@pytest.mark.parametrize("text", TROUBLE_WITH_PHOTO)
def test_trouble_with_the_photo_at_check_in_says_how_and_keeps_the_step(chat, member, text):
    activity = enrolled_activity(member)
    chat.say("签到")
    chat.location(activity.lat + NEAR, activity.lng)
    assert chat.say(text) == texts.PHOTO_HOW + texts.PHOTO_BY_LEADER
    assert conversation() == "checkin_photo" and ServiceRecord.select().count() == 0
    assert chat.photo(images.jpeg(seed=203)).text.startswith("正在核验照片")
    assert "签到成功" in chat.pushed()[-1]


def test_a_leader_in_trouble_with_the_photo_is_not_sent_to_himself(member, emulator):
    chat = leader_chat(member, emulator)
    activity = enrolled_activity(Member.get(Member.oa_openid == "oa-lead"))
    chat.say("签到")
    chat.location(activity.lat + NEAR, activity.lng)
    assert chat.say("我发不了照片") == texts.PHOTO_HOW
    assert conversation_state("oa-lead") == "checkin_photo"


def test_refusing_the_location_of_a_visit_says_why_it_is_needed(chat, member):
    pair(member)
    chat.say("走访")
    assert chat.say("不发位置了") == texts.VISIT_NEEDS_LOCATION
    assert conversation() == "checkin_location"


def test_outside_a_location_step_the_words_are_no_refusal(chat, member):
    assert chat.say("不发位置了") == texts.NOT_UNDERSTOOD  # never a guess at 「不要了」 (取消)
    assert ServiceRecord.select().count() == 0


def test_an_unreadable_photo_keeps_the_check_in_at_the_photo_step(chat, member):
    activity = enrolled_activity(member, title="义诊")
    chat.say("签到")
    chat.location(activity.lat + NEAR, activity.lng)
    assert chat.photo(b"not a picture").text.startswith("正在核验照片")
    told = chat.pushed()[-1]
    assert told == texts.PHOTO_UNREADABLE.format(why="没能打开这张图片")
    assert conversation() == "checkin_photo" and ServiceRecord.select().count() == 0
    again = chat.photo(images.jpeg(seed=202))
    assert again.text.startswith("正在核验照片")
    assert "签到成功" in chat.pushed()[-1] and ServiceRecord.get().activity_id == activity.id


def test_an_unreadable_visit_photo_is_asked_again_keeping_the_notes(chat, member):
    pair(member)
    chat.say("走访")
    chat.location(34.7466, 113.6253)
    first = chat.photo(b"not a picture", run_after=False)
    assert "提供了哪些帮助" in chat.say("老人独自居住")
    after(first)
    assert chat.pushed()[-1] == texts.VISIT_PHOTO_UNREADABLE.format(why="没能打开这张图片")
    again = chat.photo(images.jpeg(seed=203))
    assert "提供了哪些帮助" in again.text
    assert "走访已登记" in chat.say("送去米面油")
    assert ServiceRecord.get().content == "入户走访：老人独自居住"


def test_a_photo_before_the_location_is_kept_and_checked_with_it(chat, member):
    activity = enrolled_activity(member, title="义诊")
    chat.say("签到")
    kept = chat.photo(images.jpeg(seed=204))
    assert kept.text == texts.PHOTO_KEPT_ASK_LOCATION and kept.after == ()
    assert conversation() == "checkin_location" and ServiceRecord.select().count() == 0
    located = chat.push("location", lat=activity.lat + NEAR, lng=activity.lng, label="")
    assert located.text == texts.LOCATION_THEN_PHOTO + texts.CHECKING_PHOTO
    assert ServiceRecord.select().count() == 0  # downloaded and checked after the reply
    after(located)
    record = ServiceRecord.get()
    assert (record.activity_id, record.status) == (activity.id, "verified")
    assert "签到成功" in chat.pushed()[-1] and conversation() is None


def test_a_photo_before_the_location_of_a_visit_goes_on_to_the_notes(chat, member):
    pair(member)
    chat.say("走访")
    assert chat.photo(images.jpeg(seed=205)).text == texts.PHOTO_KEPT_ASK_LOCATION
    located = chat.push("location", lat=34.7466, lng=113.6253, label="")
    assert located.text.startswith(texts.LOCATION_THEN_PHOTO) and "看到的家庭情况" in located.text
    after(located)
    assert "提供了哪些帮助" in chat.say("老人独自居住")
    assert "走访已登记" in chat.say("送去米面油")
    assert ServiceRecord.get().kind == "visit"


def test_a_location_at_the_pick_step_asks_which_activity_and_is_kept(chat, member):
    first = enrolled_activity(member, title="义诊")
    second = enrolled_activity(member, title="法律咨询")
    assert "1. 义诊" in chat.say("签到")
    asked = chat.location(second.lat + NEAR, second.lng)
    assert asked == texts.PICK_FIRST.format(count=2)
    assert conversation() == "checkin_pick"  # nothing chosen for the member
    assert chat.say("2") == texts.PICKED_ASK_PHOTO.format(title="法律咨询")
    chat.photo(images.jpeg(seed=206))
    record = ServiceRecord.get()
    assert record.activity_id == second.id != first.id and record.distance_m < 50


def test_a_location_at_the_check_out_pick_step_is_kept_for_the_check_out(chat, member):
    first = enrolled_activity(member, title="义诊")
    make_record(member, first, checkin_at=clock.now_utc() - timedelta(minutes=50))
    make_record(member, kind="individual", checkin_at=clock.now_utc() - timedelta(minutes=40))
    assert "1. 义诊" in chat.say("签退")
    assert chat.location(first.lat + NEAR, first.lng) == texts.PICK_FIRST.format(count=2)
    assert conversation() == "checkout_pick" and ServiceRecord.select().count() == 2
    assert "签退成功！「义诊」" in chat.say("1")
    record = ServiceRecord.get(ServiceRecord.activity == first.id)
    assert record.checkout_at is not None and record.checkout_lat is not None


@pytest.mark.parametrize("text", ["跳过", "不发了", "我不会发"])
def test_skipping_the_location_of_a_check_in_says_why_it_is_needed(chat, member, text):
    enrolled_activity(member)
    chat.say("签到")
    assert chat.say(text) == texts.CHECKIN_NEEDS_LOCATION
    assert conversation() == "checkin_location" and ServiceRecord.select().count() == 0


@pytest.mark.parametrize("text", ["不发了", "发不了"])
def test_not_sending_the_location_at_check_out_checks_out_without_one(chat, member, text):
    make_record(member, checkin_at=clock.now_utc() - timedelta(hours=1))
    chat.say("签退")
    assert "签退成功" in chat.say(text)
    assert ServiceRecord.get().checkout_lat is None


def test_a_photo_at_the_pick_step_is_kept_for_the_number(chat, member):
    activity = enrolled_activity(member, title="义诊")
    enrolled_activity(member, title="法律咨询")
    chat.say("签到")
    reply = chat.photo(images.jpeg(seed=206))
    assert reply.text == texts.PICK_PHOTO_KEPT.format(count=2) and reply.after == ()
    assert conversation() == "checkin_pick" and ServiceRecord.select().count() == 0
    assert chat.say("1") == texts.PHOTO_FIRST_PICKED.format(title="义诊")
    told = chat.location(activity.lat + NEAR, activity.lng)
    assert told == texts.LOCATION_THEN_PHOTO + texts.CHECKING_PHOTO


def test_a_photo_at_the_check_out_pick_step_is_told_none_is_needed(chat, member):
    make_record(member, checkin_at=clock.now_utc() - timedelta(hours=2))
    make_record(member, kind="individual", checkin_at=clock.now_utc() - timedelta(hours=1))
    chat.say("签退")
    assert chat.photo(images.jpeg(seed=207)).text == texts.CHECKOUT_NO_PHOTO.format(count=2)
    assert conversation() == "checkout_pick"


@pytest.mark.parametrize("text", ["我在社区活动室", "活动室门锁了"])
def test_a_keyword_inside_a_sentence_does_not_replace_a_check_in(chat, member, text):
    """「我在社区活动室」 at the location step named 活动 and showed the list, dropping the
    check-in; a keyword standing inside a sentence is no answer to a step."""
    enrolled_activity(member, title="义诊")
    chat.say("签到")
    assert conversation() == "checkin_location"
    assert chat.say(text) == texts.ASK_LOCATION_AGAIN
    assert conversation() == "checkin_location"
