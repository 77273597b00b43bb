"""Whom a leader's notice reaches through WeChat: told before it is sent (the preview), and
of a notice sent, the members it was queued for. A notice WeChat can reach none of the
members with is refused (require_reachable), for the chat and the API alike."""

from datetime import datetime

from models import Member, Notification

from . import reach
from .errors import Forbidden, Invalid
from .outbox import deliver_after
from .outbox_delivery import Policy
from .reach import Audience

KIND = "broadcast"


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


def audience_of(broadcast, policy: Policy) -> Audience:
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
    found = audience(waiting, policy, broadcast.created_at, urgent)
    return Audience(found.reachable + len(rows) - len(waiting), found.unreached)


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
