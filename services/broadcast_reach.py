"""Whom a leader's notice reaches through WeChat: told before it is sent (the preview), fixed
when it is queued (the plan), and of a notice sent, the members it was queued for. A notice
WeChat can reach none of the members with is refused (require_reachable), for the chat and
the API alike.

The preview only predicts: a subscribe grant it counts may be spent by another notice before
the leader confirms. The plan decides: a member whose message goes first to the mini-program
gets a grant spent for it there and then (services/held_grants.py), or, with none left, is
planned on the next channel or counted unreached, so the confirmation says what the sender
will do, and no grant is ever counted by two notices.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from types import MappingProxyType

from models import Member, Notification

from . import held_grants, reach
from .errors import Forbidden, Invalid
from .outbox import deliver_after
from .outbox_delivery import Policy
from .reach import Audience, Recipient, Unreached

KIND = "broadcast"
#: The payload key the plan is kept under, per member: {"channel": ...} or {"reason": ...}.
PLAN = "reach"
#: Why a member the preview counted is no longer reached: the grant they had is spent.
GRANT_USED = "grant_used"


@dataclass(frozen=True)
class Planned:
    """One member's message as queued: the channel it goes to first, or why none can take
    it; the grant held for it."""

    member: Member
    channel: str | None
    reason: str | None
    grant: str = ""

    @property
    def payload(self) -> dict:
        """What the outbox row keeps of the plan (and of the grant it holds)."""
        kept = {"channel": self.channel} if self.channel else {"reason": self.reason}
        return {PLAN: kept} | ({held_grants.KEY: self.grant} if self.grant else {})


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
    require_sender(leader)
    return audience(recipients(leader), policy, now, urgent)


def plan(
    members: list[Member],
    policy: Policy,
    now: datetime,
    urgent: bool,
    expected: Mapping[int, str | None] = MappingProxyType({}),
) -> list[Planned]:
    """Each member's message as it is queued, by the preview's rule, taking a grant for each
    one whose first channel sends on one. Runs inside the transaction that queues the notice,
    so a grant taken for a notice that is then refused goes back with it. `expected`: the
    members the leader's preview counted, each with the channel it counted them through (None
    when not known); why one of them, or one whose grant was taken between reading and taking
    it, is no longer reached: _lost_reason."""
    at = deliver_after(now, policy.quiet_hours, urgent)
    order, set_up, template = policy.order_for(KIND), policy.set_up, policy.mp_template
    planned = []
    for member, r in zip(members, reach.recipients(members, template), strict=True):
        channel = reach.first_channel(r, order, at, set_up)
        grant, counted_by = (template if channel == held_grants.CHANNEL else ""), None
        if grant and not held_grants.hold(r.member_id, template):
            r, grant, counted_by = replace(r, has_grant=False), "", held_grants.CHANNEL
            channel = reach.first_channel(r, order, at, set_up)
        reason = None
        if channel is None and (counted_by or r.member_id in expected):
            reason = _lost_reason(r, counted_by or expected[r.member_id], order, at, set_up)
        elif channel is None:
            reason = reach.why_unreachable(r, order, at, set_up)
        planned.append(Planned(member, channel, reason, grant))
    return planned


def _lost_reason(
    r: Recipient,
    counted_by: str | None,
    order: tuple[str, ...],
    at: datetime,
    set_up: Collection[str],
) -> str:
    """Why a member the preview counted through `counted_by` is not reached now. GRANT_USED
    when that was their mini-program grant (or the plan has just failed to take the one it
    saw) and one would reach them now: theirs was spent. Counted through another channel, the
    reason is why the channels besides the grant refuse now; not knowing which (an older
    client's preview), why every channel does.

    A member bound in both the mini-program and the Official Account is the case to get
    right: their reasons are the mini-program's (no grant) beside the account's. One counted
    through the account, whose 48-hour window has since closed, must not be told a notice
    used their grant (no_grant outranks window_closed in reach.why_unreachable), even when a
    grant of theirs was spent long before the preview; one counted through their grant, who
    had long unfollowed, must not be told only that they unfollowed (not_following outranks
    no_grant) when what changed is their spent grant."""
    by_grant = counted_by == held_grants.CHANNEL
    if by_grant and reach.first_channel(replace(r, has_grant=True), order, at, set_up):
        return GRANT_USED
    others = tuple(c for c in order if c != held_grants.CHANNEL)
    asked = order if by_grant or counted_by is None else others
    return reach.why_unreachable(r, asked or order, at, set_up)


def planned_audience(planned: list[Planned]) -> Audience:
    """Whom the plan reaches, and who not, with why."""
    channels = {p.member.id: p.channel for p in planned if p.channel}
    unreached = [Unreached(p.member.id, p.member.name, p.reason) for p in planned if p.reason]
    return Audience(tuple(channels), tuple(unreached), channels)


def audience_of(broadcast, policy: Policy) -> Audience:
    """The same for a broadcast made: what its plan said when it was queued, so every retry
    of its request hears the same answer. A broadcast queued without a plan (before plans
    were kept) is judged by its own urgency from when it was made, a member it has already
    reached counting as reached (a grant the delivery spent must not make them look
    unreachable)."""
    rows = list(
        Notification.select(Notification, Member)
        .join(Member)
        .where(Notification.broadcast == broadcast.id)
        .order_by(Member.id)
    )
    plans = [(n.payload or {}).get(PLAN) for n in rows]
    if rows and all(isinstance(p, dict) for p in plans):
        pairs = zip(rows, plans, strict=True)
        return planned_audience(
            [Planned(n.member, p.get("channel"), p.get("reason")) for n, p in pairs]
        )
    urgent = any(n.urgent for n in rows)
    waiting = [n.member for n in rows if n.status != "sent"]
    found = audience(waiting, policy, broadcast.created_at, urgent)
    sent = tuple(n.member_id for n in rows if n.status == "sent")
    return Audience(tuple(sorted(sent + found.reached)), found.unreached)


def audience(members, policy: Policy, now: datetime, urgent: bool) -> Audience:
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


def require_sender(leader: Member) -> None:
    if not (leader.is_leader and leader.active and leader.team_id):
        raise Forbidden("只有队长可以向本队发送通知。", "leader_only")
