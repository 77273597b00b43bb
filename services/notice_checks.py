"""Whether a queued member notice still tells the truth when the sender is about to send it.

A decision that makes a waiting notice untrue withdraws it (services.outbox.withdraw); a sender
holding the notice at that moment honours the withdrawal right before its send. As a second
line, which needs no withdrawal at all, the sender, once it has claimed a row and before it
calls WeChat, asks here too: a notice whose reason has gone is skipped, saying why, as a
withdrawn one would have been. Whichever of the decision and the check comes first, the member
is not told what no longer holds; only a notice the sender checked before the decision,
already on its way to WeChat, still arrives.

Checked: a rejection (the entry is still rejected by that decision, services.member_notices),
a cancellation (its member's assignment, which a sender held at the cancellation, was not
withdrawn unsent for it, member_notices) and an activity's change (the activity still stands
as the notice says and is not cancelled, its member is still enrolled in or assigned to it,
and their assignment, which a sender held at the change, did not go out telling the same:
services.change_notices) and a reminder (its activity is not cancelled and still starts at
the time it names, its member is still in it: services.activity_reminders, which may queue
one as such a decision is made). Kinds without a check always stand: broadcasts, and an
assignment, whose cancellation is told after it.
"""

from models import Notification

from . import activity_reminders, change_notices, member_notices


def _rejection(notice: Notification) -> str | None:
    return None if member_notices.rejection_stands(notice) else "decision_changed"


def _cancellation(notice: Notification) -> str | None:
    return None if member_notices.cancellation_news(notice) else "assignment_withdrawn"


#: kind -> why a notice of it may no longer go (a notification_texts.REASONS code), or None
CHECKS = {
    member_notices.REJECTED: _rejection,
    member_notices.CANCELLED: _cancellation,
    change_notices.CHANGED: change_notices.void_reason,
    activity_reminders.KIND: activity_reminders.void_reason,
}


def void_reason(notice: Notification) -> str | None:
    """None when the notice may go; else why it may not (a notification_texts.REASONS code)."""
    check = CHECKS.get(notice.kind)
    return None if check is None else check(notice)
