"""Which team a leader's or the office's team screen is about (the roster, the quarterly report
and its workbook, the register's file name): one rule, so each mistake gets one code on every
endpoint, and a team id no team can have is refused before the database overflows on it.

A leader reads their own team (the team_id may be left out), the office any team (it must say
which); anyone else is refused.
"""

from models import Team

from .actors import Actor
from .errors import Forbidden, Invalid, NotFound
from .rows import is_id


def team_for(actor: Actor, team_id: int | None, what: str) -> Team:
    """The team the actor asks about; `what` names the screen (队员名单, 季度报告) in the
    refusals."""
    if actor.is_office:
        if team_id is None:
            raise Invalid("请指定服务队（team_id）。", "missing_field")
        return team_by_id(team_id)
    if not actor.is_leader or actor.team_id is None:
        raise Forbidden(f"只有队长和办公室可以查看{what}。", "leader_only")
    if team_id is not None and team_id != actor.team_id:
        raise Forbidden(f"队长只能查看本队的{what}。", "other_team")
    return team_by_id(actor.team_id)


def team_by_id(team_id: int) -> Team:
    """The team, or NotFound for an id no team has (including ids out of the column's range)."""
    team = Team.get_or_none(Team.id == team_id) if is_id(team_id) else None
    if team is None:
        raise NotFound("没有这个服务队。", "team_not_found")
    return team
