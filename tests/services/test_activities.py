"""Activities: who sees what, who may schedule, the checks on what they schedule, and
enrolment whose capacity holds when many members press the button at once."""

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest

from models import Account, Activity, AuditLog, Enrollment, Member
from services import geo, spells
from services.activities import (
    cancel_activity,
    create_activity,
    enroll,
    get_activity,
    list_activities,
    resolve_window,
    unenroll,
    update_activity,
)
from services.activity_creators import Creator, creator
from services.actors import Actor
from services.errors import Conflict, Forbidden, Invalid, NotFound
from tests.factories import NOW, QUIET, make_activity, make_community, make_record, make_team
from tests.races import at_once

TOMORROW = NOW + timedelta(days=1)


def _people(team):
    leader = team.members.where(Member.role == "leader").get()
    members = list(team.members.where(Member.role == "member").order_by(Member.id))
    return Actor(member=leader), [Actor(member=m) for m in members]


@pytest.fixture
def w(database):
    """Two teams (A with two members, B with one) and the office."""
    team_a, team_b = make_team(members=2), make_team(members=1)
    leader_a, (member_a, member_a2) = _people(team_a)
    leader_b, (member_b,) = _people(team_b)
    account = Account.create(
        username="office", display_name="办公室", password_hash="x", created_at=NOW
    )
    return SimpleNamespace(
        team_a=team_a,
        team_b=team_b,
        leader_a=leader_a,
        member_a=member_a,
        member_a2=member_a2,
        leader_b=leader_b,
        member_b=member_b,
        office=Actor(account=account),
    )


def fields(**kw):
    return {"title": "义诊", "starts_at": TOMORROW, "ends_at": TOMORROW + timedelta(hours=2)} | kw


def ids(activities):
    return [a.id for a in activities]


# Seeing activities


def test_member_sees_own_team_open_and_assigned_activities_by_start(w):
    own = make_activity(w.team_a, starts_at=TOMORROW)
    earlier = make_activity(w.team_a, starts_at=NOW - timedelta(days=1))
    other = make_activity(w.team_b, starts_at=TOMORROW)
    open_ = create_activity(w.office, fields(lat=34.75, lng=113.62), NOW, QUIET)
    assigned = create_activity(
        w.office,
        fields(kind="adhoc", lat=34.75, lng=113.62, member_ids=[w.member_a.member.id]),
        NOW,
        QUIET,
    )
    expected = [earlier.id, own.id, open_.id, assigned.id]
    assert ids(list_activities(w.member_a, None, None, NOW)) == expected
    assert assigned.id not in ids(list_activities(w.member_a2, None, None, NOW))
    assert ids(list_activities(w.leader_a, None, None, NOW)) == [earlier.id, own.id, open_.id]
    assert other.id in ids(list_activities(w.member_b, None, None, NOW))
    assert len(list_activities(w.office, None, None, NOW)) == 5


def test_default_window_is_a_week_back_and_sixty_days_ahead_in_shanghai_dates(w):
    # NOW is 10:00 on 29 November in Shanghai: the window is 22 November to 28 January.
    last_evening = datetime(2027, 1, 28, 15, 30)  # 23:30 on 28 January in Shanghai
    next_morning = datetime(2027, 1, 28, 16, 30)  # 00:30 on 29 January in Shanghai
    inside = [
        make_activity(w.team_a, starts_at=datetime(2026, 11, 21, 16, 30)),  # 22 Nov 00:30
        make_activity(w.team_a, starts_at=last_evening, hours=1),
    ]
    outside = [
        make_activity(w.team_a, starts_at=datetime(2026, 11, 21, 13, 0)),  # ended 21 Nov
        make_activity(w.team_a, starts_at=next_morning),
    ]
    found = ids(list_activities(w.member_a, None, None, NOW))
    assert found == ids(inside)
    assert not set(ids(outside)) & set(found)
    assert resolve_window(None, None, NOW) == (date(2026, 11, 22), date(2027, 1, 28))


def test_explicit_window(w):
    december = make_activity(w.team_a, starts_at=datetime(2026, 12, 10, 1))
    make_activity(w.team_a, starts_at=datetime(2027, 3, 10, 1))
    found = list_activities(w.member_a, date(2026, 12, 1), date(2026, 12, 31), NOW)
    assert ids(found) == [december.id]


