"""Check-in and check-out rules, on a real database with a fixed `now`."""

import itertools
import threading
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

import pytest
from peewee import SqliteDatabase

from models import Account, Activity, Enrollment, Member, Photo, RecordHistory, ServiceRecord, db
from services import checkin, geo, history, review, spells
from services.activities import update_activity
from services.actors import Actor
from services.checkin import CheckinResult, check_in, check_out
from services.checkin_closing import ClosingRules, close_open_checkins
from services.checkin_rules import SETTINGS_KEYS, CheckinRules, Point
from services.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from services.photos import open_photo
from settings import load_settings
from tests import images
from tests.factories import (
    NOW,
    QUIET,
    make_activity,
    make_household,
    make_member,
    make_team,
    office_actor,
    pair,
)

RULES = CheckinRules()
SEEDS = itertools.count(1000)  # a different picture for every check-in unless a test says so
M_PER_DEG_LAT = geo.EARTH_RADIUS_M * 3.141592653589793 / 180


@dataclass
class Scene:
    team: object
    member: object
    activity: object
    root: object

    @property
    def actor(self):
        return Actor(member=self.member)

    def near(self, metres=50.0, accuracy=10.0, coord="gcj02") -> Point:
        """A point `metres` north of the activity's point (GCJ-02)."""
        return Point(self.activity.lat + metres / M_PER_DEG_LAT, self.activity.lng, coord, accuracy)

    def check_out(self, record):
        """Close an entry (as its member, at the moment it was made)."""
        return check_out(self.actor, record.id, None, record.checkin_at)

    def check_in(self, target=None, point=None, photo=None, request_id="r1", **kw):
        kw.setdefault("now", NOW)
        actor = kw.pop("actor", self.actor)
        return check_in(
            actor,
            self.activity.id if target is None else target,
            point or self.near(),
            photo if photo is not None else images.jpeg(seed=next(SEEDS)),
            request_id,
            kw.pop("now"),
            kw.pop("rules", RULES),
            self.root,
            **kw,
        )


def enrol(activity, member, assigned=False):
    return Enrollment.create(activity=activity, member=member, assigned=assigned, created_at=NOW)


def make_scene(root) -> Scene:
    team = make_team()
    member = make_member(team=team)
    activity = make_activity(team, starts_at=NOW, hours=2)
    enrol(activity, member)
    return Scene(team, member, activity, root)


@pytest.fixture
def scene(database, tmp_path):
    return make_scene(tmp_path / "photos")


def stored_nothing(scene) -> bool:
    counts = (
        ServiceRecord.select().count(),
        Photo.select().count(),
        RecordHistory.select().count(),
    )
    files = list(scene.root.rglob("*.*")) if scene.root.exists() else []
    return counts == (0, 0, 0) and files == []


def wgs84_of(lat, lng):
    """The WGS-84 point whose GCJ-02 transform is (lat, lng), to well under a metre."""
    wlat, wlng = lat, lng
    for _ in range(5):
        glat, glng = geo.wgs84_to_gcj02(wlat, wlng)
        wlat, wlng = wlat + lat - glat, wlng + lng - glng
    return wlat, wlng


# --- a check-in that passes every rule -------------------------------------------------------


def test_a_check_in_at_the_activity_is_verified_with_photo_and_history(scene):
    result = scene.check_in()
    record = ServiceRecord.get_by_id(result.record.id)
    assert result.created is True
    assert (record.member_id, record.kind, record.activity_id) == (
        scene.member.id,
        "activity",
        scene.activity.id,
    )
    assert (record.status, record.flags, record.source) == ("verified", [], "mp")
    assert record.checkin_at == NOW and record.checkout_at is None
    assert record.distance_m == pytest.approx(50, abs=0.5)
    assert (record.checkin_coord_type, record.checkin_accuracy_m) == ("gcj02", 10.0)
    photo = Photo.get(Photo.record == record)
    assert (scene.root / photo.storage_key).is_file()
    assert open_photo(scene.root, photo.thumb_key).is_file()  # made on first request
    entries = list(record.history)
    assert [(h.seq, h.action, h.actor) for h in entries] == [
        (1, "checkin", f"member:{scene.member.id}")
    ]
    assert history.verify_record(record) is None


def test_a_wgs84_point_is_converted_before_measuring(scene):
    wgs = wgs84_of(scene.near(40).lat, scene.near(40).lng)
    as_gps = scene.check_in(point=Point(*wgs, "wgs84", 10), request_id="gps").record
    assert as_gps.status == "verified" and as_gps.distance_m == pytest.approx(40, abs=1)
    assert (as_gps.checkin_lat, as_gps.checkin_lng) == wgs  # kept as the phone reported it
    check_out(scene.actor, as_gps.id, None, NOW)
    misread = scene.check_in(point=Point(*wgs, "gcj02", 10), request_id="misread").record
    assert misread.flags == ["out_of_range", "repeat_checkin"] and misread.distance_m > 400


