"""Reading broadcasts: a page of them, one with its counts, a notice in full for its team,
and per member what became of their copy. Only a team's leader and the office read a team's
broadcasts; its members read each notice itself."""

from dataclasses import dataclass
from datetime import datetime

import peewee as pw

from models import Broadcast, Member, Notification, Team

from .actors import Actor, require_member
from .errors import Forbidden, Invalid, NotFound
from .households import mask_phone
from .rows import check_page, is_id
from .teams import team_for
from .urgent_audit import URGENT

PAGE_DEFAULT, PAGE_MAX = 20, 50
RECENT_NOTICES = 10  # the notices a member is shown to pick one from
STATUSES = ("pending", "sent", "skipped", "failed")


@dataclass(frozen=True)
class BroadcastView:
    """A broadcast with its team and sender, and how many deliveries are in each status."""

    broadcast: Broadcast
    counts: dict[str, int]


@dataclass(frozen=True)
class MemberDelivery:
    """What became of one member's copy; the phone is whole for the office only."""

    member_id: int
    name: str
    phone: str
    status: str
    channel: str
    reason: str
    attempts: int
    sent_at: datetime | None


def list_broadcasts(
    actor: Actor, team_id: int | None = None, limit: int = PAGE_DEFAULT, offset: int = 0
) -> tuple[list[BroadcastView], int]:
    """One page of the broadcasts the actor reads, newest first, and how many there are: a
    leader's own team's; the office's, of one team or all. Paged as every list is
    (services.rows.check_page), so the office can read past the latest ones."""
    check_page(limit, offset, PAGE_MAX)
    if team_id is not None and not is_id(team_id):
        raise Invalid("team_id 应为服务队编号。", "bad_filter")
    _require_reader(actor)
    if team_id is not None:  # another team's (leader) or no such team: refused as every team screen
        team_id = team_for(actor, team_id, "通知").id
    elif not actor.is_office:
        team_id = actor.team_id
    query = with_team_and_sender()
    if team_id is not None:
        query = query.where(Broadcast.team == team_id)
    newest_first = query.order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
    found = list(newest_first.limit(limit).offset(offset))
    counts = delivery_counts([b.id for b in found])
    return [BroadcastView(b, counts.get(b.id, no_deliveries())) for b in found], query.count()


def get(actor: Actor, broadcast_id: int) -> BroadcastView:
    """One broadcast for its team's leader or the office; NotFound for anyone else."""
    _require_reader(actor)
    broadcast = None
    if is_id(broadcast_id):
        broadcast = with_team_and_sender().where(Broadcast.id == broadcast_id).first()
    if broadcast is None or not (actor.is_office or actor.leads(broadcast.team_id)):
        raise NotFound("通知不存在。", "broadcast_not_found")
    counts = delivery_counts([broadcast.id]).get(broadcast.id, no_deliveries())
    return BroadcastView(broadcast, counts)


def notice_for(actor: Actor, broadcast_id) -> Broadcast:
    """A notice as a member of its team reads it in full: a template message shows only
    its first twenty characters, and links here."""
    member = require_member(actor)
    found = None
    if is_id(broadcast_id):
        found = with_team_and_sender().where(Broadcast.id == broadcast_id).first()
    if found is None or found.team_id != member.team_id:
        raise NotFound("通知不存在。", "broadcast_not_found")
    return found


def team_notices(actor: Actor, limit: int = RECENT_NOTICES) -> list[Broadcast]:
    """The latest notices of the acting member's own team, newest first, with their senders:
    what a member reads in full where a template message showed only the start (the chat
    has no page to link to). Another team's are never among them."""
    member = require_member(actor)
    if member.team_id is None:
        return []
    query = with_team_and_sender().select_extend(URGENT.alias("is_urgent"))
    query = query.where(Broadcast.team == member.team_id)
    return list(query.order_by(Broadcast.created_at.desc(), Broadcast.id.desc()).limit(limit))


def delivery(actor: Actor, broadcast: Broadcast) -> list[MemberDelivery]:
    """Per member: pending, sent (through which channel), skipped or failed (and why). A
    member's phone is personal data: whole for the office, masked for the leader, as the
    team's roster shows it (services.team_members)."""
    masked = not actor.is_office
    query = (
        Notification.select(Notification, Member)
        .join(Member)
        .where(Notification.broadcast == broadcast.id)
        .order_by(Member.id)
    )
    return [
        MemberDelivery(
            n.member.id,
            n.member.name,
            mask_phone(n.member.phone) if masked else n.member.phone,
            n.status,
            n.channel if n.status != "skipped" else "",
            n.last_error,
            n.attempts,
            n.sent_at,
        )
        for n in query
    ]


def _require_reader(actor: Actor) -> None:
    """The office, or a leader of a team (a leader without a team reads nothing: no team
    filter must never mean every team)."""
    if not (actor.is_office or (actor.is_leader and actor.team_id is not None)):
        raise Forbidden("只有队长或办公室可以查看通知。", "leader_only")


def with_team_and_sender():
    """Broadcasts with their team and sender, read in the same query."""
    return (
        Broadcast.select(Broadcast, Team, Member)
        .join(Team)
        .switch(Broadcast)
        .join(Member, on=(Broadcast.sender == Member.id))
    )


def no_deliveries() -> dict[str, int]:
    """The counts of a broadcast with no deliveries: every status, at zero."""
    return dict.fromkeys(STATUSES, 0)


def delivery_counts(ids: list[int]) -> dict[int, dict[str, int]]:
    """Deliveries per status of each broadcast, in one query."""
    if not ids:
        return {}
    query = (
        Notification.select(Notification.broadcast, Notification.status, pw.fn.COUNT(1))
        .where(Notification.broadcast.in_(ids))
        .group_by(Notification.broadcast, Notification.status)
        .tuples()
    )
    counts: dict[int, dict[str, int]] = {}
    for broadcast_id, status, n in query:
        counts.setdefault(broadcast_id, no_deliveries())[status] = n
    return counts
