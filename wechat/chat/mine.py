"""The member's own figures (「我的」) and paired household (「结对」)."""

from datetime import date

from services import households, summary
from services.errors import DomainError

from .. import texts
from ..inbound import Inbound, Reply
from . import common


def on_mine(message: Inbound, member, args: str = "") -> Reply:
    """Hours this quarter and this year (with how many of the services counted still wait for
    a review), the last visit and when the next one is due, and the entries waiting for a
    review in all: the figures of GET /me/summary (services.summary)."""
    interval = common.settings().rules.visit_interval_days
    found = summary.member_summary(member, common.now(), interval)
    q, y = found.quarter, found.year
    text = texts.MINE.format(
        name=member.name,
        year=q.year,
        quarter=q.quarter,
        q_services=q.services,
        q_hours=q.hours,
        q_pending=_pending(q),
        y_services=y.services,
        y_hours=y.hours,
        y_pending=_pending(y),
        visits=_visits(found.visits, found.as_of),
    )
    if found.flagged_awaiting_review:
        text += texts.MINE_PENDING.format(count=found.flagged_awaiting_review)
    if found.open_checkins:
        text += texts.MINE_OPEN.format(count=len(found.open_checkins))
    return common.say(text)


def _pending(period: summary.PeriodStats) -> str:
    """How many of the period's counted services still wait for a review, if any: they are
    among the services counted, not besides them."""
    waiting = period.pending_review.services
    return texts.MINE_PERIOD_PENDING.format(count=waiting) if waiting else ""


def _visits(visits: summary.VisitStatus, today: date) -> str:
    """The last visit and the next one due, or, overdue, how long it has been."""
    if not visits.paired:
        return texts.VISITS_UNPAIRED
    last = visits.last_visit_on
    line = texts.VISITS_LINES[last is not None, visits.overdue]
    days = (today - last).days if last else None
    return line.format(last=last and last.isoformat(), due=visits.next_visit_due, days=days)


def on_pairing(message: Inbound, member, args: str = "") -> Reply:
    """The paired household, masked as the mini-program shows it."""
    try:
        h = households.my_household(member)
    except DomainError as exc:
        return common.say(exc.message)
    text = texts.PAIRING.format(
        head=h.head_name,
        phone=h.phone or "—",
        address=h.address or "—",
        community=h.community,
        since=h.paired_since or "—",
        last=h.last_visit_on or texts.NEVER_VISITED,
    )
    if h.size:
        text += texts.PAIRING_SIZE.format(size=h.size)
    return common.say(text)
