"""A team's active members as its leader and the office see them: who they are (the id a
leader's registration, POST /records, needs) and whether WeChat binds them, so a leader sees
who cannot use the phone and may need attendance registered for them.

Only when asked (`with_left`, the register's 党员 filter) do the team's members who left and
have entries follow the current ones: their entries stay in the register, while nothing new
(a registration, an assignment) may name them.

A member's phone is personal data: a leader sees enough to recognise it (138****0001), the
office sees it whole, as it sees residents' data (services.households).
"""

from dataclasses import dataclass

import peewee as pw

from models import Member, ServiceRecord, Team

from .actors import Actor
from .households import mask_phone
from .teams import team_for

LEADERS_FIRST = pw.Case(None, [(Member.role == "leader", 0)], 1)


@dataclass(frozen=True)
class TeamMember:
    id: int
    name: str
    role: str
    phone: str  # masked unless the roster is the office's
    mp_bound: bool  # bound to the mini-program
    oa_bound: bool  # bound to the Official Account
    active: bool = True  # False: left the team (listed only with_left)


@dataclass(frozen=True)
class TeamRoster:
    team: Team
    members: tuple[TeamMember, ...]
    phones_masked: bool


def team_members(actor: Actor, team_id: int | None, with_left: bool = False) -> TeamRoster:
    """The team's active members, leader first, then in roster order (with_left: then those
    who left and have entries): a leader's own team (team_id may be left out), any team for
    the office (team_id required)."""
    team = team_for(actor, team_id, "队员名单")
    masked = not actor.is_office
    query = (
        Member.select()
        .where((Member.team == team.id) & Member.active)
        .order_by(LEADERS_FIRST, Member.id)
    )
    rows = [*query, *(_left_with_entries(team) if with_left else ())]
    return TeamRoster(team, tuple(_view(m, masked) for m in rows), masked)


def _left_with_entries(team: Team) -> pw.ModelSelect:
    has_entries = ServiceRecord.select().where(ServiceRecord.member == Member.id)
    gone = (Member.team == team.id) & ~Member.active & pw.fn.EXISTS(has_entries)
    return Member.select().where(gone).order_by(Member.id)


def _view(m: Member, masked: bool) -> TeamMember:
    phone = mask_phone(m.phone) if masked else m.phone
    bound = (m.mp_openid is not None, m.oa_openid is not None)
    return TeamMember(m.id, m.name, m.role, phone, *bound, active=m.active)
