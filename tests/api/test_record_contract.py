"""What an entry tells the mini-program beyond its columns: what it still lacks to count
toward hours, its points in one datum, the kind it counts as, and its activity's state."""

from datetime import timedelta

import pytest

from models import Activity, Enrollment, ServiceRecord
from services import clock, geo, report_stats
from tests.api.test_checkins import activity, checkin_form, me, member, post_checkin  # noqa: F401
from tests.api.test_records import _register_body
from tests.factories import make_activity
from tests.register_world import build_world


def test_an_entry_says_what_it_lacks_to_count_toward_hours(me, activity):  # noqa: F811
    opened = post_checkin(me, checkin_form(activity)).get_json()
    # an activity's content is written by the check-out, so it is not asked of an open entry
    assert opened["missing_for_hours"] == ["checkout", "target", "outcome"]
    assert opened["hours_hint"] == "还需签退并填写：服务对象、取得成效，完成后计入服务时长"
    out = me.post(f"/checkins/{opened['id']}/checkout").get_json()
    assert out["counts_toward_hours"] is False
    assert out["missing_for_hours"] == ["target", "outcome"]
    assert out["hours_hint"] == "还需填写：服务对象、取得成效，填写后计入服务时长"
    filled = me.patch(f"/records/{out['id']}", json={"target": "3号楼住户", "outcome": "楼道整洁"})
    body = filled.get_json()
    assert filled.status_code == 200, body
    assert (body["counts_toward_hours"], body["missing_for_hours"], body["hours_hint"]) == (
        True,
        [],
        "",
    )


def test_a_rejected_entry_says_it_does_not_count(me, activity):  # noqa: F811
    opened = post_checkin(me, checkin_form(activity)).get_json()
    ServiceRecord.update(status="rejected").where(ServiceRecord.id == opened["id"]).execute()
    body = me.get(f"/records/{opened['id']}").get_json()
    assert (body["missing_for_hours"], body["hours_hint"]) == ([], "记录未通过审核，不计入服务时长")


@pytest.fixture
def world(app):
    return build_world(with_openids=True)


def test_a_leaders_registration_says_what_is_missing_and_the_leader_completes_it(api, world):
    leader = api(world.leader_a)
    created = leader.post("/records", json=_register_body(world, outcome=""))
    body = created.get_json()
    assert created.status_code == 201, body
    assert (body["counts_toward_hours"], body["missing_for_hours"]) == (False, ["outcome"])
    assert body["hours_hint"] == "还需填写：取得成效，填写后计入服务时长"
    # the member has no phone: the leader who registered the entry completes it
    done = leader.patch(f"/records/{body['id']}", json={"outcome": "药已送到"})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["counts_toward_hours"] is True
    assert done.get_json()["hours_hint"] == ""


def test_both_points_are_served_in_gcj02(me, activity):  # noqa: F811
    lat, lng = activity.lat + 0.0003, activity.lng
    form = checkin_form(activity, lat=str(lat), lng=str(lng), coord="wgs84")
    opened = post_checkin(me, form).get_json()
    expected = geo.wgs84_to_gcj02(lat, lng)
    location = opened["location"]
    assert (location["coord"], location["sent_coord"]) == ("gcj02", "wgs84")
    assert (location["lat"], location["lng"]) == (
        pytest.approx(expected[0], abs=1e-6),
        pytest.approx(expected[1], abs=1e-6),
    )
    point = {"lat": lat, "lng": lng, "coord": "wgs84"}
    out = me.post(f"/checkins/{opened['id']}/checkout", json=point).get_json()
    assert out["checkout_location"]["coord"] == out["location"]["coord"] == "gcj02"
    assert out["checkout_location"]["lat"] == pytest.approx(out["location"]["lat"], abs=1e-6)
    assert out["checkout_location"]["lng"] == pytest.approx(out["location"]["lng"], abs=1e-6)


def test_an_activity_published_as_individual_service_counts_as_one(me, member):  # noqa: F811
    now = clock.now_utc()
    own = make_activity(member.team, starts_at=now - timedelta(minutes=10), kind="individual")
    Enrollment.create(activity=own, member=member, created_at=now)
    details = {"content": "代购药品", "target": "独居老人王大爷", "outcome": "药已送到"}
    opened = post_checkin(me, checkin_form(own, **details)).get_json()
    assert (opened["kind"], opened["counted_kind"], opened["kind_name"]) == (
        "activity",
        "individual",
        "分散活动",
    )
    assert me.post(f"/checkins/{opened['id']}/checkout").get_json()["counts_toward_hours"]
    listed = {
        k: me.get(f"/records?kind={k}").get_json()["total"] for k in ("activity", "individual")
    }
    assert listed == {"activity": 0, "individual": 1}  # the list's filter says what kind_name says
    by_kind = me.get("/me/summary").get_json()["quarter"]["by_kind"]
    assert (by_kind["individual"]["services"], by_kind["activity"]["services"]) == (1, 0)
    today = clock.local_today(now)
    rows = report_stats.member_sums(today, today, now, [member.team_id])[member.team_id]
    sums = next(s for member_id, *_, s in rows if member_id == member.id)
    assert (sums["individual_services"], sums["activity_services"]) == (1, 0)


def test_an_entry_shows_that_its_activity_was_cancelled(me, activity):  # noqa: F811
    opened = post_checkin(me, checkin_form(activity)).get_json()
    assert opened["activity"]["status"] == "ongoing"
    Activity.update(status="cancelled", cancel_reason="暴雨预警").where(
        Activity.id == activity.id
    ).execute()
    shown = me.get(f"/records/{opened['id']}").get_json()["activity"]
    assert (shown["status"], shown["status_name"], shown["cancel_reason"]) == (
        "cancelled",
        "已取消",
        "暴雨预警",
    )
