"""The activities endpoints: JSON shapes, who may do what, and bad input as the JSON error."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest

from models import Account, Activity, AuditLog, Enrollment, Member, ServiceRecord
from services import clock
from tests.factories import make_activity, make_record, make_team

ERROR_KEYS = {"code", "message"}


def _bound(member, openid):
    Member.update(mp_openid=openid).where(Member.id == member.id).execute()
    return Member.get_by_id(member.id)


def _team(label):
    team = make_team(members=2)
    leader = team.members.where(Member.role == "leader").get()
    first, second = team.members.where(Member.role == "member").order_by(Member.id)
    return (
        team,
        _bound(leader, f"mp-leader-{label}"),
        [
            _bound(first, f"mp-{label}1"),
            _bound(second, f"mp-{label}2"),
        ],
    )


class Clients(dict):
    """API clients by role, logged in on first use (each login is a call to the emulator)."""

    def __init__(self, request, login, people):
        super().__init__()
        self.request, self.login, self.people = request, login, people

    def __missing__(self, who):
        if who == "office":
            client = self.request.getfixturevalue("office")
        else:
            client = self.login(None if who == "anonymous" else self.people[who])
        self[who] = client
        return client


@pytest.fixture
def w(app, api, request):
    team_a, leader_a, (member_a, member_a2) = _team("a")
    team_b, leader_b, (member_b, _) = _team("b")
    soon = clock.now_utc().replace(microsecond=0) + timedelta(days=2)
    people = {
        "member_a": member_a,
        "member_a2": member_a2,
        "leader_a": leader_a,
        "member_b": member_b,
        "leader_b": leader_b,
    }
    return SimpleNamespace(
        team_a=team_a,
        team_b=team_b,
        people=people,
        soon=soon,
        activity=make_activity(team_a, starts_at=soon, capacity=10),
        as_=Clients(request, api, people),
    )


def local(moment):
    """A naive Shanghai wall-clock string for a naive UTC time."""
    return clock.to_local(moment).replace(tzinfo=None).isoformat()


def body(w, **kw):
    start = local(w.soon)
    return {"title": "义诊", "starts_at": start, "ends_at": local(w.soon + timedelta(hours=2))} | kw


def assert_error(response, status, code=None):
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert set(error) == ERROR_KEYS and error["message"]
    if code:
        assert error["code"] == code


def test_list_shape(w):
    response = w.as_["member_a"].get("/activities")
    assert response.status_code == 200
    data = response.get_json()
    assert set(data) == {"from", "to", "activities"}
    (item,) = data["activities"]
    assert item["id"] == w.activity.id and item["team"] == {
        "id": w.team_a.id,
        "name": w.team_a.name,
    }
    assert item["category_name"] == "其他" and item["kind_name"] == "集中活动"
    assert item["status"] == "scheduled" and item["status_name"] == "未开始"
    assert item["starts_at"].endswith("+08:00") and item["starts_at"][:16] == local(w.soon)[:16]
    assert (item["enrolled_count"], item["enrolled"], item["capacity"]) == (0, False, 10)
    assert item["coord"] == "gcj02" and item["created_by"] is None


def test_list_window_from_query(w):
    day = clock.to_local(w.soon).date().isoformat()
    data = w.as_["member_a"].get(f"/activities?from={day}&to={day}").get_json()
    assert (data["from"], data["to"], len(data["activities"])) == (day, day, 1)
    empty = w.as_["member_a"].get("/activities?from=2020-01-01&to=2020-01-31").get_json()
    assert empty["activities"] == []


@pytest.mark.parametrize(
    "query, code",
    [("from=tomorrow", "bad_date"), ("from=2026-12-31&to=2026-12-01", "bad_window")],
)
def test_list_bad_dates(w, query, code):
    assert_error(w.as_["member_a"].get(f"/activities?{query}"), 400, code)


def test_other_team_does_not_see_the_activity_in_the_list(w):
    assert w.as_["member_b"].get("/activities").get_json()["activities"] == []
    assert len(w.as_["office"].get("/activities").get_json()["activities"]) == 1


@pytest.mark.parametrize(
    "who, status",
    [
        ("member_a", 200),
        ("leader_a", 200),
        ("office", 200),
        ("member_b", 403),
        ("leader_b", 403),
        ("anonymous", 401),
    ],
)
def test_reading_one(w, who, status):
    response = w.as_[who].get(f"/activities/{w.activity.id}")
    if status == 200:
        assert response.status_code == 200 and response.get_json()["id"] == w.activity.id
    else:
        assert_error(response, status)


@pytest.mark.parametrize("path", ["/activities/99999", "/activities/abc", "/activities/9" * 8])
def test_unknown_activity(w, path):
    assert_error(w.as_["member_a"].get(path), 404)


def test_leader_creates_with_shanghai_times(w):
    response = w.as_["leader_a"].post("/activities", json=body(w, category="health"))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["starts_at"] == local(w.soon) + "+08:00"
    assert created["category_name"] == "巡诊义诊"
    leader = w.people["leader_a"]
    assert created["created_by"] == {
        "id": leader.id,
        "name": leader.name,
        "role": "leader",
        "role_name": "队长",
    }
    assert (created["lat"], created["lng"]) == (w.team_a.community.lat, w.team_a.community.lng)


def test_times_with_an_offset(w):
    utc = w.soon.isoformat() + "Z"
    ends = (w.soon + timedelta(hours=1)).isoformat() + "+00:00"
    response = w.as_["leader_a"].post("/activities", json=body(w, starts_at=utc, ends_at=ends))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["starts_at"] == local(w.soon) + "+08:00"


@pytest.mark.parametrize(
    "who, extra, status",
    [
        ("member_a", {}, 403),
        ("leader_a", {"team_id": "b"}, 403),
        ("leader_b", {"team_id": "a"}, 403),
        ("anonymous", {}, 401),
    ],
)
def test_who_may_create(w, who, extra, status):
    teams = {"a": w.team_a.id, "b": w.team_b.id}
    extra = {k: teams[v] for k, v in extra.items()}
    assert_error(w.as_[who].post("/activities", json=body(w, **extra)), status)


def test_a_leader_cannot_schedule_in_another_team_s_community(w):
    """The tester's case: team A's leader names team B's community."""
    elsewhere = body(w, community_id=w.team_b.community.id)
    refused = w.as_["leader_a"].post("/activities", json=elsewhere)
    assert_error(refused, 403, "other_community")
    assert w.team_a.community.name in refused.get_json()["error"]["message"]
    patched = w.as_["leader_a"].patch(f"/activities/{w.activity.id}", json=elsewhere)
    assert_error(patched, 400, "unknown_field")
    own = w.as_["leader_b"].post("/activities", json=elsewhere)
    assert own.status_code == 201, own.get_json()
    arranged = w.as_["office"].post("/activities", json=elsewhere | {"team_id": w.team_a.id})
    assert arranged.status_code == 201 and arranged.get_json()["team"]["id"] == w.team_a.id


