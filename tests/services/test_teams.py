"""The one team rule of the team screens (roster, quarterly report): each mistake one code,
the screen named in the refusal, and ids no team can have refused before the database."""

import pytest

from models import Account, Member
from services.actors import Actor
from services.errors import Forbidden, Invalid, NotFound
from services.teams import team_by_id, team_for
from tests.factories import NOW, make_member, make_team


@pytest.fixture
def actors(database):
    team_a, team_b = make_team(), make_team()
    office = Account.create(username="o", display_name="办公室", password_hash="x", created_at=NOW)
    return team_a, {
        "leader_a": Actor(member=team_a.members.where(Member.role == "leader").get()),
        "member_a": Actor(member=make_member(team=team_a)),
        "leader_b": Actor(member=team_b.members.where(Member.role == "leader").get()),
        "office": Actor(account=office),
    }


def test_a_leader_reads_their_own_team_the_office_the_team_it_names(actors):
    team_a, people = actors
    assert team_for(people["leader_a"], None, "季度报告").id == team_a.id
    assert team_for(people["leader_a"], team_a.id, "季度报告").id == team_a.id
    assert team_for(people["office"], team_a.id, "季度报告").id == team_a.id


@pytest.mark.parametrize(
    ("who", "team", "error", "code", "message"),
    [
        ("member_a", None, Forbidden, "leader_only", "只有队长和办公室可以查看季度报告。"),
        ("leader_b", "a", Forbidden, "other_team", "队长只能查看本队的季度报告。"),
        ("office", None, Invalid, "missing_field", "请指定服务队（team_id）。"),
        ("office", 999_999, NotFound, "team_not_found", "没有这个服务队。"),
        ("office", 2**70, NotFound, "team_not_found", "没有这个服务队。"),
        ("office", -1, NotFound, "team_not_found", "没有这个服务队。"),
    ],
)
def test_refusals_say_why(actors, who, team, error, code, message):
    team_a, people = actors
    with pytest.raises(error) as refused:
        team_for(people[who], team_a.id if team == "a" else team, "季度报告")
    assert (refused.value.code, refused.value.message) == (code, message)


@pytest.mark.parametrize("team_id", [0, 2**31, 10**20, True])
def test_ids_no_team_can_have_are_not_found(database, team_id):
    with pytest.raises(NotFound) as refused:
        team_by_id(team_id)
    assert refused.value.code == "team_not_found"
