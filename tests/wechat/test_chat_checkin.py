"""Check-in, check-out and household visits through the chat, down to the register entry."""

from datetime import timedelta

import pytest

from models import Activity, Enrollment, Pairing, Photo, RecordHistory, ServiceRecord
from services import clock
from services.records import counts_toward_hours
from tests import images
from tests.factories import make_activity, make_record, pair
from tests.wechat.test_chat_support import NEAR, after, chat_direct
from wechat import texts
from wechat.chat import common

member, chat = chat_direct("oa-alice")


@pytest.fixture
def quick_timeout(settings_overrides):
    """WeChat calls give up after half a second, so a stalled media download fails fast.
    (List it before fixtures that create the app.)"""
    settings_overrides["wechat"]["timeout_seconds"] = 0.5


@pytest.fixture
def blocked_photos(settings_overrides, tmp_path):
    """The photo folder's path is taken by a file: storing a photo fails unexpectedly.
    (List it before fixtures that create the app.)"""
    blocked = tmp_path / "blocked"
    blocked.write_bytes(b"")
    settings_overrides["storage"]["photo_dir"] = str(blocked)
    return blocked


def enrolled(member, title="环境卫生整治", minutes_ago=10, **kw):
    now = clock.now_utc()
    activity = make_activity(
        member.team, starts_at=now - timedelta(minutes=minutes_ago), title=title, **kw
    )
    Enrollment.create(activity=activity, member=member, created_at=now)
    return activity


def test_a_full_check_in_makes_the_register_entry_the_api_makes(chat, member):
    activity = enrolled(member)
    assert "请发送您的当前位置" in chat.say("我要签到")
    assert "佩戴党徽" in chat.location(activity.lat + NEAR, activity.lng)
    reply = chat.photo(images.jpeg(seed=11), run_after=False)
    assert reply.text.startswith("正在核验照片")
    assert ServiceRecord.select().count() == 0  # the slow part waits for after the reply
    after(reply)
    record = ServiceRecord.get()
    assert (record.kind, record.activity_id, record.source) == ("activity", activity.id, "chat")
    assert (record.status, record.flags) == ("verified", [])
    assert record.request_id.startswith("chat:")
    assert record.checkin_coord_type == "gcj02" and record.distance_m < 50
    assert Photo.select().where(Photo.record == record).count() == 1
    assert [h.action for h in RecordHistory.select().where(RecordHistory.record == record)] == [
        "checkin"
    ]
    assert "签到成功" in chat.pushed()[-1] and activity.title in chat.pushed()[-1]


def test_running_the_after_work_twice_records_once(chat, member):
    activity = enrolled(member)
    chat.say("签到")
    chat.location(activity.lat + NEAR, activity.lng)
    reply = chat.photo(images.jpeg(seed=12))
    after(reply)
    assert ServiceRecord.select().count() == 1 and Photo.select().count() == 1


def test_a_far_away_check_in_is_flagged_and_says_why(chat, member):
    activity = enrolled(member)
    chat.say("打卡")
    chat.location(activity.lat + 0.05, activity.lng)
    chat.photo(images.jpeg(seed=13))
    assert ServiceRecord.get().status == "flagged"
    assert "位置不在服务地点范围内" in chat.pushed()[-1]


def test_several_activities_today_are_picked_by_number(chat, member):
    enrolled(member, title="义诊")
    second = enrolled(member, title="法律咨询", minutes_ago=5)
    listing = chat.say("签到")
    assert "1. 义诊" in listing and "2. 法律咨询" in listing
    assert "请回复序号" in chat.say("9")
    assert "请回复序号" in chat.say("௨")  # numbers are read in ASCII, full-width or 一..九十九
    assert "请回复序号" in chat.say("9" * 5000)  # more digits than int() will read
    assert "法律咨询" in chat.say("第二个")
    chat.location(second.lat + NEAR, second.lng)
    chat.photo(images.jpeg(seed=14))
    assert ServiceRecord.get().activity_id == second.id