@pytest.mark.parametrize(
    "start, end",
    [
        (date(2026, 12, 31), date(2026, 12, 1)),  # backwards
        (date(2026, 1, 1), date(2027, 6, 1)),  # more than a year
        (date(1, 1, 1), None),  # absurd dates
        (None, date(9999, 12, 31)),
    ],
)
def test_bad_windows_are_refused(w, start, end):
    with pytest.raises(Invalid):
        list_activities(w.member_a, start, end, NOW)


def test_list_carries_enrolment_count_and_whether_the_caller_is_enrolled(w):
    activity = make_activity(w.team_a, starts_at=TOMORROW)
    enroll(w.member_a, activity.id, NOW)
    mine, theirs = (list_activities(a, None, None, NOW)[0] for a in (w.member_a, w.member_a2))
    assert (mine.enrolled_count, bool(mine.is_enrolled)) == (1, True)
    assert (theirs.enrolled_count, bool(theirs.is_enrolled)) == (1, False)


@pytest.mark.parametrize(
    "who, allowed",
    [
        ("member_a", True),
        ("leader_a", True),
        ("member_b", False),
        ("leader_b", False),
        ("office", True),
    ],
)
def test_reading_one_activity(w, who, allowed):
    activity = make_activity(w.team_a, starts_at=TOMORROW)
    if allowed:
        assert get_activity(getattr(w, who), activity.id).id == activity.id
    else:
        with pytest.raises(Forbidden):
            get_activity(getattr(w, who), activity.id)


@pytest.mark.parametrize("missing", [999, 0, -1, 2**40])
def test_unknown_activity_is_not_found(w, missing):
    with pytest.raises(NotFound):
        get_activity(w.member_a, missing)


def test_system_actor_sees_nothing(w):
    with pytest.raises(Forbidden):
        list_activities(Actor(), None, None, NOW)


# Scheduling


def test_leader_schedules_for_own_team_at_the_community_point(w):
    created = create_activity(w.leader_a, fields(category="health", capacity=12), NOW, QUIET)
    community = w.team_a.community
    assert created.team_id == w.team_a.id and created.community_id == community.id
    assert (created.lat, created.lng, created.radius_m) == (community.lat, community.lng, 300)
    assert created.created_by_id == w.leader_a.member.id and created.status == "scheduled"
    assert AuditLog.get().action == "activity_create"


def test_community_point_in_wgs84_is_stored_as_gcj02(w):
    community = make_community(lat=34.7466, lng=113.6253, coord_type="wgs84")
    created = create_activity(w.office, fields(community_id=community.id), NOW, QUIET)
    assert (created.lat, created.lng) == pytest.approx(geo.wgs84_to_gcj02(34.7466, 113.6253))


def test_wgs84_coordinates_are_converted_before_storing(w):
    created = create_activity(
        w.leader_a, fields(lat=34.7466, lng=113.6253, coord="wgs84", radius_m=500), NOW, QUIET
    )
    assert (created.lat, created.lng) == pytest.approx(geo.wgs84_to_gcj02(34.7466, 113.6253))
    assert created.coord_type == "gcj02" and created.radius_m == 500
    assert (created.lat, created.lng) != (34.7466, 113.6253)


@pytest.mark.parametrize(
    "who, extra, error",
    [
        ("member_a", lambda w: {}, Forbidden),
        ("leader_a", lambda w: {"team_id": w.team_b.id}, Forbidden),
        ("leader_a", lambda w: {"member_ids": [w.member_b.member.id]}, Forbidden),
        ("office", lambda w: {"team_id": 99999}, Invalid),
    ],
)
def test_who_may_schedule(w, who, extra, error):
    with pytest.raises(error):
        create_activity(getattr(w, who), fields(**extra(w)), NOW, QUIET)
    assert Activity.select().count() == 0


@pytest.mark.parametrize("where", ["team_b", "unpaired"])
def test_a_leader_schedules_only_in_the_team_s_own_community(w, where):
    """Team A serves its paired community; another team's, or one no team is paired with,
    is the office's to arrange."""
    other = w.team_b.community if where == "team_b" else make_community(name="新建社区")
    with pytest.raises(Forbidden) as refused:
        create_activity(w.leader_a, fields(community_id=other.id), NOW, QUIET)
    assert refused.value.code == "other_community"
    assert refused.value.message == (
        f"队长只能在本队结对的社区（{w.team_a.community.name}）发布活动；"
        "到其他社区开展活动，请联系办公室安排。"
    )
    assert Activity.select().count() == 0
    own = create_activity(w.leader_a, fields(community_id=w.team_a.community.id), NOW, QUIET)
    assert own.community_id == w.team_a.community.id