# --- when -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset_min", "flags"),
    [
        (-30, []),  # 30 min before the start: the window opens
        (-31, ["outside_time_window"]),
        (60, []),
        (150, []),  # 30 min after the end: the window closes
        (151, ["outside_time_window"]),
        (-30 - 120, ["outside_time_window"]),  # at the hard limit: still recorded
        (150 + 120, ["outside_time_window"]),
    ],
)
def test_the_time_window_flags_a_little_outside_it(scene, offset_min, flags):
    record = scene.check_in(now=NOW + timedelta(minutes=offset_min)).record
    assert record.flags == flags
    assert record.status == ("flagged" if flags else "verified")


@pytest.mark.parametrize(
    ("offset_min", "code"), [(-30 - 121, "checkin_not_open"), (150 + 121, "checkin_closed")]
)
def test_hours_outside_the_window_is_refused_and_stores_nothing(scene, offset_min, code):
    with pytest.raises(Conflict) as caught:
        scene.check_in(now=NOW + timedelta(minutes=offset_min))
    assert caught.value.code == code
    assert stored_nothing(scene)


def test_the_window_and_hard_limit_are_configurable(scene):
    rules = CheckinRules(open_before_min=60, hard_limit_hours=0.5)
    early = scene.check_in(now=NOW - timedelta(minutes=59), rules=rules).record
    assert early.flags == []
    with pytest.raises(Conflict) as caught:
        scene.check_in(now=NOW + timedelta(minutes=150 + 31), rules=rules, request_id="r2")
    assert caught.value.code == "checkin_closed"


# --- hard errors store nothing --------------------------------------------------------------


def _cancelled(scene):
    scene.activity.status = "cancelled"
    scene.activity.save()
    return {}


def _not_enrolled(scene):
    Enrollment.delete().execute()
    return {}


def _other_team(scene):
    other = make_activity(make_team(), starts_at=NOW)
    enrol(other, scene.member)
    return {"target": other.id}


HARD_ERRORS = {
    "office": (lambda s: {"actor": Actor(account=Account(id=1))}, Forbidden, "member_only"),
    "system": (lambda s: {"actor": Actor()}, Forbidden, "member_only"),
    "inactive": (
        lambda s: {"actor": Actor(member=make_member(team=s.team, active=False))},
        Forbidden,
        "member_inactive",
    ),
    "cancelled": (_cancelled, Conflict, "activity_cancelled"),
    "not enrolled": (_not_enrolled, Forbidden, "not_enrolled"),
    "other team": (_other_team, Forbidden, "other_team"),
    "unknown activity": (lambda s: {"target": 999_999}, NotFound, "activity_not_found"),
    "huge id": (lambda s: {"target": 2**70}, NotFound, "activity_not_found"),
    "zero id": (lambda s: {"target": 0}, NotFound, "activity_not_found"),
    "bad target": (lambda s: {"target": "party"}, Invalid, "bad_target"),
    "visit unpaired": (lambda s: {"target": "visit"}, Conflict, "no_pairing"),
    "text file": (lambda s: {"photo": "不是照片".encode()}, Invalid, "not_a_photo"),
    "truncated": (lambda s: {"photo": images.truncated_jpeg()}, Invalid, "not_a_photo"),
    "bomb": (lambda s: {"photo": images.png_bomb(7000, 7000)}, Invalid, "photo_too_large"),
    "empty photo": (lambda s: {"photo": b""}, Invalid, "not_a_photo"),
    "lat 91": (lambda s: {"point": Point(91, 113.6, "gcj02")}, Invalid, "bad_location"),
    "lng -181": (lambda s: {"point": Point(34.7, -181, "gcj02")}, Invalid, "bad_location"),
    "nan": (lambda s: {"point": Point(float("nan"), 113.6, "gcj02")}, Invalid, "bad_location"),
    "inf": (lambda s: {"point": Point(34.7, float("inf"), "gcj02")}, Invalid, "bad_location"),
    "text lat": (lambda s: {"point": Point("34.7", 113.6, "gcj02")}, Invalid, "bad_location"),
    "bd09": (lambda s: {"point": Point(34.7, 113.6, "bd09")}, Invalid, "bad_coord_type"),
    "accuracy": (lambda s: {"point": Point(34.7, 113.6, "gcj02", -5)}, Invalid, "bad_location"),
    "empty request": (lambda s: {"request_id": ""}, Invalid, "bad_request_id"),
    "long request": (lambda s: {"request_id": "x" * 65}, Invalid, "bad_request_id"),
    "space request": (lambda s: {"request_id": "a b"}, Invalid, "bad_request_id"),
    "nul request": (lambda s: {"request_id": "a\x00"}, Invalid, "bad_request_id"),
    "source": (lambda s: {"source": "fax"}, Invalid, "bad_source"),
    "long target": (lambda s: {"details": {"target": "人" * 201}}, Invalid, "text_too_long"),
    "nul content": (lambda s: {"details": {"content": "a\x00"}}, Invalid, "bad_text"),
    "unknown detail": (lambda s: {"details": {"hours": "8"}}, Invalid, "bad_field"),
}


