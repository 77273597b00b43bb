"""A leader's notice to the whole team: one Broadcast, one outbox message per active member.

The request key (the chat's MsgId, the API's request id) makes a retried request find the
broadcast it already made, so a notice is never queued twice. A notice WeChat can reach
none of the members with is refused (broadcast_reach.require_reachable), for the chat and
the API alike. Sending is the outbox's job; broadcast_reading reports, per member, what
became of it.
"""

from dataclasses import dataclass
from datetime import datetime

import peewee as pw

from models import Broadcast, Member, db

from .broadcast_reach import (
    KIND,
    audience,
    audience_of,
    recipients,
    require_reachable,
    require_sender,
)
from .broadcast_text import TITLE, check_text
from .errors import Conflict
from .outbox import Message, enqueue
from .outbox_delivery import Policy
from .reach import Audience
from .rows import check_request_id

#: The mini-program page that shows one notice in full (GET /api/v1/me/notices/{id}).
NOTICE_PAGE = "pages/notice/index?id={id}"


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
    require_sender(leader)
    text = check_text(text)
    found = _existing(request_key, leader, text, policy)
    if found is not None:
        return found
    members = recipients(leader)
    reached = audience(members, policy, now, urgent)
    require_reachable(reached)
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
    return Sent(broadcast, True, reached)


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


def api_request_key(leader: Member, request_id) -> str:
    """The broadcast's request key for the mini-program's request id (the chat's is its
    MsgId), per leader, so two leaders' ids never collide."""
    return f"api:{leader.id}:{check_request_id(request_id)}"