def test_the_office_may_hold_a_team_s_activity_in_another_community(w):
    created = create_activity(
        w.office, fields(team_id=w.team_a.id, community_id=w.team_b.community.id), NOW, QUIET
    )
    assert (created.team_id, created.community_id) == (w.team_a.id, w.team_b.community.id)


def test_an_activity_cannot_be_moved_to_another_community_later(w):
    activity = create_activity(w.leader_a, fields(), NOW, QUIET)
    for who in (w.leader_a, w.office):
        with pytest.raises(Invalid) as refused:
            update_activity(who, activity.id, {"community_id": w.team_b.community.id}, NOW, QUIET)
        assert refused.value.code == "unknown_field"
    assert Activity.get_by_id(activity.id).community_id == w.team_a.community.id


def test_office_schedules_for_any_team(w):
    created = create_activity(w.office, fields(team_id=w.team_b.id), NOW, QUIET)
    assert created.team_id == w.team_b.id and created.created_by_id is None
    assert created.created_by_account_id == w.office.account.id


def test_an_activity_names_the_leader_or_office_login_that_published_it(w):
    clerk = Account.create(
        username="clerk", display_name="李科员", password_hash="x", created_at=NOW
    )
    task = fields(kind="adhoc", lat=34.7, lng=113.6, member_ids=[w.member_a.member.id])
    create_activity(Actor(account=clerk), task, NOW, QUIET)
    create_activity(w.leader_a, fields(), NOW, QUIET)
    make_activity(w.team_a, starts_at=TOMORROW)  # from a script: nobody known
    leader = w.leader_a.member
    Member.update(role="member").where(Member.id == leader.id).execute()  # since replaced
    found = [creator(a) for a in list_activities(w.member_a, None, None, NOW)]
    assert found == [
        Creator("office", "李科员"),
        Creator("leader", leader.name, leader.id),
        None,
    ]
    assert [c.role_name for c in found[:2]] == ["办公室", "队长"]


def test_office_assigns_an_adhoc_task_across_teams(w):
    chosen = [w.member_a.member.id, w.member_b.member.id, w.member_b.member.id]
    task = create_activity(
        w.office, fields(kind="adhoc", lat=34.7, lng=113.6, member_ids=chosen), NOW, QUIET
    )
    rows = Enrollment.select().where(Enrollment.activity == task.id)
    assert sorted((e.member_id, e.assigned) for e in rows) == sorted((i, True) for i in set(chosen))
    assert get_activity(w.member_b, task.id).is_enrolled


def test_a_member_not_assigned_an_office_task_is_told_so(w):
    task = create_activity(
        w.office,
        fields(kind="adhoc", lat=34.7, lng=113.6, member_ids=[w.member_a.member.id]),
        NOW,
        QUIET,
    )
    for attempt in (get_activity, lambda actor, i: enroll(actor, i, NOW)):
        with pytest.raises(Forbidden) as refused:
            attempt(w.member_a2, task.id)
        assert refused.value.code == "not_assigned"
        assert "未被指派" in refused.value.message


def test_a_member_of_another_team_is_told_it_is_not_their_team_s(w):
    activity = make_activity(w.team_a, starts_at=TOMORROW)
    with pytest.raises(Forbidden) as refused:
        get_activity(w.member_b, activity.id)
    assert refused.value.code == "other_team_activity"