def test_no_activity_today_says_how_to_find_one(chat, member):
    assert "今天没有您已报名" in chat.say("签到")


def test_an_activity_already_checked_in_to_is_not_offered_again(chat, member):
    """Offering it would end in 'check out first' only after the location and the photo; the
    other is not offered either while it is open (wechat.chat.checkin.open_first)."""
    first = enrolled(member, title="义诊")
    enrolled(member, title="法律咨询")
    make_record(member, first, checkin_at=clock.now_utc() - timedelta(minutes=5))
    only = chat.say("签到")
    assert "签退" in only and "法律咨询" not in only
    offer = chat.location(first.lat + NEAR, first.lng)  # both are there: neither is offered
    assert "法律咨询" not in offer and "签退" in offer
    ServiceRecord.delete().execute()
    assert "1. 义诊" in chat.say("签到")


def test_steps_reprompt_for_what_they_wait_for(chat, member):
    enrolled(member)
    chat.say("签到")
    assert "请发送位置" in chat.say("在这里")
    chat.location(34.7466 + NEAR, 113.6253)
    assert "现场照片" in chat.say("好的")


@pytest.mark.parametrize("outcome", ["timeout", 40007, "no-such-media"])
def test_a_photo_that_cannot_be_downloaded_is_asked_for_again(
    quick_timeout, chat, member, emulator, outcome
):
    activity = enrolled(member)
    chat.say("签到")
    chat.location(activity.lat + NEAR, activity.lng)
    if outcome == "no-such-media":
        first = chat.push("image", media_id="no-such-media")
        after(first)
    else:
        emulator.inject("media_get", outcome)
        first = chat.photo(images.jpeg(seed=30))
    assert ServiceRecord.select().count() == 0
    assert "照片下载失败" in chat.pushed()[-1] and "重新发送" in chat.pushed()[-1]
    again = chat.photo(images.jpeg(seed=31))
    assert again.text.startswith("正在核验照片")
    assert "签到成功" in chat.pushed()[-1]
    after(first)  # a late run of the failed job's work: once WeChat answers, still one entry
    assert ServiceRecord.select().count() == 1 and Photo.select().count() == 1


def test_a_failed_photo_after_the_member_moved_on_says_nothing_was_recorded(
    quick_timeout, chat, member, emulator
):
    """Asking for the photo again would land in the new conversation as a stray image."""
    activity = enrolled(member)
    chat.say("签到")
    chat.location(activity.lat + NEAR, activity.lng)
    emulator.inject("media_get", "timeout")
    first = chat.photo(images.jpeg(seed=34), run_after=False)
    assert activity.title in chat.say("活动")  # a numbered list: another conversation begins
    after(first)
    assert "本次签到没有记录" in chat.pushed()[-1] and "重新发送「签到」" in chat.pushed()[-1]
    assert ServiceRecord.select().count() == 0


def test_a_stalled_download_behind_the_endpoint_is_told_to_the_member(
    quick_timeout, client, app, member, emulator
):
    """Through /wechat, as deployed: the deferred work ends cleanly and the member hears."""
    from tests.wechat import oa
    from wechat import deferred

    activity = enrolled(member)
    oa.push(client, oa.text("oa-alice", "签到"))
    oa.push(client, oa.location("oa-alice", activity.lat + NEAR, activity.lng))
    emulator.add_media("stalled-photo", images.jpeg(seed=32))
    emulator.inject("media_get", "timeout")
    oa.push(client, oa.image("oa-alice", "stalled-photo"))
    assert deferred.wait_idle(app) and deferred.errors(app) == []
    sent = [c.body["text"]["content"] for c in emulator.calls_to("custom_send")]
    assert "照片下载失败" in sent[-1]
    emulator.add_media("second-photo", images.jpeg(seed=33))
    again = oa.push(client, oa.image("oa-alice", "second-photo"))
    assert oa.reply_text(again).startswith("正在核验照片")
    assert deferred.wait_idle(app) and deferred.errors(app) == []
    with app.app_context():
        assert ServiceRecord.select().count() == 1


