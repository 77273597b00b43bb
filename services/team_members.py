"""A team's active members as its leader and the office see them: who they are (the id a
leader's registration, POST /records, needs) and whether WeChat binds them, so a leader sees
who cannot use the phone and may need attendance registered for them.

A member's phone is personal data: a leader sees enough to recognise it (138****0001), the
office sees it whole, as it sees residents' data (services.households).
"""

from dataclasses import dataclass

import peewee as pw

from models import Member, Team

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


@dataclass(frozen=True)
class TeamRoster:
    team: Team
    members: tuple[TeamMember, ...]
    phones_masked: bool


def team_members(actor: Actor, team_id: int | None) -> TeamRoster:
    """The team's active members, leader first, then in roster order: a leader's own team
    (team_id may be left out), any team for the office (team_id required)."""
    team = team_for(actor, team_id, "队员名单")
    masked = not actor.is_office
    query = (
        Member.select()
        .where((Member.team == team.id) & Member.active)
        .order_by(LEADERS_FIRST, Member.id)
    )
    members = tuple(_view(m, masked) for m in query)
    return TeamRoster(team, members, masked)


def _view(m: Member, masked: bool) -> TeamMember:
    phone = mask_phone(m.phone) if masked else m.phone
    return TeamMember(m.id, m.name, m.role, phone, m.mp_openid is not None, m.oa_openid is not None)