@pytest.mark.parametrize(
    "extra, code",
    [
        ({"title": "  "}, "bad_title"),
        ({"title": "长" * 101}, "bad_title"),
        ({"title": "a\x00b"}, "bad_title"),
        ({"title": "\ud800"}, "bad_title"),
        ({"title": "周六\n集合"}, "bad_title"),  # one line in every numbered list
        ({"title": "清扫\u202e动活"}, "bad_title"),  # would read backwards
        ({"place": "楼下\t花园"}, "bad_place"),
        ({"description": "第一行\n第二行\x07"}, "bad_description"),
        ({"place": "地" * 201}, "bad_place"),
        ({"category": "party"}, "bad_category"),
        ({"kind": "daily"}, "bad_kind"),
        ({"ends_at": TOMORROW}, "bad_times"),
        ({"ends_at": TOMORROW - timedelta(hours=1)}, "bad_times"),
        ({"ends_at": TOMORROW + timedelta(hours=25)}, "too_long"),
        (
            {"starts_at": NOW - timedelta(hours=3), "ends_at": NOW - timedelta(hours=1)},
            "in_the_past",
        ),
        (
            {"starts_at": NOW + timedelta(days=400), "ends_at": NOW + timedelta(days=400, hours=1)},
            "too_far_ahead",
        ),
        ({"capacity": 0}, "bad_capacity"),
        ({"capacity": 201}, "bad_capacity"),
        ({"radius_m": 19}, "bad_radius_m"),
        ({"radius_m": 5001}, "bad_radius_m"),
        ({"lat": 91.0, "lng": 113.6}, "bad_coordinates"),
        ({"lat": float("nan"), "lng": 113.6}, "bad_coordinates"),
        ({"lat": 48.85, "lng": 2.35}, "outside_china"),
        ({"lat": 34.7}, "bad_coordinates"),
        ({"coord": "wgs84"}, "bad_coordinates"),
        ({"lat": 34.7, "lng": 113.6, "coord": "bd09"}, "bad_coord_type"),
        ({"community_id": 99999}, "unknown_community"),
        ({"member_ids": [99999]}, "unknown_member"),
        ({"capacity": 1, "member_ids": "both"}, "over_capacity"),
        ({"status": "cancelled"}, "unknown_field"),
        ({"title": None}, "missing_field"),
    ],
)
def test_invalid_activities_are_refused(w, extra, code):
    if extra.get("member_ids") == "both":
        extra["member_ids"] = [w.member_a.member.id, w.member_a2.member.id]
    with pytest.raises(Invalid) as refused:
        create_activity(w.leader_a, fields(**extra), NOW, QUIET)
    assert refused.value.code == code
    assert Activity.select().count() == 0


def test_assigning_a_member_who_has_left_says_so(w):
    spells.leave(w.member_a.member.id, date(2026, 11, 20))
    with pytest.raises(Invalid) as refused:
        create_activity(w.leader_a, fields(member_ids=[w.member_a.member.id]), NOW, QUIET)
    assert (refused.value.code, refused.value.message) == (
        "unknown_member",
        "指派的党员不存在或已离队。",
    )


def test_office_activity_without_team_needs_a_point_and_an_adhoc_task_needs_people(w):
    with pytest.raises(Invalid, match="坐标"):
        create_activity(w.office, fields(), NOW, QUIET)
    with pytest.raises(Invalid) as refused:
        create_activity(w.office, fields(kind="adhoc", lat=34.7, lng=113.6), NOW, QUIET)
    assert refused.value.code == "no_assignees"


# Changing and cancelling


@pytest.mark.parametrize(
    "who, refusal",
    [
        ("leader_a", None),
        ("office", None),
        ("member_a", "leader_only"),
        ("leader_b", "other_team_activity"),
        ("member_b", "other_team_activity"),
    ],
)
def test_who_may_change_and_cancel(w, who, refusal):
    activity = make_activity(w.team_a, starts_at=TOMORROW)
    actor = getattr(w, who)
    if refusal is None:
        assert (
            update_activity(actor, activity.id, {"title": "新标题"}, NOW, QUIET).title == "新标题"
        )
        assert cancel_activity(actor, activity.id, "下雨", NOW, QUIET).status == "cancelled"
        return
    with pytest.raises(Forbidden) as changing:
        update_activity(actor, activity.id, {"title": "新标题"}, NOW, QUIET)
    with pytest.raises(Forbidden) as cancelling:
        cancel_activity(actor, activity.id, "", NOW, QUIET)
    assert changing.value.code == cancelling.value.code == refusal
    assert Activity.get_by_id(activity.id).title == activity.title


def test_another_team_s_leader_is_told_it_is_another_team_s_activity(w):
    activity = make_activity(w.team_a, starts_at=TOMORROW)
    with pytest.raises(Forbidden) as refused:
        update_activity(w.leader_b, activity.id, {"title": "新标题"}, NOW, QUIET)
    assert "其他服务队的活动" in refused.value.message


def test_only_the_office_changes_an_activity_without_team(w):
    open_ = create_activity(w.office, fields(lat=34.7, lng=113.6), NOW, QUIET)
    with pytest.raises(Forbidden) as refused:
        update_activity(w.leader_a, open_.id, {"title": "x"}, NOW, QUIET)
    assert refused.value.code == "office_only"
    assert update_activity(w.office, open_.id, {"title": "x"}, NOW, QUIET).title == "x"