def test_an_unexpected_error_is_told_and_the_photo_asked_again(blocked_photos, chat, member):
    activity = enrolled(member)
    chat.say("签到")
    chat.location(activity.lat + NEAR, activity.lng)
    reply = chat.photo(images.jpeg(seed=34), run_after=False)
    with pytest.raises(OSError):  # still raised after telling, so wechat.deferred logs it
        after(reply)
    assert ServiceRecord.select().count() == 0
    assert "照片未能核验" in chat.pushed()[-1]
    blocked_photos.unlink()
    chat.photo(images.jpeg(seed=35))
    assert "签到成功" in chat.pushed()[-1] and ServiceRecord.select().count() == 1


def test_a_refused_check_in_tells_the_reason(chat, member):
    activity = enrolled(member)
    chat.say("签到")
    chat.location(activity.lat + NEAR, activity.lng)
    Activity.update(status="cancelled").where(Activity.id == activity.id).execute()
    reply = chat.photo(images.jpeg(seed=42), run_after=True)
    assert reply.text.startswith("正在核验照片")
    assert ServiceRecord.select().count() == 0
    assert chat.pushed()[-1] == texts.CHECKIN_FAILED.format(reason="活动已取消，无法签到。")


def test_a_stray_location_near_an_activity_offers_a_check_in(chat, member):
    activity = enrolled(member)
    assert "附近" in chat.location(activity.lat + NEAR, activity.lng)
    chat.photo(images.jpeg(seed=16))
    assert ServiceRecord.get().activity_id == activity.id


def test_a_stray_location_far_from_everything_is_acknowledged(chat, member):
    enrolled(member)
    assert "已收到您的位置" in chat.location(39.9, 116.4)


def test_check_out_with_location_or_skip(chat, member):
    activity = enrolled(member, minutes_ago=60)
    chat.say("签到")
    chat.location(activity.lat + NEAR, activity.lng)
    chat.photo(images.jpeg(seed=17))
    served_for(40)
    assert "跳过" in chat.say("签退")
    done = chat.location(activity.lat + NEAR, activity.lng)
    assert "签退成功" in done and "服务的对象是谁" in done
    assert "成效" in chat.say("幸福社区老年居民")
    assert "计入您的服务时长" in chat.say("为20位居民测量血压")
    record = ServiceRecord.get()
    assert record.checkout_at is not None and record.checkout_lat is not None
    assert (record.content, record.target, record.outcome) == (
        f"参加「{activity.title}」",
        "幸福社区老年居民",
        "为20位居民测量血压",
    )
    assert counts_toward_hours(record)
    assert "没有需要签退" in chat.say("签退")


def test_check_out_without_location(chat, member):
    activity = enrolled(member)
    chat.say("签到")
    chat.location(activity.lat + NEAR, activity.lng)
    chat.photo(images.jpeg(seed=18))
    served_for(40)
    chat.say("签退")
    assert "签退成功" in chat.say("跳过")
    assert "发送「补登」补充" in chat.say("跳过")
    record = ServiceRecord.get()
    assert record.checkout_lat is None and record.checkout_at is not None
    assert record.target == "" and not counts_toward_hours(record)


def served_for(minutes: int) -> None:
    """Move the check-in back, as if the member had served that long before 签退."""
    earlier = clock.now_utc() - timedelta(minutes=minutes)
    ServiceRecord.update(checkin_at=earlier).execute()


def test_a_check_out_right_after_check_in_says_a_leader_will_look(chat, member):
    activity = enrolled(member)
    chat.say("签到")
    chat.location(activity.lat + NEAR, activity.lng)
    chat.photo(images.jpeg(seed=19))
    chat.say("签退")
    done = chat.say("跳过")
    assert "签退成功" not in done and "服务时长 0 分钟；服务时长过短，需队长审核" in done
    assert ServiceRecord.get().status == "flagged"


