"""What a photo or a location sent first may check a member in to (services.checkin_choices),
on a real database with a fixed `now`: only what could be checked in to, the own service
last, and nothing to pick from a location that is no question."""

from datetime import timedelta

import pytest

from models import Enrollment
from services import checkin_choices, geo
from services.checkin_choices import Choice, for_location, for_photo
from services.record_names import ENTRY_TITLES
from tests.factories import NOW, RULES, make_activity, make_member, make_record, make_team, pair

OWN = Choice("individual", ENTRY_TITLES["individual"])
FAR = 5000 / (geo.EARTH_RADIUS_M * 3.141592653589793 / 180)  # 5 km north, in degrees


@pytest.fixture
def member(database):
    return make_member(team=make_team())


def enrolled(member, title="义诊", starts_at=NOW - timedelta(minutes=10), **kw):
    activity = make_activity(member.team, starts_at=starts_at, title=title, **kw)
    Enrollment.create(activity=activity, member=member, created_at=NOW)
    return activity


def visit_of(member) -> Choice:
    pair(member)
    return checkin_choices.visit_choice(member)


def test_with_nothing_else_a_photo_may_be_only_an_own_service(member):
    assert for_photo(member, NOW, RULES) == [OWN]


def test_beside_one_activity_the_own_service_is_not_numbered(member):
    activity = enrolled(member)
    assert for_photo(member, NOW, RULES) == [Choice(activity.id, "义诊")]


def test_beside_only_the_visit_the_own_service_is_not_numbered(member):
    visit = visit_of(member)
    assert visit.target == "visit" and "*" in visit.title  # the head's name, masked
    assert for_photo(member, NOW, RULES) == [visit]


def test_activities_then_the_visit_then_the_own_service(member):
    first, second = enrolled(member, "义诊"), enrolled(member, "清扫")
    visit = visit_of(member)
    assert for_photo(member, NOW, RULES) == [
        Choice(first.id, "义诊"),
        Choice(second.id, "清扫"),
        visit,
        OWN,
    ]


def test_what_would_be_refused_is_never_offered(member):
    make_activity(member.team, title="没报名")  # not enrolled
    enrolled(member, "已取消", status="cancelled")
    enrolled(member, "明天的", starts_at=NOW + timedelta(days=1))
    checked = enrolled(member, "已签到")
    make_record(member, checked, checkin_at=NOW - timedelta(minutes=5))
    assert for_photo(member, NOW, RULES) == [OWN]


def test_an_open_own_service_or_visit_is_not_offered_again(member):
    visit = visit_of(member)
    make_record(member, kind="individual", checkin_at=NOW - timedelta(hours=1))
    assert for_photo(member, NOW, RULES) == [visit]
    make_record(member, kind="visit", checkin_at=NOW - timedelta(minutes=30))
    assert for_photo(member, NOW, RULES) == []


def test_a_location_near_an_activity_of_a_paired_member_asks_which(member):
    activity = enrolled(member)
    visit = visit_of(member)
    found = for_location(member, activity.lat, activity.lng, NOW, RULES)
    assert found == [Choice(activity.id, "义诊"), visit, OWN]


@pytest.mark.parametrize("case", ["unpaired", "far", "open", "no_activity"])
def test_a_location_that_is_no_question_offers_nothing_not_even_the_own_service(member, case):
    """The own service is never reached from a location alone: it is only ever one choice
    among those the member must name."""
    activity = enrolled(member) if case != "no_activity" else None
    if case != "unpaired":
        pair(member)
    if case == "open":
        make_record(member, kind="individual", checkin_at=NOW - timedelta(hours=1))
    place = member.team.community
    lat = place.lat + (FAR if case == "far" else 0)
    assert for_location(member, lat, place.lng, NOW, RULES) == []
    if case != "no_activity":  # the activity itself is still open, and near its own point
        near = checkin_choices.nearby_activities(member, place.lat, place.lng, NOW, RULES)
        assert near == [activity]