def test_update_changes_only_what_is_given_and_is_audited(w):
    activity = create_activity(w.leader_a, fields(description="带血压计", capacity=10), NOW, QUIET)
    later = TOMORROW + timedelta(hours=1)
    updated = update_activity(
        w.leader_a,
        activity.id,
        {"starts_at": later, "ends_at": later + timedelta(hours=3)},
        NOW,
        QUIET,
    )
    assert (updated.starts_at, updated.description, updated.capacity) == (later, "带血压计", 10)
    entry = AuditLog.select().where(AuditLog.action == "activity_update").get()
    assert set(entry.detail) == {"starts_at", "ends_at"}
    assert update_activity(w.leader_a, activity.id, {"capacity": None}, NOW, QUIET).capacity is None


def test_update_is_checked_as_a_whole(w):
    activity = make_activity(w.team_a, starts_at=TOMORROW)
    with pytest.raises(Invalid):
        update_activity(
            w.leader_a, activity.id, {"ends_at": TOMORROW - timedelta(hours=1)}, NOW, QUIET
        )
    with pytest.raises(Invalid):
        update_activity(w.leader_a, activity.id, {"team_id": w.team_b.id}, NOW, QUIET)
    with pytest.raises(NotFound):
        update_activity(w.leader_a, 99999, {"title": "x"}, NOW, QUIET)


@pytest.mark.parametrize("closing", ["ended", "cancelled"])
def test_closed_activity_keeps_its_times_place_and_size(w, closing):
    starts = NOW - timedelta(hours=5) if closing == "ended" else TOMORROW
    activity = make_activity(w.team_a, starts_at=starts)
    if closing == "cancelled":
        cancel_activity(w.leader_a, activity.id, "", NOW, QUIET)
    later = TOMORROW + timedelta(hours=1)
    for change in ({"starts_at": later}, {"lat": 34.7, "lng": 113.6}, {"capacity": 3}):
        with pytest.raises(Conflict):
            update_activity(w.leader_a, activity.id, change, NOW, QUIET)
    assert update_activity(
        w.leader_a, activity.id, {"description": "补充说明"}, NOW, QUIET
    ).description


#: One change of each column, and whether a cancelled activity that has not ended keeps it.
CANCELLED_CHANGES = [
    ({"title": "新标题"}, False),
    ({"category": "health"}, False),
    ({"description": "改期另行通知"}, False),
    ({"place": "东门广场"}, True),
    ({"lat": 34.7, "lng": 113.6}, True),
    ({"radius_m": 800}, True),
    ({"starts_at": TOMORROW + timedelta(hours=1)}, True),
    ({"ends_at": TOMORROW + timedelta(hours=3)}, True),
    ({"capacity": 30}, True),
    ({"kind": "individual"}, True),
]


@pytest.mark.parametrize("who", ["leader_a", "office"])
@pytest.mark.parametrize(
    "change, kept", CANCELLED_CHANGES, ids=["+".join(c) for c, _ in CANCELLED_CHANGES]
)
def test_a_cancelled_activity_keeps_what_its_refusal_says(w, who, change, kept):
    """The refusal names what a cancelled activity keeps (the place among it) and what may
    still be put right; the rule keeps exactly that."""
    activity = make_activity(w.team_a, starts_at=TOMORROW)
    cancel_activity(w.leader_a, activity.id, "", NOW, QUIET)
    message = (
        "活动已取消，时间、地点、签到范围、人数上限和活动形式不能再修改；标题、类别和说明仍可修改。"
    )
    if not kept:
        update_activity(getattr(w, who), activity.id, change, NOW, QUIET)
        return
    with pytest.raises(Conflict) as refused:
        update_activity(getattr(w, who), activity.id, change, NOW, QUIET)
    assert (refused.value.code, refused.value.message) == ("activity_closed", message)


ENDED = NOW - timedelta(hours=5)  # an activity starting then ended three hours ago
#: One change of each field that says which service took place.
HELD_CHANGES = [
    {"title": "新标题"},
    {"category": "health"},
    {"kind": "individual"},
    {"place": "新地点"},
    {"lat": 34.7, "lng": 113.6},
    {"lat": 34.7, "lng": 113.6, "coord": "wgs84"},
    {"radius_m": 800},
    {"starts_at": ENDED - timedelta(hours=1)},
    {"ends_at": ENDED + timedelta(hours=1)},
    {"capacity": 30},
]