def individual_service(member, **kw):
    """An individual service (分散活动) checked in an hour ago, as the mini-program makes it."""
    at = clock.now_utc() - timedelta(hours=1)
    return make_record(member, kind="individual", checkin_at=at, status="verified", **kw)


def test_an_individual_service_is_asked_what_was_done_not_given_a_title(chat, member):
    individual_service(member)
    chat.say("签退")
    assert "服务的对象是谁" in chat.say("跳过")
    assert "做了哪些服务" in chat.say("独居老人王大爷")
    assert "成效" in chat.say("上门代购降压药")
    assert "计入您的服务时长" in chat.say("老人按时服药")
    record = ServiceRecord.get()
    assert (record.content, record.target, record.outcome) == (
        "上门代购降压药",
        "独居老人王大爷",
        "老人按时服药",
    )
    assert counts_toward_hours(record)


def test_skipping_part_way_keeps_the_answers_given_and_names_what_is_left(chat, member):
    individual_service(member)
    chat.say("签退")
    chat.say("跳过")  # check out without a location
    chat.say("独居老人王大爷")
    reply = chat.say("跳过")
    assert "补充服务内容、取得的成效" in reply and "服务对象" not in reply
    assert ServiceRecord.get().target == "独居老人王大爷"


def test_an_individual_service_skipped_keeps_its_content_empty(chat, member):
    individual_service(member, target="独居老人王大爷")
    chat.say("签退")
    assert "做了哪些服务" in chat.say("跳过")
    assert "发送「补登」补充" in chat.say("跳过")
    record = ServiceRecord.get()
    assert (record.content, record.target) == ("", "独居老人王大爷")
    assert not counts_toward_hours(record)


def test_a_household_visit_fills_in_the_register(chat, member):
    household = pair(member).household
    household.lat, household.lng = 34.7466, 113.6253
    household.save()
    assert "走访结对家庭" in chat.say("走访")
    assert "走访现场照片" in chat.location(household.lat + NEAR, household.lng)
    reply = chat.photo(images.jpeg(seed=19))
    assert "看到的家庭情况" in reply.text
    told = chat.pushed()[-1]  # the photo's result: the visit goes on in the chat, no 签退
    assert told.startswith("走访照片") and "签退" not in told
    assert "提供了哪些帮助" in chat.say("老人腿脚不便，独自居住")  # 帮 is not a command here
    assert "走访已登记" in chat.say("帮忙打扫卫生并联系社区医生")
    record = ServiceRecord.get()
    assert (record.kind, record.household_id, record.source) == ("visit", household.id, "chat")
    assert record.content == "入户走访：老人腿脚不便，独自居住"
    assert record.outcome == "帮忙打扫卫生并联系社区医生"
    assert record.target == ""  # the household is named at 签退 (tests/wechat/test_chat_register)
    assert [h.action for h in RecordHistory.select().order_by(RecordHistory.seq)] == [
        "checkin",
        "fill",  # each note is written as it is given (wechat.chat.visit_notes)
        "fill",
    ]


def test_a_bare_command_word_is_not_taken_as_a_visit_note(chat, member):
    first = visit_photo_sent(chat, member, seed=41)
    after(first)
    hint = chat.say("活动")
    assert "「活动」没有当作这一项的回答" in hint and "取消" in hint
    assert "提供了哪些帮助" in chat.say("老人独自居住，身体尚好")  # still the same question
    assert "走访已登记" in chat.say("送去米面油")
    assert ServiceRecord.get().content == "入户走访：老人独自居住，身体尚好"


def test_visit_notes_given_during_the_photo_check_are_written_by_it(chat, member):
    pair(member)
    chat.say("走访")
    chat.location(34.7466, 113.6253)
    first = chat.photo(images.jpeg(seed=20), run_after=False)
    chat.say("家中一切正常")
    assert chat.say("送去米面油") == texts.VISIT_HELP_HELD
    after(first)
    assert chat.pushed()[-1].endswith(texts.VISIT_NOTES_KEPT)
    record = ServiceRecord.get()
    assert (record.content, record.outcome) == ("入户走访：家中一切正常", "送去米面油")
    assert "可以发送" in chat.say("帮助")  # the notes are done