def test_office_assigns_an_adhoc_task(w):
    member_b = w.people["member_b"]
    task = body(w, kind="adhoc", lat=34.75, lng=113.62, coord="wgs84", member_ids=[member_b.id])
    office_client = w.as_["office"]
    Account.update(display_name="李科员").execute()  # the name the office gave its login
    response = office_client.post("/activities", json=task)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["team"] is None and created["kind_name"] == "临时突击任务"
    assert (created["lat"], created["coord"]) != (34.75, "wgs84")
    office = {"id": None, "name": "李科员", "role": "office", "role_name": "办公室"}
    assert created["created_by"] == office
    listed = w.as_["member_b"].get("/activities").get_json()["activities"]
    assert [(a["id"], a["enrolled"]) for a in listed] == [(created["id"], True)]
    assert listed[0]["created_by"] == office
    assert_error(w.as_["member_a"].get(f"/activities/{created['id']}"), 403, "not_assigned")


def test_assigned_tells_the_caller_whether_they_may_withdraw(w):
    """Assigned and self-enrolled are both `enrolled`; only `assigned` says that 取消报名 would
    be refused, so the mini-program can hide it."""
    member_a, member_a2 = w.people["member_a"], w.people["member_a2"]
    task = body(w, lat=34.75, lng=113.62, member_ids=[member_a.id])
    created = w.as_["leader_a"].post("/activities", json=task).get_json()
    path = f"/activities/{created['id']}"
    assert created["assigned"] is False  # the leader who assigned it is not assigned
    assert w.as_["member_a2"].post(f"{path}/enrollment").status_code == 201
    flags = {who: w.as_[who].get(path).get_json() for who in ("member_a", "member_a2", "leader_a")}
    assert {who: (a["enrolled"], a["assigned"]) for who, a in flags.items()} == {
        "member_a": (True, True),
        "member_a2": (True, False),
        "leader_a": (False, False),
    }
    listed = w.as_["member_a"].get("/activities").get_json()["activities"]
    assert [a["assigned"] for a in listed if a["id"] == created["id"]] == [True]
    assert_error(w.as_["member_a"].delete(f"{path}/enrollment"), 409, "assigned")
    assert w.as_["member_a2"].delete(f"{path}/enrollment").status_code == 200
    assert member_a2.id not in [e.member_id for e in Enrollment.select()]


