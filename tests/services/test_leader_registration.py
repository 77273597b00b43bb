"""A leader registers attendance for a team member without a phone: marked as such, never
photo-verified, reviewed by the office, and counted toward hours like any entry."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest

from models import Activity, Enrollment, Member, RecordHistory, ServiceRecord, db
from services import history, leader_registration, records, review, spells
from services.activities import update_activity
from services.actors import Actor
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.leader_registration import Attendance, register_attendance
from tests.factories import NOW, QUIET, make_activity, make_household, pair
from tests.register_world import FILLED, build_world, checked_in

START, END = NOW - timedelta(hours=5), NOW - timedelta(hours=3)


@pytest.fixture
def world(database):
    return build_world()


def _registration(world, who="leader_a", member="alice", reason="老人不会用智能手机", **kw):
    values = {"kind": "individual", "checkin_at": START, "checkout_at": END, **FILLED} | kw
    attendance = Attendance(getattr(world, member).id, reason, **values)
    return register_attendance(world.actor(who), attendance, NOW)


def _register(world, **kw):
    return _registration(world, **kw).record


def test_registration_is_marked_and_never_photo_verified(world):
    record = _register(world)
    stored = ServiceRecord.get_by_id(record.id)
    assert (stored.source, stored.registered_by_id, stored.status) == (
        "leader",
        world.leader_a.id,
        "pending",
    )
    assert stored.registration_reason == "老人不会用智能手机"
    assert (stored.checkin_lat, stored.checkin_lng, list(stored.photos)) == (None, None, [])
    assert stored.duration_minutes == 120
    assert records.is_registered_by_leader(stored)
    assert not records.is_photo_verified(stored)
    assert records.counts_toward_hours(stored)


def test_registration_starts_the_history(world):
    record = _register(world)
    (line,) = record.history
    assert (line.action, line.actor, line.reason) == (
        "register",
        f"member:{world.leader_a.id}",
        "老人不会用智能手机",
    )
    assert line.changes["source"] == [None, "leader"]
    assert history.verify_record(record) is None


def test_only_the_office_can_verify_it_and_it_stays_not_photo_verified(world):
    record = _register(world)
    with pytest.raises(Forbidden) as refused:
        review.review(world.actor("leader_a"), record.id, "verify", "", NOW, QUIET)
    assert (refused.value.code, refused.value.message) == (
        "own_registration",
        "不能审核自己代为登记的记录，请由办公室审核。",
    )
    review.review(world.actor("office"), record.id, "verify", "已与本人核实", NOW, QUIET)
    stored = ServiceRecord.get_by_id(record.id)
    assert stored.status == "verified" and not records.is_photo_verified(stored)


@pytest.mark.parametrize("decision", ["verify", "reject"])
def test_no_other_leader_reviews_it_either(world, decision):
    """The team's leadership handed over after the registration: the new leader may not decide
    on the previous leader's registration; it still waits for the office."""
    record = _register(world)
    Member.update(role="member").where(Member.id == world.leader_a.id).execute()
    Member.update(role="leader").where(Member.id == world.bob.id).execute()
    new_leader = Actor(member=Member.get_by_id(world.bob.id))
    with pytest.raises(Forbidden) as refused:
        review.review(new_leader, record.id, decision, "不符合", NOW, QUIET)
    assert (refused.value.code, refused.value.message) == (
        "leader_registration",
        "队长代为登记的记录由办公室审核，队长不能审核。",
    )
    stored = ServiceRecord.get_by_id(record.id)
    assert stored.status == "pending" and records.awaiting_review_by(stored) == "office"


def test_the_registering_leader_may_complete_the_text_the_member_may_too(world):
    record = _register(world, content="", target="", outcome="")
    assert not records.counts_toward_hours(record)
    review.fill_in(world.actor("leader_a"), record.id, NOW, content="陪同就医", target="张大爷")
    review.fill_in(world.actor("alice"), record.id, NOW, outcome="顺利取药")
    assert records.counts_toward_hours(ServiceRecord.get_by_id(record.id))
    assert [h.action for h in record.history.order_by(RecordHistory.seq)] == [
        "register",
        "fill",
        "fill",
    ]