def visit_photo_sent(chat, member, seed: int, run_after: bool = False):
    pair(member)
    chat.say("走访")
    chat.location(34.7466, 113.6253)
    return chat.photo(images.jpeg(seed=seed), run_after=run_after)


def test_a_failed_visit_photo_is_told_and_asked_again_keeping_the_notes(
    quick_timeout, chat, member, emulator
):
    emulator.inject("media_get", "timeout")
    first = visit_photo_sent(chat, member, seed=36)
    assert "提供了哪些帮助" in chat.say("老人独自居住")
    after(first)
    assert chat.pushed()[-1].startswith("走访照片下载失败")
    assert "可以发送" in chat.say("帮助")  # no longer stuck waiting for the photo
    assert "现场照片" in chat.say("送去米面油")
    again = chat.photo(images.jpeg(seed=37))
    assert "提供了哪些帮助" in again.text and "看到的家庭情况" not in again.text
    assert "走访已登记" in chat.say("送去米面油")
    record = ServiceRecord.get()
    assert (record.content, record.outcome) == ("入户走访：老人独自居住", "送去米面油")


def test_a_visit_left_before_its_photo_failed_is_not_reopened(
    quick_timeout, chat, member, emulator
):
    emulator.inject("media_get", "timeout")
    first = visit_photo_sent(chat, member, seed=39)
    assert "已取消" in chat.say("取消")
    after(first)
    assert "本次走访没有记录" in chat.pushed()[-1]
    kept = chat.photo(images.jpeg(seed=40)).text  # nothing waits: kept for a visit afresh
    assert kept.startswith("已收到照片") and "走访结对家庭" in kept
    assert ServiceRecord.select().count() == 0


def test_a_lost_visit_photo_check_is_asked_again_and_records_once(chat, member, monkeypatch):
    first = visit_photo_sent(chat, member, seed=38)  # its check never runs: lost in a restart
    chat.say("老人独自居住")
    assert chat.say("送去米面油") == texts.VISIT_HELP_HELD
    later = clock.now_utc() + timedelta(minutes=2)
    monkeypatch.setattr(clock, "now_utc", lambda: later)
    assert "照片未能核验" in chat.say("送去米面油")
    assert chat.photo(images.jpeg(seed=39)).text == texts.VISIT_NOTES_WAIT_CHECK  # both kept
    assert chat.pushed()[-1].endswith(texts.VISIT_NOTES_KEPT)
    assert (ServiceRecord.get().content, ServiceRecord.get().outcome) == (
        "入户走访：老人独自居住",
        "送去米面油",
    )
    after(first)  # the lost check turns up after all: the same entry, not a second one
    assert ServiceRecord.select().count() == 1


def test_a_refused_visit_says_visit_and_ends_the_conversation(chat, member):
    pair(member)
    chat.say("走访")
    chat.location(34.7466, 113.6253)
    Pairing.delete().execute()
    chat.photo(images.jpeg(seed=43))
    assert chat.pushed()[-1].startswith("走访登记未成功：")
    assert "可以发送" in chat.say("帮助")
    assert ServiceRecord.select().count() == 0


def test_a_visit_still_checked_in_is_said_before_asking_for_another(chat, member):
    pair(member)
    make_record(member, kind="visit", checkin_at=clock.now_utc() - timedelta(minutes=5))
    reply = chat.say("走访")
    assert "签到「结对家庭走访」" in reply and "签退" in reply and "位置" not in reply
    assert ServiceRecord.select().count() == 1