@pytest.mark.parametrize(
    "extra, code",
    [
        ({"title": 5}, "bad_field"),
        ({"title": None}, "missing_field"),
        ({"title": ""}, "bad_title"),
        ({"lat": "34.7", "lng": 113.6}, "bad_field"),
        ({"capacity": "3"}, "bad_field"),
        ({"capacity": True}, "bad_field"),
        ({"capacity": 0}, "bad_capacity"),
        ({"member_ids": ["1"]}, "bad_field"),
        ({"member_ids": "1,2"}, "bad_field"),
        ({"category": "party"}, "bad_category"),
        ({"kind": "daily"}, "bad_kind"),
        ({"starts_at": "tomorrow"}, "bad_time"),
        ({"starts_at": "0001-01-01T00:00:00+08:00"}, "bad_time"),
        ({"starts_at": 1700000000}, "bad_field"),
        ("swap", "bad_times"),
        ({"lat": 200.0, "lng": 113.6}, "bad_coordinates"),
        ({"lat": 48.85, "lng": 2.35}, "outside_china"),
        ({"lat": 34.7}, "bad_coordinates"),
        ({"coord": "bd09", "lat": 34.7, "lng": 113.6}, "bad_coord_type"),
        ({"radius_m": 1}, "bad_radius_m"),
        ({"status": "cancelled"}, "unknown_field"),
    ],
)
def test_create_refuses_bad_input(w, extra, code):
    data = body(w) if extra == "swap" else body(w, **extra)
    if extra == "swap":
        data["starts_at"], data["ends_at"] = data["ends_at"], data["starts_at"]
    assert_error(w.as_["leader_a"].post("/activities", json=data), 400, code)


def test_a_time_that_is_not_one_is_named_with_an_example(w):
    response = w.as_["leader_a"].post("/activities", json=body(w, starts_at="明天上午"))
    assert response.get_json()["error"]["message"] == (
        "开始时间格式不对，应如 2026-12-01T09:00:00+08:00。"
    )


@pytest.mark.parametrize("raw", ["{", "[1, 2]", '"title"', "", '{"title": NaN, "starts_at": 1}'])
def test_create_refuses_malformed_json(w, raw):
    response = w.as_["leader_a"].post(
        "/activities", data=raw, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400)


def test_create_requires_the_times(w):
    assert_error(
        w.as_["leader_a"].post("/activities", json={"title": "义诊"}), 400, "missing_field"
    )


