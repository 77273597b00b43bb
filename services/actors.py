"""Who is acting: a member (perhaps a team leader) or the programme office. Services decide
what an actor may do; transports only say who the actor is."""

from dataclasses import dataclass

from models import Account, Member

from .errors import Forbidden

OFFICE_LABEL = "office:"  # how every office account's label begins (Actor.label)
# A member is no longer active only by leaving the roster (services.spells writes
# Member.active with their spells, nothing else does): what they are told when refused.
MEMBER_LEFT = "您已离队，如有疑问，请联系办公室。"


@dataclass(frozen=True)
class Actor:
    member: Member | None = None
    account: Account | None = None

    @property
    def is_office(self) -> bool:
        return self.account is not None

    @property
    def is_leader(self) -> bool:
        return self.member is not None and self.member.role == "leader"

    @property
    def team_id(self) -> int | None:
        return self.member.team_id if self.member is not None else None

    @property
    def label(self) -> str:
        """How the actor appears in history and audit entries, e.g. 'member:12'."""
        if self.account is not None:
            return f"{OFFICE_LABEL}{self.account.id}"
        return f"member:{self.member.id}" if self.member is not None else "system"

    def leads(self, team_id: int | None) -> bool:
        """True for the leader of that team."""
        return self.is_leader and team_id is not None and self.team_id == team_id


SYSTEM = Actor()


def is_office_label(label: str) -> bool:
    """True for a history or audit label the office wrote (Actor.label)."""
    return label.startswith(OFFICE_LABEL)


def member_actor(member_id: int) -> Actor:
    """The member known by id, as the actor: work done after a chat reply (a photo's check)
    carries the id, not the loaded member."""
    return Actor(member=Member.get_by_id(member_id))


def require_member(actor: Actor) -> Member:
    """The acting member, or Forbidden for the office and the system."""
    if actor.member is None:
        raise Forbidden("此操作仅限党员本人。", "member_only")
    return actor.member