@pytest.mark.parametrize("case", HARD_ERRORS)
def test_a_hard_error_is_refused_with_a_chinese_message_and_stores_nothing(scene, case):
    prepare, error, code = HARD_ERRORS[case]
    with pytest.raises(error) as caught:
        scene.check_in(**prepare(scene))
    assert caught.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message)
    assert stored_nothing(scene)


def test_a_member_who_has_left_is_told_so(scene):
    spells.leave(scene.member.id, date(2026, 11, 20))
    with pytest.raises(Forbidden) as refused:
        scene.check_in(actor=Actor(member=Member.get_by_id(scene.member.id)))
    assert refused.value.message == "您已离队，如有疑问，请联系办公室。"
    assert stored_nothing(scene)


def test_an_open_activity_needs_an_enrollment_but_no_team(scene):
    open_task = make_activity(scene.team, starts_at=NOW, title="临时突击任务")
    open_task.team = None
    open_task.save()
    with pytest.raises(Forbidden):
        scene.check_in(target=open_task.id)
    enrol(open_task, scene.member)
    assert scene.check_in(target=open_task.id).record.status == "verified"


def test_a_member_assigned_to_another_teams_task_may_check_in(scene):
    task = make_activity(make_team(), starts_at=NOW)
    enrol(task, scene.member, assigned=True)
    record = scene.check_in(
        target=task.id, point=Point(task.lat, task.lng + 0.0003, "gcj02")
    ).record
    assert record.activity_id == task.id


# --- where ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metres", "accuracy", "radius", "out_of_range"),
    [
        (290, 0, None, False),  # the community's 300 m
        (310, 0, None, True),
        (350, 100, None, False),  # accuracy widens the circle ...
        (450, 1000, None, False),  # ... up to the 200 m cap
        (510, 1000, None, True),
        (90, 0, 100, False),  # the activity's own radius
        (110, 0, 100, True),
        (110, None, 100, True),  # no accuracy reported: no allowance
    ],
)
def test_the_radius_plus_capped_accuracy(scene, metres, accuracy, radius, out_of_range):
    scene.activity.radius_m = radius
    scene.activity.save()
    record = scene.check_in(point=scene.near(metres, accuracy)).record
    assert ("out_of_range" in record.flags) is out_of_range
    assert record.distance_m == pytest.approx(metres, abs=0.5)
    assert record.status == ("flagged" if out_of_range else "verified")


def test_the_programme_radius_applies_without_activity_radius_or_community(scene):
    task = make_activity(scene.team, starts_at=NOW)
    task.community, task.team = None, None
    task.save()
    enrol(task, scene.member)
    point = Point(task.lat + 250 / M_PER_DEG_LAT, task.lng, "gcj02", 0)
    assert scene.check_in(target=task.id, point=point, request_id="a").record.flags == []
    check_out(scene.actor, ServiceRecord.get().id, None, NOW)
    narrow = CheckinRules(radius_m=200)
    record = scene.check_in(target=task.id, point=point, rules=narrow, request_id="b").record
    assert record.flags == ["out_of_range", "repeat_checkin"]


def test_the_communitys_radius_comes_before_the_programmes(scene):
    record = scene.check_in(point=scene.near(280, 0), rules=CheckinRules(radius_m=50)).record
    assert record.flags == []


def test_an_activity_without_a_point_is_measured_from_its_community(scene):
    scene.activity.lat = scene.activity.lng = None
    scene.activity.save()
    community = scene.team.community
    record = scene.check_in(point=Point(community.lat, community.lng + 0.001, "gcj02")).record
    assert record.flags == [] and record.distance_m == pytest.approx(91.5, abs=1)


def test_the_activitys_own_point_to_six_decimals_is_a_faked_location(scene):
    a = scene.activity
    exact = scene.check_in(point=Point(a.lat, a.lng, "gcj02", 5), request_id="same").record
    assert exact.flags == ["coords_identical"] and exact.status == "flagged"
    check_out(scene.actor, exact.id, None, NOW)
    jittered = scene.check_in(
        point=Point(a.lat + 0.000002, a.lng, "gcj02", 5), request_id="near"
    ).record
    assert jittered.flags == ["repeat_checkin"]  # the second entry, but no faked point


def test_a_point_abroad_for_a_service_in_china_is_flagged(scene):
    tokyo = Point(35.6812, 139.7671, "wgs84", 10)
    record = scene.check_in(point=tokyo).record
    assert record.flags == ["out_of_range", "outside_china"]


# --- visits and a member's own services ------------------------------------------------------


