"""A location push whose position is unreadable (Location_X=abc) or no place on Earth
(Location_X=999), through /wechat as deployed: checked once where the push comes in, it is
asked for again politely; it never reaches a step (an activity's distance, a check-in's
point) nor is it kept as the member's last position."""

import pytest

from models import ChatState
from tests.wechat import oa
from tests.wechat.test_chat_support import (
    NEAR,
    chat_user,
    conversation_state,
    enrolled_activity,
)
from wechat import texts
from wechat.chat import state

BAD = [("abc", "113.6253"), ("999", "113.6253"), ("34.7466", "-181"), ("", ""), ("nan", "1")]


member, user = chat_user("oa-zheng", "郑华")


def push_location(client, lat: str, lng: str) -> str | None:
    xml = oa.message("oa-zheng", "location", Location_X=lat, Location_Y=lng, Scale=15, Label="")
    return oa.reply_text(oa.push(client, xml))


@pytest.mark.parametrize(("lat", "lng"), BAD)
def test_a_stray_location_off_the_earth_is_asked_for_again(client, user, member, lat, lng):
    enrolled_activity(member)  # a stray location is measured against it
    assert push_location(client, lat, lng) == texts.BAD_LOCATION
    assert state.kept("oa-zheng", state.LAST_LOCATION) is None


@pytest.mark.parametrize(("lat", "lng"), BAD)
def test_a_check_ins_location_off_the_earth_keeps_the_step(client, user, member, lat, lng):
    activity = enrolled_activity(member)
    user.say("签到")
    assert push_location(client, lat, lng) == texts.BAD_LOCATION
    assert conversation_state("oa-zheng") == "checkin_location"
    assert "point" not in ChatState.get().data
    assert "佩戴党徽" in user.location(activity.lat + NEAR, activity.lng)  # a good one goes on


def test_a_location_event_off_the_earth_is_not_kept(client, user):
    xml = oa.event("oa-zheng", "LOCATION", Latitude="999", Longitude="113.6", Precision="30")
    oa.push(client, xml)
    assert state.kept("oa-zheng", state.LAST_LOCATION) is None