@pytest.mark.parametrize(
    "who, status, code",
    [
        ("leader_a", 200, None),
        ("office", 200, None),
        ("member_a", 403, "leader_only"),
        ("leader_b", 403, "other_team_activity"),
    ],
)
def test_who_may_patch(w, who, status, code):
    response = w.as_[who].patch(f"/activities/{w.activity.id}", json={"title": "改名"})
    assert response.status_code == status, response.get_json()
    if status == 200:
        assert response.get_json()["title"] == "改名"
    else:
        assert_error(response, status, code)


def test_patch_is_partial_and_null_clears_capacity(w):
    path = f"/activities/{w.activity.id}"
    data = w.as_["leader_a"].patch(path, json={"capacity": None}).get_json()
    assert data["capacity"] is None and data["title"] == w.activity.title
    assert_error(w.as_["leader_a"].patch(path, json={"capacity": "many"}), 400, "bad_field")
    assert_error(w.as_["leader_a"].patch(path, json={"team_id": w.team_b.id}), 400, "unknown_field")
    later = {"ends_at": local(w.soon - timedelta(hours=1))}
    assert_error(w.as_["leader_a"].patch(path, json=later), 400, "bad_times")


def test_cancel(w):
    path = f"/activities/{w.activity.id}/cancel"
    assert_error(w.as_["member_a"].post(path), 403)
    # A misspelt reason cancels nothing: a cancellation cannot be undone, and members would
    # be told with no reason.
    assert_error(w.as_["leader_a"].post(path, json={"reasn": "暴雨预警"}), 400, "unknown_field")
    assert w.as_["leader_a"].get(f"/activities/{w.activity.id}").get_json()["status"] != "cancelled"
    first = w.as_["leader_a"].post(path, json={"reason": "暴雨预警"})
    assert first.status_code == 200 and first.get_json()["status_name"] == "已取消"
    again = w.as_["leader_a"].post(path)
    assert again.status_code == 200 and again.get_json()["status"] == "cancelled"
    assert AuditLog.select().where(AuditLog.action == "activity_cancel").count() == 1
    assert_error(w.as_["leader_a"].post(path, json={"reason": 3}), 400, "bad_field")
    enrol = w.as_["member_a"].post(f"/activities/{w.activity.id}/enrollment")
    assert_error(enrol, 409, "activity_cancelled")
    patch = w.as_["leader_a"].patch(f"/activities/{w.activity.id}", json={"capacity": 3})
    assert_error(patch, 409, "activity_closed")


UPDATE_NAMES = ("title", "category", "kind", "description", "place", "starts_at", "ends_at")
UPDATE_NAMES += ("lat", "lng", "coord", "radius_m", "capacity")


def test_the_form_a_get_gave_sent_back_with_a_new_description_after_check_ins(w):
    """The mini-program sends back what GET gave (the point rounded to 6 decimals, the times
    in +08:00) with a new description: nothing locked changes, so it is saved."""
    path = f"/activities/{w.activity.id}"
    started = clock.now_utc() - timedelta(hours=1)
    point = {"lat": 34.74661234567, "lng": 113.62534567891, "radius_m": 300}
    times = {"starts_at": started, "ends_at": started + timedelta(hours=3)}
    Activity.update(**times, **point).where(Activity.id == w.activity.id).execute()
    make_record(w.people["member_a"], w.activity, checkin_at=started)
    shown = w.as_["leader_a"].get(path).get_json()
    assert (shown["lat"], shown["lng"]) == (34.746612, 113.625346)
    form = {name: shown[name] for name in UPDATE_NAMES} | {"description": "请带好党徽"}
    saved = w.as_["leader_a"].patch(path, json=form)
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["description"] == "请带好党徽"
    entry = AuditLog.get(AuditLog.action == "activity_update")
    assert set(entry.detail) == {"description"}