def test_a_visit_is_measured_from_the_paired_household(scene):
    home = make_household(community=scene.team.community, lat=34.75, lng=113.63)
    pair(scene.member, home)
    near = scene.check_in(target="visit", point=Point(34.7502, 113.63, "gcj02", 10)).record
    assert (near.kind, near.household_id, near.activity_id) == ("visit", home.id, None)
    assert near.flags == [] and near.distance_m == pytest.approx(22.2, abs=0.5)
    scene.check_out(near)
    tomorrow = NOW + timedelta(days=1)
    far = scene.check_in(target="visit", point=scene.near(0), request_id="r2", now=tomorrow)
    assert far.record.flags == ["out_of_range"]


def test_a_visit_to_a_household_without_a_location_is_not_measured(scene):
    pair(scene.member, make_household(community=scene.team.community))
    record = scene.check_in(target="visit", point=Point(30.0, 120.0, "wgs84")).record
    assert (record.flags, record.distance_m) == ([], None)
    scene.check_out(record)
    london, later = Point(51.5, -0.12, "wgs84"), NOW + timedelta(days=30)
    abroad = scene.check_in(target="visit", point=london, request_id="r2", now=later)
    assert abroad.record.flags == ["outside_china"]


def test_an_ended_pairing_is_no_household_to_visit(scene):
    pairing = pair(scene.member)
    pairing.ended_on = date(2026, 6, 30)
    pairing.save()
    with pytest.raises(Conflict):
        scene.check_in(target="visit")
    assert stored_nothing(scene)


def test_an_individual_service_keeps_its_details_and_has_no_place(scene):
    details = {"content": " 为独居老人代购药品 ", "target": "王大爷", "outcome": "送药上门"}
    record = scene.check_in(target="individual", point=Point(31.2, 121.5, "gcj02"), details=details)
    r = record.record
    assert (r.kind, r.activity_id, r.household_id, r.distance_m) == ("individual", None, None, None)
    assert (r.content, r.target, r.outcome) == ("为独居老人代购药品", "王大爷", "送药上门")
    assert r.flags == []


# --- travel and every reason ----------------------------------------------------------------


@pytest.mark.parametrize(("hours_before", "flagged"), [(1, True), (0, True), (10, False)])
def test_impossible_travel_since_the_previous_check_in(scene, hours_before, flagged):
    beijing = Point(39.9042, 116.4074, "gcj02", 10)  # ~620 km from the activity
    earlier = NOW - timedelta(hours=hours_before)
    scene.check_in(target="individual", point=beijing, request_id="bj", now=earlier)
    record = scene.check_in(request_id="zz").record
    assert ("impossible_travel" in record.flags) is flagged


def test_walking_between_nearby_places_is_no_travel(scene):
    first = scene.check_in(target="individual", point=scene.near(800), request_id="a", now=NOW)
    scene.check_out(first.record)
    assert scene.check_in(request_id="b").record.flags == []


def test_every_reason_is_recorded_never_dropped(scene):
    photo = images.jpeg(seed=7, taken=NOW - timedelta(days=3))
    scene.check_in(
        target="individual", photo=photo, request_id="first", now=NOW - timedelta(days=1)
    )
    a = scene.activity
    record = scene.check_in(
        point=Point(a.lat + 0.01, a.lng, "gcj02", 10),
        photo=photo,
        now=NOW - timedelta(minutes=45),
    ).record
    assert record.status == "flagged"
    assert record.flags == [
        "outside_time_window",
        "out_of_range",
        "overlapping",  # the first service is still open
        "photo_reused",
        "exif_time_off",
    ]
    assert Photo.select().where(Photo.sha256 == record.photos[0].sha256).count() == 2


# --- idempotency ----------------------------------------------------------------------------


def test_the_same_request_id_gives_the_same_record_and_one_photo(scene):
    photo = images.jpeg(seed=3)
    first = scene.check_in(photo=photo, request_id="tap")
    again = scene.check_in(photo=photo, request_id="tap", now=NOW + timedelta(seconds=5))
    assert (first.created, again.created) == (True, False)
    assert again.record.id == first.record.id
    assert ServiceRecord.select().count() == Photo.select().count() == 1
    assert RecordHistory.select().count() == 1


def test_a_retry_after_the_window_closed_still_gets_its_record(scene):
    first = scene.check_in(request_id="late-retry")
    retry = scene.check_in(request_id="late-retry", now=NOW + timedelta(hours=8))
    assert retry == CheckinResult(first.record, created=False)


def test_a_request_id_reused_for_another_target_is_refused(scene):
    scene.check_in(request_id="dup")
    with pytest.raises(Conflict) as caught:
        scene.check_in(target="individual", request_id="dup")
    assert caught.value.code == "request_id_reused"


def test_request_ids_are_per_member(scene):
    other = make_member(team=scene.team)
    enrol(scene.activity, other)
    scene.check_in(request_id="same")
    theirs = scene.check_in(actor=Actor(member=other), request_id="same")
    assert theirs.created and theirs.record.member_id == other.id


def test_one_open_check_in_per_member_and_activity(scene):
    first = scene.check_in(request_id="one").record
    with pytest.raises(Conflict) as caught:
        scene.check_in(request_id="two")
    assert caught.value.code == "already_checked_in"
    check_out(scene.actor, first.id, None, NOW + timedelta(minutes=30))
    assert scene.check_in(request_id="three", now=NOW + timedelta(minutes=40)).created