@pytest.mark.parametrize(
    ("who", "member", "error", "code"),
    [
        ("alice", "bob", Forbidden, "leader_only"),
        ("office", "alice", Forbidden, "leader_only"),
        ("leader_b", "alice", Forbidden, "not_team_member"),
        ("leader_a", "carol", Forbidden, "not_team_member"),
        ("leader_a", "leader_a", Forbidden, "own_registration"),
    ],
)
def test_who_may_register_for_whom(world, who, member, error, code):
    with pytest.raises(error) as refused:
        _register(world, who=who, member=member)
    assert refused.value.code == code
    assert ServiceRecord.select().count() == 0


def test_a_member_who_has_left_is_named_as_such(world):
    """Members stop being active only by leaving (services.spells): the refusal says so."""
    spells.leave(world.alice.id, date(2026, 11, 20))
    with pytest.raises(Conflict) as refused:
        _register(world)
    assert (refused.value.code, refused.value.message) == (
        "member_inactive",
        "该党员已离队，不能为其登记。",
    )
    assert ServiceRecord.select().count() == 0


def test_unknown_member(world):
    attendance = Attendance(
        987_654, "不会用手机", kind="individual", checkin_at=START, checkout_at=END
    )
    with pytest.raises(NotFound):
        register_attendance(world.actor("leader_a"), attendance, NOW)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"reason": "  "}, "reason_required"),
        ({"reason": "因" * 201}, "text_too_long"),
        ({"kind": "party"}, "bad_kind"),
        ({"kind": None}, "bad_kind"),
        ({"kind": "activity"}, "bad_kind"),
        ({"checkin_at": None}, "times_required"),
        ({"checkout_at": START}, "bad_times"),
        ({"checkout_at": START + timedelta(hours=25)}, "bad_times"),
        (
            {"checkin_at": NOW + timedelta(hours=1), "checkout_at": NOW + timedelta(hours=2)},
            "times_in_future",
        ),
        (
            {
                "checkin_at": NOW - timedelta(days=100),
                "checkout_at": NOW - timedelta(days=99, hours=23),
            },
            "too_old",
        ),
        ({"content": "字" * 501}, "text_too_long"),
        ({"request_id": "r" * 58}, "bad_request_id"),
        ({"request_id": "a b"}, "bad_request_id"),
        ({"request_id": "abc\n"}, "bad_request_id"),
        ({"request_id": "x\x00"}, "bad_request_id"),
        ({"kind": "visit"}, "no_pairing"),
    ],
)
def test_registration_validation(world, changes, code):
    with pytest.raises(Invalid) as refused:
        _register(world, **changes)
    assert refused.value.code == code
    assert ServiceRecord.select().count() == 0


def test_activity_registration_takes_the_activity_times(world):
    activity = make_activity(world.team_a, starts_at=NOW - timedelta(days=2), hours=3)
    record = _register(world, kind=None, activity_id=activity.id, checkin_at=None, checkout_at=None)
    assert (record.kind, record.activity_id) == ("activity", activity.id)
    assert (record.checkin_at, record.checkout_at, record.duration_minutes) == (
        activity.starts_at,
        activity.ends_at,
        180,
    )


