"""A leader's notice to the whole team: one Broadcast, one outbox message per active member.

The request key (the chat's MsgId, the API's request id) makes a retried request find the
broadcast it already made, so a notice is never queued twice. A notice that fails content
security (services.content_check) is refused before anything is made. A notice WeChat can reach
none of the members with is refused (broadcast_reach.require_reachable), for the chat and
the API alike. Sending is the outbox's job; broadcast_reading reports, per member, what
became of it.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

import peewee as pw

from models import Broadcast, Member, db

from .broadcast_reach import (
    KIND,
    Planned,
    audience_of,
    plan,
    planned_audience,
    recipients,
    require_reachable,
    require_sender,
)
from .broadcast_text import TITLES, check_text
from .content_check import Screen, audit_review, check_content
from .errors import Conflict
from .outbox import Message, enqueue
from .outbox_delivery import Policy
from .reach import Audience, Unreached
from .rows import check_request_id
from .urgent_audit import record as record_urgent

#: The mini-program page that shows one notice in full (GET /api/v1/me/notices/{id}).
NOTICE_PAGE = "pages/notice/index?id={id}"


@dataclass(frozen=True)
class Sent:
    """The broadcast a request made (or had made before: created False), and who of the
    members it was queued for WeChat reaches (the same answer for every retry); `lost`,
    those the leader's preview counted who no longer can receive it."""

    broadcast: Broadcast
    created: bool
    audience: Audience
    lost: tuple[Unreached, ...] = ()

    @property
    def recipients(self) -> int:
        return self.audience.total


def send(
    leader: Member,
    text: str,
    request_key: str,
    now: datetime,
    policy: Policy,
    urgent: bool = False,
    expected: Mapping[int, str | None] = MappingProxyType({}),
    screen: Screen | None = None,
) -> Sent:
    """Queue a notice to every member of the leader's team, once per request key, if WeChat
    can reach any of them (require_reachable). Members no channel can reach are queued too:
    the sender records why they were skipped, for the delivery report.

    The answer is the plan the messages were queued with (broadcast_reach.plan), grants
    taken in the same transaction, not the preview: `expected` names the members the
    leader's preview counted, with the channel each was counted through (its `channels`), so
    the answer can name those who no longer can receive it, and why.

    A new notice passes content security first (services.content_check, with WeChat's
    `screen` when the transport has one): a refused one queues nothing; one WeChat sends to
    review goes out with an audit line for the office. An urgent one leaves its own audit
    line, and tells the office when it goes out inside the quiet hours (services.urgent_audit)."""
    require_sender(leader)
    text = check_text(text)
    found = _existing(request_key, leader, text, policy, expected)
    if found is not None:
        return found
    verdict = check_content(leader, text, screen)
    try:
        with db.atomic():  # a refused notice takes back the grants its plan took
            broadcast = Broadcast.create(
                team=leader.team_id,
                sender=leader,
                text=text,
                request_key=request_key,
                created_at=now,
            )
            audit_review(verdict, leader, "broadcast", broadcast.id, now)
            planned = plan(recipients(leader), policy, now, urgent, expected)
            reached = planned_audience(planned)
            require_reachable(reached)
            messages = [_message(broadcast, leader, p, urgent) for p in planned]
            enqueue(messages, now, policy.quiet_hours)
            if urgent:
                record_urgent(broadcast, leader, reached, now, policy.quiet_hours)
    except pw.IntegrityError:  # the same request, made at the same moment
        found = _existing(request_key, leader, text, policy, expected)
        if found is None:
            raise
        return found
    return Sent(broadcast, True, reached, _lost(reached, expected))


def _existing(
    request_key: str, leader: Member, text: str, policy: Policy, expected: Collection[int]
) -> Sent | None:
    broadcast = Broadcast.get_or_none(Broadcast.request_key == request_key)
    if broadcast is None:
        return None
    if broadcast.sender_id != leader.id or broadcast.text != text:
        raise Conflict("该请求编号已用于另一条通知。", "request_reused")
    reached = audience_of(broadcast, policy)
    return Sent(broadcast, False, reached, _lost(reached, expected))


def _lost(audience: Audience, expected: Collection[int]) -> tuple[Unreached, ...]:
    """The members the preview counted who cannot receive the notice as it was queued."""
    expected = set(expected)
    return tuple(u for u in audience.unreached if u.member_id in expected)


def _message(broadcast: Broadcast, leader: Member, planned: Planned, urgent: bool) -> Message:
    payload = {
        "title": TITLES[urgent],
        "body": broadcast.text,
        "sender": leader.name,
        "page": NOTICE_PAGE.format(id=broadcast.id),
    } | planned.payload
    member_id = planned.member.id
    key = f"broadcast:{broadcast.id}:{member_id}"
    return Message(member_id, KIND, payload, key, urgent=urgent, broadcast_id=broadcast.id)


def api_request_key(leader: Member, request_id) -> str:
    """The broadcast's request key for the mini-program's request id (the chat's is its
    MsgId), per leader, so two leaders' ids never collide."""
    return f"api:{leader.id}:{check_request_id(request_id)}"