def test_the_lock_and_every_question_of_the_checks_go_out_together(scene, monkeypatch):
    """Inside the transaction, the activity as it stands (under a shared lock on PostgreSQL),
    the member's lock, the activity's and the photo's advisory locks (PostgreSQL; SQLite's
    transaction holds the write lock) and the six questions the checks ask are sent in one
    pipeline, one round trip on PostgreSQL; only the three writes follow."""
    inside, after = [], []
    hook = after.append
    real = checkin.pipelined

    @contextmanager
    def watched():
        nonlocal hook
        hook = inside.append
        with real():
            yield
        hook = after.append
        after.clear()  # from here on: what the transaction does after the pipeline

    monkeypatch.setattr(checkin, "pipelined", watched)
    db.obj.query_hooks.append(lambda event: hook(event.sql))
    try:
        scene.check_in(request_id="together")
    finally:
        db.obj.query_hooks.pop()
    standing = inside.pop(0)
    assert standing.startswith("SELECT") and '"starts_at"' in standing and "radius_m" in standing
    if not isinstance(db.obj, SqliteDatabase):
        assert standing.endswith("FOR SHARE") and "FOR UPDATE" in inside.pop(0)
        held = [inside.pop(0), inside.pop(0)]  # the activity's name, then the photo's digest
        assert all("pg_advisory_xact_lock" in sql for sql in held), held
    assert len(inside) == 6 and all(sql.startswith("SELECT") for sql in inside)
    assert [sql.split()[0] for sql in after] == ["INSERT"] * 3


def _run_at_once(count, call):
    """Call `call(i)` from `count` threads released together, each on its own connection."""
    barrier, results = threading.Barrier(count), [None] * count

    def worker(i):
        with db.connection_context():
            barrier.wait()
            try:
                results[i] = call(i)
            except DomainError as exc:
                results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_retries_of_one_request_make_one_record_and_one_photo(scene):
    photo = images.jpeg(seed=11)
    results = _run_at_once(8, lambda i: scene.check_in(photo=photo, request_id="storm"))
    assert all(isinstance(r, CheckinResult) for r in results), results
    assert sorted(r.created for r in results) == [False] * 7 + [True]
    assert {r.record.id for r in results} == {ServiceRecord.get().id}
    assert Photo.select().count() == RecordHistory.select().count() == 1


