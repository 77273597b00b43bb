"""An office correction of an activity's point, radius or times measures its entries again,
by the check-in's and check-out's own rules, in the same transaction: flags and distance say
what the activity says now, each changed entry gets a history line, and times a check-in made
could not have been made in are refused."""

from datetime import timedelta

import pytest

from models import Activity, Member, RecordHistory, ServiceRecord
from services import history, review
from services.activities import update_activity
from services.actors import Actor
from services.checkin import check_out
from services.checkin_rules import Point
from services.errors import Conflict
from tests.factories import NOW, QUIET, RULES, office_actor
from tests.services.test_checkin import M_PER_DEG_LAT, make_scene

LATER = NOW + timedelta(days=1)  # the activity (NOW to NOW + 2 h) has ended


@pytest.fixture
def scene(database, tmp_path):
    return make_scene(tmp_path / "photos")


@pytest.fixture
def office(database):
    return office_actor("office-measures")


def north(scene, metres: float) -> float:
    return scene.activity.lat + metres / M_PER_DEG_LAT


def attended(scene, out_at=90, out_metres=30, request_id="r1") -> ServiceRecord:
    """Checked in at NOW 50 m north of the point, out `out_at` minutes later `out_metres` north."""
    record = scene.check_in(request_id=request_id).record
    point = Point(north(scene, out_metres), scene.activity.lng, "gcj02", 10)
    return check_out(scene.actor, record.id, point, NOW + timedelta(minutes=out_at), RULES)


def correct(who, scene, **fields) -> Activity:
    return update_activity(who, scene.activity.id, fields, LATER, QUIET, RULES)


def lines(record) -> list[RecordHistory]:
    return list(RecordHistory.select().where(RecordHistory.record == record.id).order_by("seq"))


def test_a_point_moved_by_the_office_measures_the_entries_again(scene, office):
    record = attended(scene)
    assert (record.flags, record.status) == ([], "verified")
    correct(office, scene, lat=north(scene, 1000), lng=scene.activity.lng)
    stored = ServiceRecord.get_by_id(record.id)
    assert stored.flags == ["out_of_range", "checkout_out_of_range"]
    assert stored.distance_m == pytest.approx(950, abs=1)
    assert stored.status == "flagged"  # a new doubt sends a verified entry back to review
    line = lines(stored)[-1]
    assert (line.action, line.actor) == ("recheck", office.label)
    assert line.reason == "活动的地点已更正，按更正后的活动重新核对"
    assert set(line.changes) == {"flags", "distance_m", "status"}
    assert history.verify_record(stored) is None


def test_a_point_put_right_clears_the_doubts_it_raised(scene, office):
    """The pin was 1 km off when the member checked in; the office puts it where the service
    was: the flags go, and the entry waits for review (no one has decided it)."""
    Activity.update(lat=north(scene, 1000)).where(Activity.id == scene.activity.id).execute()
    record = attended(scene)
    assert record.flags == ["out_of_range", "checkout_out_of_range"]
    correct(office, scene, lat=scene.activity.lat, lng=scene.activity.lng)
    stored = ServiceRecord.get_by_id(record.id)
    assert (stored.flags, stored.status) == ([], "pending")
    assert stored.distance_m == pytest.approx(50, abs=0.5)


def test_a_wider_radius_is_measured_too(scene, office):
    Activity.update(lat=north(scene, 600)).where(Activity.id == scene.activity.id).execute()
    record = attended(scene, out_metres=50)
    assert "out_of_range" in record.flags
    correct(office, scene, radius_m=1000)
    assert ServiceRecord.get_by_id(record.id).flags == []


def test_times_moved_by_the_office_weigh_the_window_and_the_check_out_again(scene, office):
    """Moved three hours earlier, the check-in at NOW falls after the window (still within what
    check-in accepts) and the check-out 90 minutes later long after the end."""
    record = attended(scene)
    starts = NOW - timedelta(hours=3)
    correct(office, scene, starts_at=starts, ends_at=starts + timedelta(hours=1))
    stored = ServiceRecord.get_by_id(record.id)
    assert (stored.flags, stored.status) == (["outside_time_window", "late_checkout"], "flagged")
    assert lines(stored)[-1].reason == "活动的时间已更正，按更正后的活动重新核对"
    assert stored.distance_m == record.distance_m  # the place did not move
    assert history.verify_record(stored) is None


def test_times_no_check_in_could_have_been_made_in_are_refused(scene, office):
    record = attended(scene)
    starts = NOW - timedelta(hours=5)  # the window closed 3.5 h before NOW; check-in allows 2 h
    with pytest.raises(Conflict) as refused:
        correct(office, scene, starts_at=starts, ends_at=starts + timedelta(hours=1))
    assert refused.value.code == "checkins_outside_times"
    assert "1 条签到记录" in refused.value.message and "结束后 150 分钟" in refused.value.message
    assert Activity.get_by_id(scene.activity.id).starts_at == NOW
    assert len(lines(record)) == 2  # check-in and check-out only
    leader = Actor(member=scene.team.members.where(Member.role == "leader").get())
    review.review(leader, record.id, "reject", "照片与活动无关", NOW + timedelta(hours=3), QUIET)
    correct(office, scene, starts_at=starts, ends_at=starts + timedelta(hours=1))
    stored = ServiceRecord.get_by_id(record.id)  # a rejected entry blocks nothing, and stays so
    assert (stored.status, stored.flags) == ("rejected", ["outside_time_window", "late_checkout"])


def test_what_did_not_move_is_not_measured_again(scene, office):
    record = attended(scene)
    correct(office, scene, title="环境卫生整治（更正）", place="东门广场")
    assert len(lines(record)) == 2


def test_a_leader_extending_an_activity_under_way_changes_no_entry(scene):
    record = scene.check_in().record
    leader = Actor(member=scene.team.members.where(Member.role == "leader").get())
    later = scene.activity.ends_at + timedelta(hours=1)
    update_activity(leader, scene.activity.id, {"ends_at": later}, NOW, QUIET, RULES)
    assert len(lines(record)) == 1 and ServiceRecord.get_by_id(record.id).flags == []