def test_the_office_moving_an_ended_activity_measures_its_entries_again(w):
    """PATCH measures the entries again with the configured check-in rules; times no check-in
    could have been made in are 409 checkins_outside_times."""
    started = clock.now_utc().replace(microsecond=0) - timedelta(hours=5)
    ended = make_activity(w.team_a, starts_at=started, radius_m=300)
    point = {"checkin_lat": ended.lat, "checkin_lng": ended.lng, "checkin_coord_type": "gcj02"}
    entry = make_record(w.people["member_a"], ended, checkin_at=started, status="verified", **point)
    path = f"/activities/{ended.id}"
    moved = w.as_["office"].patch(path, json={"lat": ended.lat + 0.01, "lng": ended.lng})
    assert moved.status_code == 200, moved.get_json()
    stored = ServiceRecord.get_by_id(entry.id)
    assert (stored.flags, stored.status) == (["out_of_range"], "flagged")
    assert stored.distance_m == pytest.approx(1112, abs=2)
    earlier = started - timedelta(hours=8)
    away = {"starts_at": local(earlier), "ends_at": local(earlier + timedelta(hours=1))}
    assert_error(w.as_["office"].patch(path, json=away), 409, "checkins_outside_times")


def test_a_leader_is_told_to_ask_the_office_to_change_an_ended_activity(w):
    ended = make_activity(w.team_a, starts_at=clock.now_utc() - timedelta(hours=5), title="义诊")
    path = f"/activities/{ended.id}"
    refused = w.as_["leader_a"].patch(path, json={"title": "改名", "place": "东门"})
    assert_error(refused, 409, "activity_ended_locked")
    assert "请联系办公室" in refused.get_json()["error"]["message"]
    assert w.as_["leader_a"].get(path).get_json()["title"] == "义诊"
    noted = w.as_["leader_a"].patch(path, json={"description": "共服务居民 30 人"})
    assert noted.status_code == 200 and noted.get_json()["description"] == "共服务居民 30 人"
    corrected = w.as_["office"].patch(path, json={"title": "社区义诊", "place": "东门"})
    assert corrected.status_code == 200, corrected.get_json()
    assert (corrected.get_json()["title"], corrected.get_json()["place"]) == ("社区义诊", "东门")
    reopened = {"ends_at": local(clock.now_utc() + timedelta(hours=1))}
    assert_error(w.as_["office"].patch(path, json=reopened), 400, "would_reopen")
    cancel = w.as_["leader_a"].post(f"{path}/cancel", json={"reason": "补记"})
    assert_error(cancel, 409, "activity_ended")


def test_after_a_check_in_a_leader_may_not_move_the_activity_s_point(w):
    under_way = make_activity(w.team_a, starts_at=clock.now_utc() - timedelta(minutes=30))
    make_record(w.people["member_a"], under_way, checkin_at=clock.now_utc())
    path, moved = f"/activities/{under_way.id}", {"lat": 34.7, "lng": 113.6}
    refused = w.as_["leader_a"].patch(path, json=moved)
    assert_error(refused, 409, "activity_checked_in_locked")
    assert "请联系办公室" in refused.get_json()["error"]["message"]
    renamed = w.as_["leader_a"].patch(path, json={"title": "改名"})
    assert renamed.status_code == 200 and renamed.get_json()["title"] == "改名"
    corrected = w.as_["office"].patch(path, json=moved)
    assert corrected.status_code == 200 and corrected.get_json()["lat"] == 34.7


def test_enrol_and_withdraw(w):
    path = f"/activities/{w.activity.id}/enrollment"
    first, again = (w.as_["member_a"].post(path) for _ in range(2))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["enrolled"] is True and again.get_json()["enrolled_count"] == 1
    withdrawn = w.as_["member_a"].delete(path)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["enrolled"] is False
    assert w.as_["member_a"].delete(path).status_code == 200
    assert Enrollment.select().count() == 0


