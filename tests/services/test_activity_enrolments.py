"""Who enrolled, as the activity's team leader and the office see it; others get None (they
see only the count)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest

from models import Account, Enrollment, Member
from services.activities import create_activity, enroll
from services.activity_enrolments import Enrollee, enrollees
from services.actors import Actor
from tests.factories import NOW, QUIET, make_activity, make_record, make_team
from tests.register_world import counted_queries
from tests.services.test_activities import _people, fields


@pytest.fixture
def w(database):
    """Team A (a leader, two members), team B (a leader, one member) and the office."""
    (leader_a, (member_a, member_a2)), (leader_b, (member_b,)) = (
        _people(make_team(members=n)) for n in (2, 1)
    )
    office = Account.create(
        username="office", display_name="办公室", password_hash="x", created_at=NOW
    )
    return SimpleNamespace(
        leader_a=leader_a,
        member_a=member_a,
        member_a2=member_a2,
        leader_b=leader_b,
        member_b=member_b,
        office=Actor(account=office),
    )


def test_the_leader_sees_who_enrolled_how_and_who_checked_in(w):
    assignee, volunteer = w.member_a.member, w.member_a2.member
    activity = create_activity(w.leader_a, fields(member_ids=[assignee.id]), NOW, QUIET)
    enroll(w.member_a2, activity.id, NOW + timedelta(minutes=1))
    make_record(assignee, activity, checkin_at=NOW)
    assert enrollees(w.leader_a, activity) == [
        Enrollee(assignee.id, assignee.name, assigned=True, checked_in=True),
        Enrollee(volunteer.id, volunteer.name, assigned=False, checked_in=False),
    ]
    assert enrollees(w.office, activity) == enrollees(w.leader_a, activity)


def test_members_the_leader_registered_without_an_enrolment_are_listed_after(w):
    """The leader's attendance screen shows everyone who attended the activity."""
    enrolled, unenrolled = w.member_a.member, w.member_a2.member
    activity = make_activity(enrolled.team, starts_at=NOW - timedelta(hours=3))
    Enrollment.create(activity=activity, member=enrolled, created_at=NOW)
    by_leader = {"source": "leader", "registered_by": w.leader_a.member}
    make_record(unenrolled, activity, checkin_at=NOW, **by_leader)
    make_record(enrolled, activity, checkin_at=NOW, **by_leader)
    make_record(w.leader_a.member, checkin_at=NOW, source="leader")  # not this activity's
    assert enrollees(w.leader_a, activity) == [
        Enrollee(enrolled.id, enrolled.name, False, True, True, registered_by_leader=True),
        Enrollee(unenrolled.id, unenrolled.name, False, True, False, registered_by_leader=True),
    ]


@pytest.mark.parametrize("who", ["member_a", "member_a2", "leader_b", "member_b"])
def test_anyone_else_gets_none_not_an_empty_list(w, who):
    activity = make_activity(w.member_a.member.team, starts_at=NOW + timedelta(days=1))
    enroll(w.member_a, activity.id, NOW)
    assert enrollees(getattr(w, who), activity) is None


def test_an_office_activity_s_list_is_the_office_s(w):
    open_ = create_activity(w.office, fields(lat=34.7, lng=113.6), NOW, QUIET)
    enroll(w.member_a, open_.id, NOW)
    assert enrollees(w.leader_a, open_) is None
    assert [e.member_id for e in enrollees(w.office, open_)] == [w.member_a.member.id]


def test_one_query_whatever_the_number_enrolled(w, monkeypatch):
    team = make_team(members=12)
    leader = Actor(member=team.members.where(Member.role == "leader").get())
    activity = make_activity(team, starts_at=NOW + timedelta(days=1))
    for n, m in enumerate(team.members):
        if n % 2:
            Enrollment.create(activity=activity, member=m, created_at=NOW)
        make_record(m, activity, checkin_at=NOW, source="mp" if n % 2 else "leader")
    with counted_queries(monkeypatch) as calls:
        listed = enrollees(leader, activity)
    assert len(listed) == 13 and all(e.checked_in for e in listed)
    assert sum(e.enrolled for e in listed) == 6 and sum(e.registered_by_leader for e in listed) == 7
    assert len(calls) == 1