@pytest.mark.parametrize("change", HELD_CHANGES, ids=lambda c: "+".join(c))
@pytest.mark.parametrize("cancelled", [False, True], ids=["ended", "cancelled_then_ended"])
def test_a_leader_may_not_change_what_an_ended_activity_records(w, change, cancelled):
    activity = make_activity(w.team_a, starts_at=ENDED)
    make_record(w.member_a.member, activity, checkin_at=ENDED)
    if cancelled:  # cancelled while under way: it is over all the same once its time passed
        Activity.update(status="cancelled").where(Activity.id == activity.id).execute()
    before = Activity.get_by_id(activity.id).__data__
    with pytest.raises(Conflict) as refused:
        update_activity(w.leader_a, activity.id, change, NOW, QUIET)
    assert refused.value.code == "activity_ended_locked"
    assert "请联系办公室" in refused.value.message
    assert Activity.get_by_id(activity.id).__data__ == before
    assert not AuditLog.select().where(AuditLog.action == "activity_update").exists()


def _whole_form(activity: Activity) -> dict:
    """Every field of an activity as a form sent back whole would carry it."""
    names = ("title", "category", "kind", "description", "place", "radius_m", "capacity")
    form = {name: getattr(activity, name) for name in names}
    point = {"lat": activity.lat, "lng": activity.lng, "coord": activity.coord_type}
    return form | point | {"starts_at": activity.starts_at, "ends_at": activity.ends_at}


WGS84_POINT = {"lat": 34.74, "lng": 113.62, "coord": "wgs84"}


def test_a_form_sent_back_whole_to_an_ended_activity_changes_its_description(w):
    """A mini-program sends the whole form back: the title, times and point it resends
    unchanged are no change (the point compared in GCJ-02, as the phone's WGS-84 is stored),
    so only the description moves."""
    created = create_activity(w.leader_a, fields(radius_m=300, **WGS84_POINT), NOW, QUIET)
    make_record(w.member_a.member, created, checkin_at=TOMORROW)
    form = _whole_form(created) | WGS84_POINT | {"description": "共服务居民 30 人"}
    after = TOMORROW + timedelta(hours=3)
    updated = update_activity(w.leader_a, created.id, form, after, QUIET)
    assert updated.description == "共服务居民 30 人"
    assert (updated.lat, updated.lng, updated.coord_type) == (created.lat, created.lng, "gcj02")
    entry = AuditLog.get(AuditLog.action == "activity_update")
    assert set(entry.detail) == {"description"}
    moved = form | {"title": "新标题"}
    with pytest.raises(Conflict) as refused:  # a value that does differ is still refused
        update_activity(w.leader_a, created.id, moved, after, QUIET)
    assert refused.value.code == "activity_ended_locked"


def test_a_form_sent_back_whole_after_check_ins_may_rename_the_activity(w):
    """After check-ins, the point, radius and start resent as they are (the point as the API
    rounds it) do not stop a new title; one moved by more than the rounding does."""
    activity = make_activity(w.team_a, starts_at=NOW - timedelta(hours=1), radius_m=300)
    Activity.update(lat=34.74661234567, lng=113.62534567891).where(
        Activity.id == activity.id
    ).execute()
    make_record(w.member_a.member, activity, checkin_at=NOW - timedelta(minutes=50))
    form = _whole_form(Activity.get_by_id(activity.id)) | {"lat": 34.746612, "lng": 113.625346}
    updated = update_activity(w.leader_a, activity.id, form | {"title": "新标题"}, NOW, QUIET)
    assert (updated.title, updated.lat, updated.lng) == ("新标题", 34.74661234567, 113.62534567891)
    with pytest.raises(Conflict) as refused:
        update_activity(w.leader_a, activity.id, form | {"lat": 34.74663}, NOW, QUIET)
    assert refused.value.code == "activity_checked_in_locked"


def test_a_leader_may_still_add_to_an_ended_activity_s_description(w):
    activity = make_activity(w.team_a, starts_at=ENDED)
    updated = update_activity(
        w.leader_a, activity.id, {"description": "共服务居民 30 人"}, NOW, QUIET
    )
    assert updated.description == "共服务居民 30 人"