@pytest.mark.parametrize(
    "who, status, code",
    [
        ("office", 403, "member_only"),
        ("member_b", 403, "other_team_activity"),
        ("anonymous", 401, None),
    ],
)
def test_who_may_enrol(w, who, status, code):
    assert_error(w.as_[who].post(f"/activities/{w.activity.id}/enrollment"), status, code)


def test_enrol_when_full_and_withdraw_after_check_in(w):
    small = make_activity(w.team_a, starts_at=clock.now_utc() - timedelta(minutes=5), capacity=1)
    path = f"/activities/{small.id}/enrollment"
    assert w.as_["member_a"].post(path).status_code == 201
    assert_error(w.as_["member_a2"].post(path), 409, "activity_full")
    make_record(w.people["member_a"], small, checkin_at=clock.now_utc())
    assert_error(w.as_["member_a"].delete(path), 409, "already_checked_in")
    assert_error(w.as_["member_a"].post("/activities/99999/enrollment"), 404)


def test_openapi_documents_every_activity_route(app, client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/activities"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            routes.setdefault(path, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    assert len(routes) == 4
    for path, methods in routes.items():
        assert {m.lower() for m in methods} == set(paths[path]), path
        for operation in paths[path].values():
            assert operation["summary"] and operation["responses"]


@pytest.mark.parametrize("query", ["?from=9999-12-31", "?to=0001-01-01"])
def test_dates_at_the_ends_of_the_calendar_are_refused_not_a_500(api, query):
    from tests.factories import make_member, make_team

    member = make_member(team=make_team(), mp_openid="mp-calendar")
    response = api(member).get("/activities" + query)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_date"


@pytest.mark.parametrize(
    "who, sees_list",
    [("leader_a", True), ("office", True), ("member_a", False), ("member_a2", False)],
)
def test_detail_names_the_enrolled_for_the_leader_and_the_office(w, who, sees_list):
    member_a, member_a2 = w.people["member_a"], w.people["member_a2"]
    Enrollment.create(activity=w.activity, member=member_a, assigned=True, created_at=w.soon)
    w.as_["member_a2"].post(f"/activities/{w.activity.id}/enrollment")
    make_record(member_a, w.activity, checkin_at=w.soon)
    detail = w.as_[who].get(f"/activities/{w.activity.id}").get_json()
    assert detail["enrolled_count"] == 2
    if not sees_list:
        assert "enrolled_members" not in detail
        return
    enrolled = {"enrolled": True, "registered_by_leader": False}
    assert detail["enrolled_members"] == [
        {"id": member_a2.id, "name": member_a2.name, "assigned": False, "checked_in": False}
        | enrolled,
        {"id": member_a.id, "name": member_a.name, "assigned": True, "checked_in": True} | enrolled,
    ]
    listed = w.as_[who].get("/activities").get_json()["activities"]
    assert all("enrolled_members" not in a for a in listed)  # the detail only


def test_the_leaders_attendance_screen_shows_members_registered_without_enrolling(w):
    """POST /records for an activity needs no enrolment; the member attended all the same."""
    start = clock.now_utc().replace(microsecond=0) - timedelta(hours=4)
    past = make_activity(w.team_a, starts_at=start, hours=2)
    member_a, member_a2 = w.people["member_a"], w.people["member_a2"]
    Enrollment.create(activity=past, member=member_a, created_at=start)
    registration = {"member_id": member_a2.id, "activity_id": past.id, "reason": "不会用手机"}
    registered = w.as_["leader_a"].post("/records", json=registration)
    assert registered.status_code == 201, registered.get_json()
    detail = w.as_["leader_a"].get(f"/activities/{past.id}").get_json()
    assert detail["enrolled_count"] == 1  # seats taken: enrolments only
    assert [
        (m["id"], m["enrolled"], m["checked_in"], m["registered_by_leader"])
        for m in detail["enrolled_members"]
    ] == [
        (member_a.id, True, False, False),
        (member_a2.id, False, True, True),
    ]
