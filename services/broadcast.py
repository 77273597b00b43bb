"""A leader's notice to the whole team: one Broadcast, one outbox message per active member.

The request key (the chat's MsgId, the API's request id) makes a retried request find the
broadcast it already made, so a notice is never queued twice. A notice WeChat can reach
none of the members with is refused (require_reachable), for the chat and the API alike.
Sending is the outbox's job; this module reports, per member, what became of it.
"""

from dataclasses import dataclass
from datetime import datetime

import peewee as pw

from models import Broadcast, Member, Notification, Team, db

from . import reach
from .actors import Actor, require_member
from .errors import Conflict, Forbidden, Invalid, NotFound
from .households import mask_phone
from .outbox import Message, deliver_after, enqueue
from .outbox_delivery import Policy
from .reach import Audience
from .rows import check_request_id, is_id

KIND = "broadcast"
TITLE = "队长通知"
#: The mini-program page that shows one notice in full (GET /api/v1/me/notices/{id}).
NOTICE_PAGE = "pages/notice/index?id={id}"
MAX_TEXT = 500
PAGE_DEFAULT, PAGE_MAX = 20, 50
STATUSES = ("pending", "sent", "skipped", "failed")


@dataclass(frozen=True)
class Sent:
    """The broadcast a request made (or had made before: created False), and who of the
    members it was queued for WeChat reaches (the same answer for every retry)."""

    broadcast: Broadcast
    created: bool
    audience: Audience

    @property
    def recipients(self) -> int:
        return self.audience.total


class NobodyReachable(Invalid):
    """No member of the team can receive the notice through WeChat: it is not sent, so the
    leader tells them another way instead of waiting for a notice that cannot arrive."""

    def __init__(self, audience: Audience):
        message = (
            f"本队 {audience.total} 名队员目前都收不到微信消息，通知未发送，"
            "请通过电话等其他方式告知。"
        )
        super().__init__(message, "nobody_reachable")
        self.audience = audience


@dataclass(frozen=True)
class BroadcastView:
    """A broadcast with its team and sender, and how many deliveries are in each status."""

    broadcast: Broadcast
    counts: dict[str, int]


@dataclass(frozen=True)
class MemberDelivery:
    """What became of one member's copy; the phone is masked."""

    member_id: int
    name: str
    phone: str
    status: str
    channel: str
    reason: str
    attempts: int
    sent_at: datetime | None


def check_text(text: str) -> str:
    """The notice without surrounding blanks; Invalid when empty, too long or unprintable."""
    text = (text or "").strip()
    if not text:
        raise Invalid("通知内容不能为空。", "empty_text")
    if len(text) > MAX_TEXT:
        raise Invalid(f"通知内容过长，请控制在 {MAX_TEXT} 字以内。", "text_too_long")
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise Invalid("通知内容含有无效字符。", "bad_text")
    return text


def recipients(leader: Member) -> list[Member]:
    """The leader's team's active members, the leader excepted."""
    return list(
        Member.select()
        .where((Member.team == leader.team_id) & Member.active & (Member.id != leader.id))
        .order_by(Member.id)
    )


def preview(leader: Member, policy: Policy, now: datetime, urgent: bool = False) -> Audience:
    """Who a notice from this leader would reach through WeChat and who not (unbound,
    unfollowed...), judged when it would go out: the leader is told before confirming."""
    _require_sender(leader)
    return _audience(recipients(leader), policy, now, urgent)


def audience_of(broadcast: Broadcast, policy: Policy) -> Audience:
    """The same for a broadcast made: the members it was queued for, judged by its own
    urgency from when it was made, so every retry of its request hears the same answer. A
    member it has already reached counts as reached (a subscribe grant the delivery spent
    must not make them look unreachable)."""
    rows = list(
        Notification.select(Notification, Member)
        .join(Member)
        .where(Notification.broadcast == broadcast.id)
        .order_by(Member.id)
    )
    urgent = any(n.urgent for n in rows)
    waiting = [n.member for n in rows if n.status != "sent"]
    audience = _audience(waiting, policy, broadcast.created_at, urgent)
    return Audience(audience.reachable + len(rows) - len(waiting), audience.unreached)


def _audience(members, policy: Policy, now: datetime, urgent: bool) -> Audience:
    """By services.reach, the outbox's own rule, at the time the sender will first try
    (after the quiet hours unless urgent), through the channels the office has set up."""
    at = deliver_after(now, policy.quiet_hours, urgent)
    people = reach.recipients(members, policy.mp_template)
    return reach.audience(people, policy.order_for(KIND), at, policy.set_up)


def require_reachable(audience: Audience) -> None:
    """Invalid when the team has nobody to notify, NobodyReachable when WeChat reaches none
    of them: such a notice is refused, never queued only to be skipped, in the chat and the
    API alike (the chat names the members, the API's audience lists them)."""
    if not audience.total:
        raise Invalid("本队暂无可通知的队员。", "no_recipients")
    if not audience.reachable:
        raise NobodyReachable(audience)


