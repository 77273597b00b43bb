"""What an urgent notice leaves for the office. Urgency skips the quiet hours, so a leader's
notice can wake the team at night; the office must be able to see who used it and when, so
that it stays for what cannot wait (DESIGN "Serve people, not the form").

Every urgent notice writes an audit line (who, which team, whether it went out inside the
quiet hours, how many members it was queued for and how many WeChat reaches); one sent inside
the quiet hours also puts a message in the office's inbox. Both are written in the
transaction that queues the notice (services.broadcast.send): a retried request finds the
broadcast it made and writes neither again, and the message's dedupe key holds even so.
"""

from datetime import datetime

import peewee as pw

from models import Broadcast, Member, Notification

from . import audit, clock
from .actors import Actor
from .notification_texts import ELLIPSIS
from .outbox import Message, enqueue, is_quiet
from .reach import Audience

ACTION = "broadcast_urgent"  # the AuditLog action of an urgent notice
OBJECT = "broadcast"
KIND = "broadcast_urgent_quiet"  # the office's inbox message
TITLE = "免打扰时段发出紧急通知"
TEXT_SHOWN = 60  # characters of the notice the message quotes; the listing has it whole

#: Whether a broadcast is urgent, as its deliveries say (kept for every broadcast ever sent,
#: before the audit lines too): one probe of the notification's broadcast index per row.
URGENT = pw.fn.EXISTS(
    Notification.select(pw.SQL("1")).where(
        (Notification.broadcast == Broadcast.id) & Notification.urgent
    )
)


def record(
    broadcast: Broadcast, leader: Member, audience: Audience, now: datetime, quiet_hours: str
) -> bool:
    """Write the audit line of an urgent notice and, when it went out inside the quiet
    hours, the office's message; returns whether it was inside them."""
    quiet = is_quiet(now, quiet_hours)
    detail = {
        "team_id": leader.team_id,
        "in_quiet_hours": quiet,
        "quiet_hours": quiet_hours,
        "recipients": audience.total,
        "reachable": audience.reachable,
    }
    audit.record(Actor(member=leader).label, ACTION, now, OBJECT, broadcast.id, detail)
    if quiet:
        enqueue([office_message(broadcast, leader, audience, now)], now, quiet_hours)
    return quiet


def office_message(
    broadcast: Broadcast, leader: Member, audience: Audience, now: datetime
) -> Message:
    """The inbox message naming the team, the leader and the time, once per broadcast."""
    local = clock.to_local(now)
    text = broadcast.text
    lines = {
        "服务队": leader.team.name,
        "队长": leader.name,
        "发送时间": f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}",
        "接收人数": f"{audience.total} 人（微信可送达 {audience.reachable} 人）",
        "通知内容": text if len(text) <= TEXT_SHOWN else text[: TEXT_SHOWN - 1] + ELLIPSIS,
    }
    payload = {
        "title": TITLE,
        "lines": lines,
        "time": now.isoformat(),
        "broadcast_id": broadcast.id,
    }
    return Message(None, KIND, payload, f"{KIND}:{broadcast.id}")
