"""A team's members: the leader sees their own team with phones masked, the office any team
whole; everyone else is refused with a code that says why."""

import pytest

from models import Account, Member
from services.actors import Actor
from services.errors import Forbidden, Invalid, NotFound
from services.team_members import TeamMember, team_members
from tests.factories import NOW, make_member, make_team


@pytest.fixture
def teams(database):
    team_a, team_b = make_team(), make_team()
    leader_a = team_a.members.where(Member.role == "leader").get()
    Member.update(phone="13800000001", oa_openid="oa-leader-a").where(
        Member.id == leader_a.id
    ).execute()
    bound = make_member(team=team_a, phone="13800000002", mp_openid="mp-bound")
    unbound = make_member(team=team_a, phone="13800000003")
    make_member(team=team_a, active=False)  # left the programme: not listed
    office = Account.create(username="o", display_name="办公室", password_hash="x", created_at=NOW)
    actors = {
        "leader_a": Actor(member=Member.get_by_id(leader_a.id)),
        "member_a": Actor(member=bound),
        "leader_b": Actor(member=team_b.members.where(Member.role == "leader").get()),
        "office": Actor(account=office),
    }
    return team_a, team_b, (Member.get_by_id(leader_a.id), bound, unbound), actors


def test_the_leader_sees_the_team_with_phones_masked(teams):
    team_a, _, (leader, bound, unbound), actors = teams
    roster = team_members(actors["leader_a"], None)
    assert roster.team.id == team_a.id and roster.phones_masked
    assert roster.members == (
        TeamMember(leader.id, leader.name, "leader", "138****0001", False, True),
        TeamMember(bound.id, bound.name, "member", "138****0002", True, False),
        TeamMember(unbound.id, unbound.name, "member", "138****0003", False, False),
    )
    assert team_members(actors["leader_a"], team_a.id) == roster


def test_the_office_sees_any_team_whole(teams):
    team_a, _, people, actors = teams
    roster = team_members(actors["office"], team_a.id)
    assert not roster.phones_masked
    assert [m.phone for m in roster.members] == [p.phone for p in people]


@pytest.mark.parametrize(
    ("who", "team", "error", "code"),
    [
        ("member_a", None, Forbidden, "leader_only"),
        ("leader_b", "a", Forbidden, "other_team"),
        ("office", None, Invalid, "missing_field"),
        ("office", 999_999, NotFound, "team_not_found"),
        ("office", 0, NotFound, "team_not_found"),
        ("office", 2**70, NotFound, "team_not_found"),
    ],
)
def test_refusals_say_why(teams, who, team, error, code):
    team_a, _, _, actors = teams
    with pytest.raises(error) as refused:
        team_members(actors[who], team_a.id if team == "a" else team)
    assert refused.value.code == code
