"""Whether a queued member notice still tells the truth when the sender is about to send it.

A decision that makes a waiting notice untrue withdraws it (services.outbox.withdraw), but a
sender may hold the notice at that moment, and withdraw leaves a held row to its sender. So the
sender, once it has claimed a row and before it calls WeChat, asks here: a notice whose reason
has gone is skipped, saying why, as a withdrawn one would have been. Whichever of the decision
and the check comes first, the member is not told what no longer holds; only a notice the
sender checked before the decision, already on its way to WeChat, still arrives.

Kinds without a check always stand: reminders and broadcasts, and an assignment, whose
cancellation is told after it (services.member_notices).
"""

from models import Notification

from . import member_notices

#: kind -> (whether a notice of it still stands, the reason code it is skipped for if not)
CHECKS = {
    member_notices.REJECTED: (member_notices.rejection_stands, "decision_changed"),
}


def void_reason(notice: Notification) -> str | None:
    """None when the notice may go; else why it may not (a notification_texts.REASONS code)."""
    check = CHECKS.get(notice.kind)
    if check is None or check[0](notice):
        return None
    return check[1]