def test_the_office_corrects_an_ended_activity_and_the_audit_log_keeps_both(w):
    activity = make_activity(w.team_a, starts_at=ENDED, title="环境整治")
    starts = ENDED - timedelta(minutes=30)
    correction = {"title": "环境卫生整治", "place": "东门广场", "starts_at": starts}
    correction |= {"lat": 34.75, "lng": 113.62, "radius_m": 500}
    updated = update_activity(w.office, activity.id, correction, NOW, QUIET)
    assert (updated.title, updated.place, updated.starts_at) == ("环境卫生整治", "东门广场", starts)
    assert (updated.lat, updated.lng, updated.radius_m) == (34.75, 113.62, 500)
    entry = AuditLog.get(AuditLog.action == "activity_update")
    assert entry.actor == w.office.label and entry.detail["title"] == ["环境整治", "环境卫生整治"]


def test_a_correction_keeps_an_ended_activity_in_the_past(w):
    activity = make_activity(w.team_a, starts_at=ENDED)
    with pytest.raises(Invalid) as refused:
        update_activity(w.office, activity.id, {"ends_at": NOW + timedelta(hours=1)}, NOW, QUIET)
    assert refused.value.code == "would_reopen"
    assert Activity.get_by_id(activity.id).ends_at == activity.ends_at


MEASURED_CHANGES = [
    {"lat": 34.7, "lng": 113.6},
    {"radius_m": 800},
    {"starts_at": NOW - timedelta(minutes=30)},
]


@pytest.mark.parametrize("change", MEASURED_CHANGES, ids=lambda c: "+".join(c))
def test_after_check_ins_a_leader_may_not_move_what_they_were_measured_against(w, change):
    activity = make_activity(w.team_a, starts_at=NOW - timedelta(hours=1))
    make_record(w.member_a.member, activity, checkin_at=NOW - timedelta(minutes=50))
    with pytest.raises(Conflict) as refused:
        update_activity(w.leader_a, activity.id, change, NOW, QUIET)
    assert refused.value.code == "activity_checked_in_locked"
    assert "请联系办公室" in refused.value.message
    assert update_activity(w.office, activity.id, change, NOW, QUIET).id == activity.id


def test_after_check_ins_a_leader_may_still_rename_or_extend_an_activity(w):
    activity = make_activity(w.team_a, starts_at=NOW - timedelta(hours=1))
    make_record(w.member_a.member, activity, checkin_at=NOW - timedelta(minutes=50))
    later = activity.ends_at + timedelta(hours=1)
    change = {"title": "新标题", "place": "东门", "ends_at": later, "capacity": 20}
    updated = update_activity(w.leader_a, activity.id, change, NOW, QUIET)
    assert (updated.title, updated.ends_at, updated.capacity) == ("新标题", later, 20)


def test_before_anyone_checks_in_a_leader_may_move_an_activity_under_way(w):
    activity = make_activity(w.team_a, starts_at=NOW - timedelta(hours=1))
    moved = update_activity(w.leader_a, activity.id, {"lat": 34.7, "lng": 113.6}, NOW, QUIET)
    assert (moved.lat, moved.lng) == (34.7, 113.6)


def test_capacity_cannot_drop_below_those_enrolled(w):
    activity = make_activity(w.team_a, starts_at=TOMORROW, capacity=5)
    enroll(w.member_a, activity.id, NOW)
    enroll(w.member_a2, activity.id, NOW)
    with pytest.raises(Conflict) as refused:
        update_activity(w.leader_a, activity.id, {"capacity": 1}, NOW, QUIET)
    assert refused.value.code == "capacity_below_enrolled"
    assert update_activity(w.leader_a, activity.id, {"capacity": 2}, NOW, QUIET).capacity == 2


def test_cancel_is_idempotent_and_audited_once(w):
    activity = make_activity(w.team_a, starts_at=TOMORROW)
    for _ in range(2):
        assert (
            cancel_activity(w.leader_a, activity.id, " 暴雨预警 ", NOW, QUIET).status == "cancelled"
        )
    entry = AuditLog.get(AuditLog.action == "activity_cancel")
    assert (entry.actor, entry.object_id, entry.detail) == (
        w.leader_a.label,
        str(activity.id),
        {"reason": "暴雨预警"},
    )
    assert AuditLog.select().where(AuditLog.action == "activity_cancel").count() == 1


def test_a_cancellation_reason_may_run_over_lines(w):
    activity = make_activity(w.team_a, starts_at=TOMORROW)
    cancel_activity(w.leader_a, activity.id, "暴雨预警\n改期另行通知", NOW, QUIET)
    assert AuditLog.get().detail == {"reason": "暴雨预警\n改期另行通知"}