def test_concurrent_taps_with_different_request_ids_leave_one_open_check_in(scene):
    results = _run_at_once(6, lambda i: scene.check_in(request_id=f"tap-{i}"))
    created = [r for r in results if isinstance(r, CheckinResult)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(created) == 1 and len(refused) == 5, results
    assert ServiceRecord.select().count() == 1


def _leader(scene) -> Actor:
    return Actor(member=scene.team.members.where(Member.role == "leader").get())


MOVED = {"lat": 34.7466 + 1000 / M_PER_DEG_LAT, "starts_at": NOW + timedelta(minutes=40)}


def _move(scene) -> tuple[threading.Thread, list]:
    """The leader moves the point 1 km north and the start 40 minutes later, in a thread of
    its own (its own connection, as another request would): the thread, and the list its
    outcome (the activity, or the refusal) goes into."""
    outcome = []

    def edit():
        with db.connection_context():
            try:
                fields = MOVED | {"lng": scene.activity.lng}
                outcome.append(
                    update_activity(_leader(scene), scene.activity.id, fields, NOW, QUIET)
                )
            except DomainError as exc:
                outcome.append(exc)

    thread = threading.Thread(target=edit)
    thread.start()
    return thread, outcome


def test_an_edit_landing_while_a_check_in_is_checked_is_measured_against(scene, monkeypatch):
    """The activity is read before the photo is stored; an edit committed in that gap moves
    what the check-in is measured against, and the entry is measured against the move."""
    real = checkin.store_photo

    def store_then_edit(*args):
        stored = real(*args)
        thread, outcome = _move(scene)
        thread.join(timeout=30)
        assert isinstance(outcome[0], Activity), outcome
        return stored

    monkeypatch.setattr(checkin, "store_photo", store_then_edit)
    record = scene.check_in().record
    assert record.flags == ["outside_time_window", "out_of_range"]
    assert record.distance_m == pytest.approx(950, abs=1)
    assert record.status == "flagged"


def test_an_edit_waits_for_a_check_in_under_way_and_then_sees_it(scene, monkeypatch):
    """An edit sent while a check-in's transaction measures it waits for that transaction (on
    PostgreSQL the check-in holds the activity's row; on SQLite the database's write lock),
    then finds the entry and is refused: the entry stays measured against what stands."""
    real, started = checkin.assess, []

    def assess_while_edited(*args):
        started.extend(_move(scene))
        started[0].join(timeout=0.5)  # time to get ahead, were it not held back
        return real(*args)

    monkeypatch.setattr(checkin, "assess", assess_while_edited)
    record = scene.check_in().record
    thread, outcome = started
    thread.join(timeout=30)
    assert [getattr(o, "code", o) for o in outcome] == ["activity_checked_in_locked"]
    assert (record.flags, record.distance_m) == ([], pytest.approx(50, abs=0.5))
    assert Activity.get_by_id(scene.activity.id).starts_at == NOW


# --- check-out ------------------------------------------------------------------------------


def test_check_out_computes_the_duration_and_appends_history(scene):
    record = scene.check_in().record
    later = NOW + timedelta(minutes=95, seconds=40)
    near = scene.near(30)
    out = check_out(scene.actor, record.id, Point(*wgs84_of(near.lat, near.lng), "wgs84", 8), later)
    stored = ServiceRecord.get_by_id(record.id)
    assert (stored.checkout_at, stored.duration_minutes) == (later, 95)
    assert (stored.checkout_lat, stored.checkout_lng) == pytest.approx((near.lat, near.lng))
    assert out.duration_minutes == 95 and stored.status == "verified"
    assert [h.action for h in stored.history.order_by(RecordHistory.seq)] == ["checkin", "checkout"]
    assert history.verify_record(stored) is None


def test_checking_out_twice_changes_nothing(scene):
    record = scene.check_in().record
    first = check_out(scene.actor, record.id, None, NOW + timedelta(minutes=60))
    second = check_out(scene.actor, record.id, None, NOW + timedelta(minutes=90))
    assert second.checkout_at == first.checkout_at and second.duration_minutes == 60
    assert RecordHistory.select().count() == 2


def test_an_entry_the_system_closed_while_the_member_checked_out_is_refused(scene, monkeypatch):
    """The closing job wins the row between the member's read and the lock: the member is
    told, not handed the system's check-out as their own."""
    record = scene.check_in().record
    stale = ServiceRecord.get_by_id(record.id)
    close_open_checkins(NOW + timedelta(hours=12), ClosingRules())
    monkeypatch.setattr(checkin, "own_record", lambda member, record_id: stale)
    with pytest.raises(Conflict) as refused:
        check_out(scene.actor, record.id, None, NOW + timedelta(hours=12))
    assert refused.value.code == "auto_checked_out"
    actions = [h.action for h in record.history.order_by(RecordHistory.seq)]
    assert actions == ["checkin", "auto_checkout"]


def test_an_entry_the_system_closed_and_the_office_rejected_is_refused_as_rejected(scene):
    """Rejected, it counts no hours: the answer sends the member to whoever rejected it, not
    to the office to correct hours that do not count."""
    record = scene.check_in().record
    close_open_checkins(NOW + timedelta(hours=12), ClosingRules())
    review.review(office_actor(), record.id, "reject", "照片不清", NOW + timedelta(hours=13), QUIET)
    with pytest.raises(Conflict) as refused:
        check_out(scene.actor, record.id, None, NOW + timedelta(hours=14))
    assert refused.value.code == "record_rejected"


def test_ones_own_check_out_retried_after_a_rejection_gets_the_entry_back(scene):
    record = scene.check_in().record
    check_out(scene.actor, record.id, None, NOW + timedelta(minutes=60))
    review.review(office_actor(), record.id, "reject", "照片不清", NOW + timedelta(hours=1), QUIET)
    again = check_out(scene.actor, record.id, None, NOW + timedelta(hours=2))
    assert again.duration_minutes == 60


def test_concurrent_check_outs_append_one_history_line(scene):
    record = scene.check_in().record
    results = _run_at_once(
        5, lambda i: check_out(scene.actor, record.id, None, NOW + timedelta(minutes=30 + i))
    )
    assert len({r.checkout_at for r in results}) == 1
    assert RecordHistory.select().count() == 2


@pytest.mark.parametrize(
    ("target", "minutes", "late"),
    [
        (None, 150 + 120, False),  # the activity's close + the hard limit
        (None, 150 + 121, True),
        ("individual", 12 * 60, False),  # a member's own service: at most 12 hours
        ("individual", 12 * 60 + 1, True),
    ],
)
def test_a_forgotten_check_out_is_flagged_not_cut(scene, target, minutes, late):
    record = scene.check_in(target=target).record
    out = check_out(scene.actor, record.id, None, NOW + timedelta(minutes=minutes))
    assert out.duration_minutes == minutes
    assert ("late_checkout" in out.flags) is late
    assert out.status == ("flagged" if late else "verified")


def test_a_rejected_entry_is_not_checked_out(scene):
    """A rejection stands: the check-out is refused as the fill-in is, naming whom to ask,
    and writes no time, hours or doubts onto an entry that does not count."""
    record = scene.check_in().record
    ServiceRecord.update(status="rejected").where(ServiceRecord.id == record.id).execute()
    with pytest.raises(Conflict) as refused:
        check_out(scene.actor, record.id, None, NOW + timedelta(days=2))
    assert refused.value.code == "record_rejected"
    assert refused.value.message == "该记录未通过审核，不能再修改；如有异议请联系队长。"
    out = ServiceRecord.get_by_id(record.id)
    assert out.status == "rejected" and out.checkout_at is None and out.flags == []
    assert RecordHistory.select().count() == 1


@pytest.mark.parametrize(
    ("who", "record_id", "error"),
    [
        ("other", None, NotFound),
        ("office", None, Forbidden),
        ("self", 999_999, NotFound),
        ("self", 2**70, NotFound),
        ("self", "1", NotFound),
    ],
)
def test_only_the_records_member_checks_out(scene, who, record_id, error):
    record = scene.check_in().record
    actors = {
        "other": Actor(member=make_member(team=scene.team)),
        "office": Actor(account=Account(id=1)),
        "self": scene.actor,
    }
    with pytest.raises(error):
        check_out(actors[who], record_id or record.id, None, NOW + timedelta(hours=1))
    assert ServiceRecord.get_by_id(record.id).checkout_at is None


def test_check_out_refuses_a_point_off_the_earth(scene):
    record = scene.check_in().record
    with pytest.raises(Invalid):
        check_out(scene.actor, record.id, Point(0, 200, "wgs84"), NOW)


# --- the rules from settings ----------------------------------------------------------------


def test_rules_come_from_settings_with_defaults_for_missing_keys():
    settings = load_settings(
        "/dev/null",
        env={},
        overrides={
            "rules": {"checkin_radius_m": 150, "checkin_open_before_min": 45},
            "storage": {"max_photo_mb": 4},
        },
    )
    rules = CheckinRules.from_settings(settings)
    assert (rules.radius_m, rules.open_before_min, rules.close_after_min) == (150, 45, 30)
    assert rules.max_photo_bytes == 4 * 1024 * 1024
    assert rules.hard_limit_hours == 2  # not (yet) a settings key: the default
    assert set(SETTINGS_KEYS) == {f.name for f in fields(CheckinRules)}


def test_a_service_while_checked_in_to_another_is_flagged_as_overlapping(scene):
    pair(scene.member)
    first = scene.check_in(request_id="activity").record
    later = NOW + timedelta(minutes=5)
    second = scene.check_in(target="individual", request_id="own", now=later).record
    third = scene.check_in(target="visit", request_id="visit", now=later).record
    assert "overlapping" not in first.flags
    assert "overlapping" in second.flags and second.status == "flagged"
    assert "overlapping" in third.flags


@pytest.mark.parametrize(
    ("target", "message"),
    [("visit", "您已签到本次走访，请先签退。"), ("individual", "您已签到分散活动，请先签退。")],
    ids=["visit", "individual"],
)
def test_one_open_visit_or_own_service_at_a_time(scene, target, message):
    """A double tap with two request ids would otherwise count one visit twice."""
    pair(scene.member)
    first = scene.check_in(target=target, request_id="one").record
    with pytest.raises(Conflict) as caught:
        scene.check_in(target=target, request_id="two", now=NOW + timedelta(minutes=1))
    assert (caught.value.code, caught.value.message) == ("already_checked_in", message)
    retry = scene.check_in(target=target, request_id="one")
    assert (retry.created, retry.record.id) == (False, first.id)
    assert ServiceRecord.select().count() == 1
    check_out(scene.actor, first.id, None, NOW + timedelta(minutes=30))
    again = scene.check_in(target=target, request_id="three", now=NOW + timedelta(days=7))
    assert again.created and again.record.flags == []  # a visit next week is no repeat


def test_a_second_visit_to_the_household_the_same_day_is_flagged_for_the_leader(scene):
    """Checked out and in again at the same door: one visit must not count as two unless
    the leader says it was two."""
    pair(scene.member)
    first = scene.check_in(target="visit", request_id="morning").record
    check_out(scene.actor, first.id, None, NOW + timedelta(minutes=30))
    again = scene.check_in(target="visit", request_id="again", now=NOW + timedelta(hours=3))
    assert again.record.flags == ["repeat_visit"] and again.record.status == "flagged"


def test_a_visit_on_another_day_or_after_a_rejected_one_is_no_repeat(scene):
    pair(scene.member)
    evening = datetime(2026, 6, 1, 15, 0)  # 23:00 in Shanghai
    first = scene.check_in(target="visit", request_id="evening", now=evening).record
    check_out(scene.actor, first.id, None, evening + timedelta(minutes=50))
    next_day = scene.check_in(target="visit", request_id="night", now=evening + timedelta(hours=2))
    assert next_day.record.flags == []  # 01:00 the next day in Shanghai
    check_out(scene.actor, next_day.record.id, None, evening + timedelta(hours=3))
    ServiceRecord.update(status="rejected").where(ServiceRecord.id == next_day.record.id).execute()
    later = scene.check_in(target="visit", request_id="later", now=evening + timedelta(hours=8))
    assert later.record.flags == []


def test_a_visit_to_a_newly_paired_household_the_same_day_is_no_repeat(scene):
    old = pair(scene.member)
    first = scene.check_in(target="visit", request_id="old-home").record
    check_out(scene.actor, first.id, None, NOW + timedelta(minutes=30))
    old.ended_on = date(2026, 11, 29)  # re-paired the same day (NOW)
    old.save()
    new_home = make_household(community=scene.team.community, lat=34.7466, lng=113.6253)
    pair(scene.member, new_home, started_on=date(2026, 11, 29))
    second = scene.check_in(target="visit", request_id="new-home", now=NOW + timedelta(hours=1))
    assert second.record.household_id == new_home.id and second.record.flags == []


def test_an_open_visit_the_leader_rejected_does_not_block_another(scene):
    pair(scene.member)
    scene.check_in(target="visit", request_id="rejected")
    ServiceRecord.update(status="rejected").execute()
    assert scene.check_in(target="visit", request_id="again").created


# --- doubts that would inflate the figures ---------------------------------------------------


def test_a_second_entry_for_one_activity_is_flagged_unless_the_first_was_rejected(scene):
    first = scene.check_in(request_id="first").record
    check_out(scene.actor, first.id, None, NOW + timedelta(minutes=40))
    again = scene.check_in(request_id="again", now=NOW + timedelta(minutes=45)).record
    assert again.flags == ["repeat_checkin"] and again.status == "flagged"
    check_out(scene.actor, again.id, None, NOW + timedelta(minutes=90))
    ServiceRecord.update(status="rejected").execute()
    third = scene.check_in(request_id="third", now=NOW + timedelta(minutes=95)).record
    assert third.flags == [] and third.status == "verified"


def test_another_activity_or_a_visit_is_no_second_entry(scene):
    scene.check_out(scene.check_in(request_id="one").record)
    other = make_activity(scene.team, starts_at=NOW, hours=2)
    enrol(other, scene.member)
    assert scene.check_in(target=other.id, request_id="two").record.flags == []


@pytest.mark.parametrize(("minutes", "flagged"), [(0, True), (4, True), (5, False), (60, False)])
def test_a_service_shorter_than_the_minimum_is_flagged_at_check_out(scene, minutes, flagged):
    record = scene.check_in().record
    out = check_out(scene.actor, record.id, None, NOW + timedelta(minutes=minutes))
    assert ("short_service" in out.flags) is flagged
    assert out.status == ("flagged" if flagged else "verified")
    assert history.verify_record(out) is None  # the flag went through the history


@pytest.mark.parametrize(
    ("size", "flagged"), [((1, 1), True), ((400, 300), True), ((480, 320), False)]
)
def test_a_photo_too_small_to_show_a_service_is_flagged(scene, size, flagged):
    record = scene.check_in(photo=images.jpeg(seed=next(SEEDS), size=size)).record
    assert ("photo_tiny" in record.flags) is flagged


def test_an_open_entry_the_leader_rejected_does_not_block_a_new_check_in(scene):
    """The chat and 签退 no longer show a rejected entry; refusing 'check out first' for it
    would leave the member nothing to check out."""
    scene.check_in(request_id="rejected")
    ServiceRecord.update(status="rejected").execute()
    again = scene.check_in(request_id="again", now=NOW + timedelta(minutes=5))
    assert again.created and "repeat_checkin" not in again.record.flags


@pytest.mark.parametrize(("metres", "flagged"), [(100, False), (2_000, True)])
def test_a_check_out_away_from_the_place_of_the_service_is_flagged(scene, metres, flagged):
    record = scene.check_in().record
    out = check_out(scene.actor, record.id, scene.near(metres), NOW + timedelta(minutes=60))
    assert ("checkout_out_of_range" in out.flags) is flagged


def test_a_check_out_from_anywhere_is_fine_for_a_members_own_service(scene):
    record = scene.check_in(target="individual").record
    beijing = Point(39.9042, 116.4074, "wgs84", 10)
    assert check_out(scene.actor, record.id, beijing, NOW + timedelta(minutes=60)).flags == []


def test_a_visit_checked_out_away_from_the_household_is_flagged(scene):
    pair(scene.member, make_household(community=scene.team.community, lat=34.75, lng=113.63))
    visit = scene.check_in(target="visit", point=Point(34.7502, 113.63, "gcj02", 10)).record
    away = Point(34.78, 113.63, "gcj02", 10)  # 3 km north
    assert "checkout_out_of_range" in check_out(scene.actor, visit.id, away, NOW).flags


def test_a_check_out_reads_the_entrys_photos_once(scene):
    """Both history states and the answer take the photos read once."""
    from tests.statements import count_queries

    record = scene.check_in().record
    with count_queries() as seen:
        closed = scene.check_out(record)
        assert len(closed.photos) == 1
    photo_reads = [q for q in seen if 'FROM "photo"' in str(getattr(q, "sql", q))]
    assert len(photo_reads) == 1
