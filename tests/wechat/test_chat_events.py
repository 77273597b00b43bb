"""Events: unfollows, reported positions, template delivery reports, the rest answered
with nothing (the endpoint then says 'success')."""

import pytest

from models import ChatState, Member, Notification
from services import clock
from tests.wechat.test_chat_support import Chat, chat_direct
from wechat.chat import state

member, chat = chat_direct("oa-carol")


def test_unsubscribe_marks_the_member_unreachable_and_a_new_follow_reachable(chat, member):
    assert not chat.event("unsubscribe").text
    assert Member.get_by_id(member.id).oa_reachable is False
    chat.event("subscribe")
    assert Member.get_by_id(member.id).oa_reachable is True


def test_location_events_are_kept_silently(chat):
    reply = chat.event("location", lat=34.75, lng=113.62, precision=30.0)
    assert reply.text is None and reply.after == ()
    where = state.last_location("oa-carol", clock.now_utc())
    assert (where["lat"], where["lng"], where["precision"]) == (34.75, 113.62, 30.0)
    assert state.current("oa-carol", clock.now_utc()) is None


def test_a_location_event_keeps_a_conversation_going(chat, member):
    chat.say("通知 x")  # refused to a member: no conversation
    state.start("oa-carol", "checkin_location", {"target": 1, "title": "t"}, clock.now_utc())
    chat.event("location", lat=1.0, lng=2.0)
    assert state.current("oa-carol", clock.now_utc()).state == "checkin_location"
    assert ChatState.select().count() == 1


def _notification(member, payload):
    now = clock.now_utc()
    return Notification.create(
        member=member,
        kind="visit_reminder",
        channel="oa_template",
        payload=payload,
        dedupe_key=f"n:{payload}",
        status="sent",
        next_attempt_at=now,
        created_at=now,
    )


@pytest.mark.parametrize("status, expected", [("success", "sent"), ("failed:user block", "failed")])
def test_template_delivery_reports_update_the_notification(chat, member, status, expected):
    mine = _notification(member, {"msgid": 4001})
    other = _notification(member, {"msgid": 40012})
    reply = chat.event("templatesendjobfinish", msg_id=4001, status=status)
    assert not reply.text
    mine, other = Notification.get_by_id(mine.id), Notification.get_by_id(other.id)
    assert (mine.status, mine.payload["delivery"]) == (expected, status)
    assert other.status == "sent" and "delivery" not in other.payload


def test_a_delivery_report_for_no_notification_changes_nothing(chat):
    assert not chat.event("templatesendjobfinish", msg_id=999, status="success").text


@pytest.mark.parametrize(
    "event",
    [
        "view",
        "subscribe_msg_popup_event",
        "subscribe_msg_change_event",
        "subscribe_msg_sent_event",
        "masssendjobfinish",
        "something_new",
    ],
)
def test_other_events_get_no_reply(chat, event):
    reply = chat.event(event, "x")
    assert not reply.text and reply.after == ()


def test_events_from_strangers_are_fine(app, emulator):
    with app.app_context():
        stranger = Chat("oa-nobody", emulator)
        assert not stranger.event("unsubscribe").text
        assert not stranger.event("location", lat=1.0, lng=2.0).text
        assert "请先绑定" in stranger.event("subscribe").text
