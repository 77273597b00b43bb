"""The office's view of the outbox: messages that reached nobody (skipped: no channel could
reach the member) or gave up (failed: WeChat kept refusing), with the reason, so someone can
tell the member another way or fix the setup."""

from dataclasses import dataclass
from datetime import datetime

import peewee as pw

from models import Member, Notification, Team

from .actors import Actor
from .errors import Forbidden, Invalid
from .notification_texts import kind_name

STATUSES = ("failed", "skipped")
PAGE_DEFAULT, PAGE_MAX, OFFSET_MAX = 50, 200, 1_000_000


@dataclass(frozen=True)
class Problem:
    """One undelivered message and who it was for."""

    id: int
    kind: str
    kind_name: str
    status: str
    channel: str
    reason: str
    attempts: int
    created_at: datetime
    member_id: int
    member_name: str
    team_name: str | None


def problems(
    actor: Actor, status: str | None = None, limit: int = PAGE_DEFAULT, offset: int = 0
) -> tuple[list[Problem], int]:
    """Failed and skipped messages, newest first (one status, or both); with the total."""
    if not actor.is_office:
        raise Forbidden("只有办公室可以查看发送失败的消息。", "office_only")
    if status is not None and status not in STATUSES:
        raise Invalid("参数 status 应为 failed 或 skipped。", "bad_filter")
    if not (1 <= limit <= PAGE_MAX and 0 <= offset <= OFFSET_MAX):
        raise Invalid(f"参数 limit 应为 1–{PAGE_MAX}，offset 不能为负。", "bad_filter")
    wanted = Notification.status.in_([status] if status else STATUSES)
    query = (
        Notification.select(Notification, Member, Team)
        .join(Member)
        .join(Team, pw.JOIN.LEFT_OUTER)
        .where(wanted)
    )
    total = Notification.select().where(wanted & Notification.member.is_null(False)).count()
    page = query.order_by(Notification.created_at.desc(), Notification.id.desc())
    return [_problem(n) for n in page.limit(limit).offset(offset)], total


def _problem(n: Notification) -> Problem:
    m = n.member
    return Problem(
        n.id,
        n.kind,
        kind_name(n.kind),
        n.status,
        n.channel,
        n.last_error,
        n.attempts,
        n.created_at,
        m.id,
        m.name,
        m.team.name if m.team_id else None,
    )