def test_a_visit_opened_elsewhere_meanwhile_is_refused_politely(chat, member):
    """Opened in the mini-program between 「走访」 and the photo: the service's refusal."""
    pair(member)
    chat.say("走访")
    chat.location(34.7466, 113.6253)
    make_record(member, kind="visit", checkin_at=clock.now_utc() - timedelta(minutes=1))
    chat.photo(images.jpeg(seed=44))
    assert chat.pushed()[-1] == "走访登记未成功：您已签到本次走访，请先签退。"
    assert ServiceRecord.select().count() == 1


def test_long_visit_notes_are_asked_again_within_the_room_left(chat, member):
    visit_photo_sent(chat, member, seed=40, run_after=True)
    too_long = chat.say("情" * 496)
    assert "看到的家庭情况最多可写 495 个字" in too_long and "496" in too_long
    assert "提供了哪些帮助" in chat.say("情" * 495)
    assert "提供的帮助最多可写 500 个字" in chat.say("帮" * 501)
    assert "走访已登记" in chat.say("帮" * 500)
    record = ServiceRecord.get()
    assert (len(record.content), len(record.outcome)) == (500, 500)


def test_a_visit_without_a_household_says_so(chat, member):
    assert "还没有结对家庭" in chat.say("走访")


def test_a_check_in_through_the_endpoint(client, app, member, emulator):
    """The same conversation as signed XML pushes to /wechat, photo checked after replying."""
    from tests.wechat import oa
    from wechat import deferred

    activity = enrolled(member)
    assert "位置" in oa.reply_text(oa.push(client, oa.text("oa-alice", "签到")))
    located = oa.push(client, oa.location("oa-alice", activity.lat + NEAR, activity.lng))
    assert "佩戴党徽" in oa.reply_text(located)
    emulator.add_media("e2e-photo", images.jpeg(seed=21))
    answer = oa.push(client, oa.image("oa-alice", "e2e-photo"))
    assert oa.reply_text(answer).startswith("正在核验照片")
    assert deferred.wait_idle(app) and deferred.errors(app) == []
    with app.app_context():
        record = ServiceRecord.get()
    assert (record.source, record.status, record.activity_id) == ("chat", "verified", activity.id)
    sent = [c.body for c in emulator.calls_to("custom_send")]
    assert sent[-1]["touser"] == "oa-alice" and "签到成功" in sent[-1]["text"]["content"]


def checked_in_then_checked_out(chat, member):
    activity = enrolled(member, minutes_ago=60)
    chat.say("签到")
    chat.location(activity.lat + NEAR, activity.lng)
    chat.photo(images.jpeg(seed=41))
    chat.say("签退")
    return chat.say("跳过")


def test_a_long_register_answer_is_asked_again_keeping_earlier_answers(chat, member):
    assert "服务的对象是谁" in checked_in_then_checked_out(chat, member)
    too_long = chat.say("居" * 201)
    assert "服务对象最多可写 200 个字" in too_long and "201" in too_long
    assert "成效" in chat.say("幸福社区老年居民")
    assert "取得的成效最多可写 500 个字" in chat.say("测" * 501)
    assert "计入您的服务时长" in chat.say("为20位居民测量血压")
    record = ServiceRecord.get()
    assert (record.target, record.outcome) == ("幸福社区老年居民", "为20位居民测量血压")


@pytest.mark.parametrize(
    ("kind", "label"), [("individual", "个人服务（分散活动）"), ("visit", "结对家庭走访")]
)
def test_check_out_names_each_open_entry_by_its_kind(chat, member, kind, label):
    activity = enrolled(member, title="义诊")
    make_record(member, activity, checkin_at=clock.now_utc() - timedelta(minutes=20))
    make_record(member, kind=kind, checkin_at=clock.now_utc() - timedelta(minutes=10))
    listing = chat.say("签退")
    assert "1. 义诊，" in listing and f"2. {label}，" in listing
    assert f"签退「{label}」" in chat.say("2")
    labels = {common.record_label(r) for r in ServiceRecord.select()}  # the model, too
    assert labels == {"义诊", label}
