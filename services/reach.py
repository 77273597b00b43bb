"""Who a message can reach through WeChat, judged from what we know of the member before
anything is sent: an identity bound for the channel, still following the Official Account, a
mini-program grant left, the 48-hour window of customer-service texts.

This is the one rule: the outbox's channels (wechat/channels.py) refuse by `refusal`, and a
leader's broadcast preview counts by `audience`, so 「将发给 9 名队员」 is what the sender will
try. The preview is also given the channels the office has set up (an account, and a template
for a template channel: notification_texts.channels_set_up), since a channel that is not set
up refuses everyone before it asks this rule; a member only such a channel could address is
unreachable for a reason the office must fix (NOT_SET_UP), not one the member is blamed for.
What only shows at send time is not foreseen here: WeChat's own answer (an unfollow we had not
heard of, a grant WeChat says is used up), which the office sees in the delivery report. A
grant another message spends between a preview and the send is: a broadcast takes its grants
when it is queued (services/broadcast_reach.plan) and answers with what it queued.
"""

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from models import Member

from . import grants

#: Customer-service texts reach a member only this long after their last message to us.
CUSTOM_WINDOW = timedelta(hours=48)
#: Why a member cannot be reached, as a leader is told (notification_texts.UNREACHABLE_NAMES):
#: no WeChat identity at all; else the channels' reasons, the most telling first (a member who
#: unfollowed the account is told so even when the mini-program has no grant either; a channel
#: the office has not set up comes before what the member could change on a channel that only
#: matters because of it); else bound, but not where this kind of message goes.
NOT_BOUND, NOT_BOUND_HERE, NOT_SET_UP = "not_bound", "no_openid", "not_set_up"
LEADER_REASONS = ("not_following", NOT_SET_UP, "no_grant", "window_closed")


@dataclass(frozen=True)
class Recipient:
    """What the rule and a channel need to know about the member a message is for."""

    member_id: int
    name: str
    mp_openid: str | None
    oa_openid: str | None
    oa_reachable: bool
    last_interaction_at: datetime | None
    has_grant: bool  # a mini-program grant left for the configured subscribe template


@dataclass(frozen=True)
class Unreached:
    """A member no channel can reach, and why (NOT_BOUND, a LEADER_REASONS code or
    NOT_BOUND_HERE)."""

    member_id: int
    name: str
    reason: str


@dataclass(frozen=True)
class Audience:
    """Who a message to these members reaches (their ids), and who not, with why; `channels`,
    the channel each member reached is counted through (what a preview tells the plan, so a
    member it no longer reaches is told what changed on that channel)."""

    reached: tuple[int, ...]
    unreached: tuple[Unreached, ...]
    channels: Mapping[int, str] = field(default_factory=dict)

    @property
    def reachable(self) -> int:
        return len(self.reached)

    @property
    def total(self) -> int:
        return self.reachable + len(self.unreached)


def _window_closed(r: Recipient, at: datetime) -> bool:
    return r.last_interaction_at is None or at - r.last_interaction_at >= CUSTOM_WINDOW


Check = Callable[[Recipient, datetime], bool]
#: The identity each channel addresses a member by: without it, "no_openid".
ADDRESS: dict[str, Callable[[Recipient], str | None]] = {
    "mp_subscribe": lambda r: r.mp_openid,
    "oa_template": lambda r: r.oa_openid,
    "oa_custom": lambda r: r.oa_openid,
}
#: Per channel, in the order checked once the member is addressable: the reason
#: (notification_texts.REASONS) and its test.
RULES: dict[str, tuple[tuple[str, Check], ...]] = {
    "mp_subscribe": (("no_grant", lambda r, at: not r.has_grant),),
    "oa_template": (("not_following", lambda r, at: not r.oa_reachable),),
    "oa_custom": (
        ("not_following", lambda r, at: not r.oa_reachable),
        ("window_closed", _window_closed),
    ),
}
CHANNELS = tuple(ADDRESS)


def refusal(
    channel: str, r: Recipient, at: datetime, set_up: Collection[str] = CHANNELS
) -> str | None:
    """Why `channel` cannot reach the member at `at`; None when it may (WeChat decides). A
    channel not `set_up` refuses a member it could address with NOT_SET_UP (a channel itself
    knows it is set up, and leaves the default)."""
    address = ADDRESS.get(channel)
    if address is not None and not address(r):
        return NOT_BOUND_HERE
    if channel not in set_up:
        return NOT_SET_UP
    return next((reason for reason, fails in RULES.get(channel, ()) if fails(r, at)), None)


def first_channel(
    r: Recipient, order: tuple[str, ...], at: datetime, set_up: Collection[str] = CHANNELS
) -> str | None:
    """The channel of `order` the sender will reach the member through at `at`, if any."""
    return next((c for c in order if refusal(c, r, at, set_up) is None), None)


def why_unreachable(
    r: Recipient, order: tuple[str, ...], at: datetime, set_up: Collection[str] = CHANNELS
) -> str | None:
    """None when a channel of `order` may reach the member at `at`; else why none can."""
    reasons = [refusal(channel, r, at, set_up) for channel in order]
    if None in reasons:
        return None
    if not (r.mp_openid or r.oa_openid):
        return NOT_BOUND
    return next((reason for reason in LEADER_REASONS if reason in reasons), NOT_BOUND_HERE)


def recipients(members: Iterable[Member], mp_template: str) -> list[Recipient]:
    """The members as the rule sees them, their grants read in one query."""
    members = list(members)
    holders = grants.holders([m.id for m in members if m.mp_openid], mp_template)
    return [
        Recipient(
            m.id,
            m.name,
            m.mp_openid,
            m.oa_openid,
            m.oa_reachable,
            m.last_interaction_at,
            m.id in holders,
        )
        for m in members
    ]


def audience(
    people: list[Recipient],
    order: tuple[str, ...],
    at: datetime,
    set_up: Collection[str] = CHANNELS,
) -> Audience:
    """How many of `people` a message sent at `at` through `order` may reach, of those
    channels the ones `set_up`; who not."""
    channels, unreached = {}, []
    for r in people:
        channel = first_channel(r, order, at, set_up)
        if channel is not None:
            channels[r.member_id] = channel
        else:
            unreached.append(Unreached(r.member_id, r.name, why_unreachable(r, order, at, set_up)))
    return Audience(tuple(channels), tuple(unreached), channels)