@pytest.mark.parametrize(
    ("starts", "ends", "allowed"),
    [
        (-30, 0, True),  # from the earliest a member could check in
        (0, 30, True),  # to the latest a member could check out
        (-31, 0, False),
        (0, 31, False),
        (-240, 240, False),  # a leader's word adds no hours the activity did not have
    ],
)
def test_activity_registration_stays_within_the_activity_time(world, starts, ends, allowed):
    activity = make_activity(world.team_a, starts_at=NOW - timedelta(days=2), hours=3)
    times = {
        "checkin_at": activity.starts_at + timedelta(minutes=starts),
        "checkout_at": activity.ends_at + timedelta(minutes=ends),
    }
    if allowed:
        record = _register(world, kind=None, activity_id=activity.id, **times)
        assert record.duration_minutes == 180 - starts + ends
        return
    with pytest.raises(Invalid) as refused:
        _register(world, kind=None, activity_id=activity.id, **times)
    assert refused.value.code == "outside_activity_time"
    assert "开始前 30 分钟至结束后 30 分钟" in refused.value.message
    assert ServiceRecord.select().count() == 0


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (None, "请说明服务类型：集中活动请给出活动编号 activity_id；"),
        ("party", "请说明服务类型：集中活动请给出活动编号 activity_id；"),
        ("activity", "集中活动请给出活动编号 activity_id。"),
    ],
)
def test_a_missing_or_unknown_kind_is_explained_in_words(world, kind, message):
    with pytest.raises(Invalid) as refused:
        _register(world, kind=kind)
    assert refused.value.code == "bad_kind" and refused.value.message.startswith(message)
    if kind != "activity":
        assert "结对走访 kind 填 visit；分散活动（个人服务）kind 填 individual" in str(
            refused.value
        )


def test_a_kind_that_is_no_activity_takes_no_activity_id(world):
    activity = make_activity(world.team_a, starts_at=NOW - timedelta(days=2))
    with pytest.raises(Invalid) as refused:
        _register(world, kind="visit", activity_id=activity.id)
    assert refused.value.code == "bad_kind" and "请去掉 activity_id" in refused.value.message


@pytest.mark.parametrize(
    ("team", "kind", "code"),
    [
        ("team_b", "centralised", "other_team_activity"),  # as GET /activities/{id} says
        (None, "adhoc", "not_assigned"),  # an office task for other members
        (None, "centralised", "not_enrolled"),  # open to all, but not enrolled
    ],
)
def test_an_activity_outside_the_team_is_refused_as_the_activities_api_does(
    world, team, kind, code
):
    other = make_activity(world.team_b, starts_at=NOW - timedelta(days=2), kind=kind)
    Activity.update(team=getattr(world, team) if team else None).where(
        Activity.id == other.id
    ).execute()
    with pytest.raises(Forbidden) as refused:
        _register(world, kind="activity", activity_id=other.id, checkin_at=None, checkout_at=None)
    assert refused.value.code == code
    assert "不能为其代为登记" in refused.value.message


def test_activity_of_another_team_only_when_enrolled(world):
    other = make_activity(world.team_b, starts_at=NOW - timedelta(days=2))
    with pytest.raises(Forbidden):
        _register(world, kind="activity", activity_id=other.id, checkin_at=None, checkout_at=None)
    Enrollment.create(activity=other, member=world.alice, assigned=True, created_at=NOW)
    record = _register(
        world, activity_id=other.id, kind="activity", checkin_at=None, checkout_at=None
    )
    assert record.activity_id == other.id


def test_cancelled_activity_and_unknown_activity(world):
    cancelled = make_activity(world.team_a, starts_at=NOW - timedelta(days=1), status="cancelled")
    with pytest.raises(Conflict):
        _register(world, kind="activity", activity_id=cancelled.id)
    with pytest.raises(NotFound):
        _register(world, kind="activity", activity_id=55_555)


def test_one_entry_per_member_and_activity(world):
    activity = make_activity(world.team_a, starts_at=NOW - timedelta(days=1))
    checked_in(world.alice, activity, at=activity.starts_at)
    with pytest.raises(Conflict) as refused:
        _register(
            world, kind="activity", activity_id=activity.id, checkin_at=None, checkout_at=None
        )
    assert refused.value.code == "already_registered"