@pytest.mark.parametrize("who", ["leader_a", "office"])
def test_an_ended_activity_cannot_be_cancelled(w, who):
    activity = make_activity(w.team_a, starts_at=NOW - timedelta(hours=5))
    with pytest.raises(Conflict) as refused:
        cancel_activity(getattr(w, who), activity.id, "", NOW, QUIET)
    assert refused.value.code == "activity_ended"


# Enrolment


def test_enrol_is_idempotent(w):
    activity = make_activity(w.team_a, starts_at=TOMORROW)
    first, again = (enroll(w.member_a, activity.id, NOW) for _ in range(2))
    assert (first.created, again.created) == (True, False)
    assert again.activity.enrolled_count == 1 and again.activity.is_enrolled


def test_enrol_in_an_open_activity_from_any_team(w):
    open_ = create_activity(w.office, fields(lat=34.7, lng=113.6), NOW, QUIET)
    assert enroll(w.member_b, open_.id, NOW).created


@pytest.mark.parametrize(
    "who, error",
    [("member_b", Forbidden), ("leader_b", Forbidden), ("office", Forbidden)],
)
def test_enrol_only_in_activities_one_may_see(w, who, error):
    activity = make_activity(w.team_a, starts_at=TOMORROW)
    with pytest.raises(error):
        enroll(getattr(w, who), activity.id, NOW)
    assert Enrollment.select().count() == 0


@pytest.mark.parametrize(
    "state, code",
    [("cancelled", "activity_cancelled"), ("ended", "activity_ended"), ("full", "activity_full")],
)
def test_enrol_refused(w, state, code):
    starts = NOW - timedelta(hours=3) if state == "ended" else TOMORROW
    activity = make_activity(w.team_a, starts_at=starts, capacity=1)
    if state == "cancelled":
        cancel_activity(w.leader_a, activity.id, "", NOW, QUIET)
    if state == "full":
        enroll(w.member_a2, activity.id, NOW)
    with pytest.raises(Conflict) as refused:
        enroll(w.member_a, activity.id, NOW)
    assert refused.value.code == code


def test_enrol_into_an_ongoing_activity(w):
    activity = make_activity(w.team_a, starts_at=NOW - timedelta(minutes=30))
    assert enroll(w.member_a, activity.id, NOW).created


def test_unenrol_is_idempotent(w):
    activity = make_activity(w.team_a, starts_at=TOMORROW)
    enroll(w.member_a, activity.id, NOW)
    for _ in range(2):
        assert not unenroll(w.member_a, activity.id, NOW).is_enrolled
    assert Enrollment.select().count() == 0


@pytest.mark.parametrize("reason", ["checked_in", "assigned", "ended"])
def test_unenrol_refused(w, reason):
    starts = NOW - timedelta(hours=3) if reason == "ended" else NOW - timedelta(minutes=10)
    member = w.member_a.member
    if reason == "assigned":
        activity = create_activity(w.leader_a, fields(member_ids=[member.id]), NOW, QUIET)
    else:
        activity = make_activity(w.team_a, starts_at=starts)
        Enrollment.create(activity=activity, member=member, created_at=NOW - timedelta(days=1))
    if reason == "checked_in":
        make_record(member, activity)
    with pytest.raises(Conflict):
        unenroll(w.member_a, activity.id, NOW)
    assert Enrollment.select().count() == 1


def test_capacity_holds_under_concurrent_enrolment(database):
    team = make_team(members=20)
    _, members = _people(team)
    activity = make_activity(team, starts_at=TOMORROW, capacity=5)
    outcomes = at_once(
        [lambda m=m: enroll(m, activity.id, NOW).created for m in members], (Conflict,)
    )
    assert sorted(map(str, outcomes)) == ["True"] * 5 + ["activity_full"] * 15
    assert Enrollment.select().where(Enrollment.activity == activity.id).count() == 5


def test_concurrent_double_taps_enrol_once(database):
    team = make_team(members=1)
    _, (member,) = _people(team)
    activity = make_activity(team, starts_at=TOMORROW, capacity=3)
    outcomes = at_once([lambda: enroll(member, activity.id, NOW).created] * 10, (Conflict,))
    assert sorted(map(str, outcomes)) == ["False"] * 9 + ["True"]
    assert Enrollment.select().count() == 1


def test_a_description_may_run_over_several_lines(w):
    text = "集合地点：东门\n携带：扫帚、手套\t（自备）"
    assert create_activity(w.leader_a, fields(description=text), NOW, QUIET).description == text