def _require_sender(leader: Member) -> None:
    if not (leader.is_leader and leader.active and leader.team_id):
        raise Forbidden("只有队长可以向本队发送通知。", "leader_only")


def send(
    leader: Member,
    text: str,
    request_key: str,
    now: datetime,
    policy: Policy,
    urgent: bool = False,
) -> Sent:
    """Queue a notice to every member of the leader's team, once per request key, if WeChat
    can reach any of them (require_reachable). Members no channel can reach are queued too:
    the sender records why they were skipped, for the delivery report."""
    _require_sender(leader)
    text = check_text(text)
    found = _existing(request_key, leader, text, policy)
    if found is not None:
        return found
    members = recipients(leader)
    audience = _audience(members, policy, now, urgent)
    require_reachable(audience)
    try:
        with db.atomic():
            broadcast = Broadcast.create(
                team=leader.team_id,
                sender=leader,
                text=text,
                request_key=request_key,
                created_at=now,
            )
            messages = [_message(broadcast, leader, m, urgent) for m in members]
            enqueue(messages, now, policy.quiet_hours)
    except pw.IntegrityError:  # the same request, made at the same moment
        found = _existing(request_key, leader, text, policy)
        if found is None:
            raise
        return found
    return Sent(broadcast, True, audience)


def _existing(request_key: str, leader: Member, text: str, policy: Policy) -> Sent | None:
    broadcast = Broadcast.get_or_none(Broadcast.request_key == request_key)
    if broadcast is None:
        return None
    if broadcast.sender_id != leader.id or broadcast.text != text:
        raise Conflict("该请求编号已用于另一条通知。", "request_reused")
    return Sent(broadcast, False, audience_of(broadcast, policy))


def _message(broadcast: Broadcast, leader: Member, member: Member, urgent: bool) -> Message:
    payload = {
        "title": TITLE,
        "body": broadcast.text,
        "sender": leader.name,
        "page": NOTICE_PAGE.format(id=broadcast.id),
    }
    key = f"broadcast:{broadcast.id}:{member.id}"
    return Message(member.id, KIND, payload, key, urgent=urgent, broadcast_id=broadcast.id)


def recent(
    actor: Actor, team_id: int | None = None, limit: int = PAGE_DEFAULT
) -> list[BroadcastView]:
    """The latest broadcasts: a leader's own team's; the office's, of one team or all."""
    if not 1 <= limit <= PAGE_MAX:
        raise Invalid(f"参数 limit 无效：每页条数应为 1–{PAGE_MAX}。", "bad_filter")
    if team_id is not None and not is_id(team_id):
        raise Invalid("参数 team_id 无效。", "bad_filter")
    _require_reader(actor)
    if not actor.is_office:
        team_id = actor.team_id
    query = _with_team_and_sender().order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
    if team_id is not None:
        query = query.where(Broadcast.team == team_id)
    found = list(query.limit(limit))
    counts = _counts([b.id for b in found])
    return [BroadcastView(b, counts.get(b.id, _zero())) for b in found]


def get(actor: Actor, broadcast_id: int) -> BroadcastView:
    """One broadcast for its team's leader or the office; NotFound for anyone else."""
    _require_reader(actor)
    broadcast = None
    if is_id(broadcast_id):
        broadcast = _with_team_and_sender().where(Broadcast.id == broadcast_id).first()
    if broadcast is None or not (actor.is_office or actor.leads(broadcast.team_id)):
        raise NotFound("通知不存在。", "broadcast_not_found")
    return BroadcastView(broadcast, _counts([broadcast.id]).get(broadcast.id, _zero()))


def api_request_key(leader: Member, request_id) -> str:
    """The broadcast's request key for the mini-program's request id (the chat's is its
    MsgId), per leader, so two leaders' ids never collide."""
    return f"api:{leader.id}:{check_request_id(request_id)}"


def notice_for(actor: Actor, broadcast_id) -> Broadcast:
    """A notice as a member of its team reads it in full: a template message shows only
    its first twenty characters, and links here."""
    member = require_member(actor)
    found = None
    if is_id(broadcast_id):
        found = _with_team_and_sender().where(Broadcast.id == broadcast_id).first()
    if found is None or found.team_id != member.team_id:
        raise NotFound("通知不存在。", "broadcast_not_found")
    return found


def delivery(broadcast: Broadcast) -> list[MemberDelivery]:
    """Per member: pending, sent (through which channel), skipped or failed (and why)."""
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
            mask_phone(n.member.phone),
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


def _with_team_and_sender():
    return (
        Broadcast.select(Broadcast, Team, Member)
        .join(Team)
        .switch(Broadcast)
        .join(Member, on=(Broadcast.sender == Member.id))
    )


def _zero() -> dict[str, int]:
    return dict.fromkeys(STATUSES, 0)


def _counts(ids: list[int]) -> dict[int, dict[str, int]]:
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
        counts.setdefault(broadcast_id, _zero())[status] = n
    return counts