def test_no_two_entries_at_the_same_time(world):
    checked_in(world.alice, at=START + timedelta(minutes=30), minutes=30)
    with pytest.raises(Conflict) as refused:
        _register(world)
    assert refused.value.code == "overlapping_record"
    record = _register(world, checkin_at=END, checkout_at=END + timedelta(hours=1))
    assert record.id


def test_visit_goes_to_the_paired_household(world):
    household = make_household(community=world.team_a.community)
    pair(world.alice, household, started_on=date(2026, 1, 1))
    record = _register(world, kind="visit")
    assert (record.kind, record.household_id) == ("visit", household.id)


@pytest.mark.parametrize(
    ("kind", "left_blank", "written"),
    [("activity", "content", "参加「义诊」"), ("visit", "target", "结对家庭 王**户")],
)
def test_what_the_leader_left_blank_gets_the_programmes_text_in_the_first_line(
    world, kind, left_blank, written
):
    """Closed at once, the entry gets what any check-out fills in by itself; the leader's
    own text stays."""
    pair(world.alice, make_household(community=world.team_a.community, head_name="王秀英"))
    activity = make_activity(world.team_a, starts_at=START, title="义诊")
    given = {"activity_id": activity.id} if kind == "activity" else {}
    record = _register(world, kind=kind, **{**given, left_blank: ""})
    stored = ServiceRecord.get_by_id(record.id)
    assert getattr(stored, left_blank) == written
    assert {k: getattr(stored, k) for k in FILLED if k != left_blank} == {
        k: v for k, v in FILLED.items() if k != left_blank
    }
    assert records.counts_toward_hours(stored)
    (line,) = stored.history
    assert line.changes[left_blank] == [None, written]
    assert history.verify_record(stored) is None


def test_a_retried_request_stores_one_entry_and_says_it_is_a_retry(world):
    first = _registration(world, request_id="r-1")
    again = _registration(world, request_id="r-1")
    assert (first.created, again.created, again.record.id) == (True, False, first.record.id)
    assert ServiceRecord.select().count() == 1
    assert first.record.history.count() == 1


def test_the_same_request_at_once_stores_one_entry(world):
    barrier = threading.Barrier(6)

    def submit():
        with db.connection_context():
            barrier.wait()
            return _registration(world, request_id="double-tap")

    with ThreadPoolExecutor(6) as pool:
        results = [f.result() for f in [pool.submit(submit) for _ in range(6)]]
    assert len({r.record.id for r in results}) == 1 and ServiceRecord.select().count() == 1
    assert sorted(r.created for r in results) == [False] * 5 + [True]
    assert RecordHistory.select().count() == 1


def test_an_office_edit_waits_for_a_registration_under_way_and_then_measures_it(world, monkeypatch):
    """The office moves the activity's times while a leader's registration for it is being
    made (on PostgreSQL the registration holds the activity's row; on SQLite the database's
    write lock): the edit waits, then finds the entry, which the new times would leave out
    of reach, and is refused."""
    activity = make_activity(world.team_a, starts_at=NOW - timedelta(days=2), hours=3)
    earlier = activity.starts_at - timedelta(hours=8)
    moved = {"starts_at": earlier, "ends_at": earlier + timedelta(hours=1)}
    outcome, started = [], []

    def edit():
        with db.connection_context():
            try:
                outcome.append(
                    update_activity(world.actor("office"), activity.id, moved, NOW, QUIET)
                )
            except Conflict as exc:
                outcome.append(exc.code)

    real = leader_registration._within_activity

    def within_while_edited(*args):
        started.append(threading.Thread(target=edit))
        started[0].start()
        started[0].join(timeout=0.5)  # time to get ahead, were it not held back
        return real(*args)

    monkeypatch.setattr(leader_registration, "_within_activity", within_while_edited)
    record = _register(world, kind=None, activity_id=activity.id, checkin_at=None, checkout_at=None)
    started[0].join(timeout=30)
    assert outcome == ["checkins_outside_times"]
    assert record.checkin_at == Activity.get_by_id(activity.id).starts_at
