"""When an activity's check-in opens and closes, for the member to see before trying: in the
activity's JSON, and in the refusal of a check-in too early or too late, in Shanghai time.

Inside the window a check-in is plain; a little outside it (services.checkin_rules'
hard limit) it is taken but flagged; further out it is refused with these times."""

from datetime import datetime, timedelta
from typing import NamedTuple

from .clock import to_local

NOT_OPEN = "活动尚未开始，签到将于 {at} 开始。"
CLOSED = "活动已结束，签到已于 {at} 截止，不能再签到。"


class Window(NamedTuple):
    """The check-in window of an activity, naive UTC."""

    opens_at: datetime
    closes_at: datetime


def window_of(starts_at: datetime, ends_at: datetime, rules) -> Window:
    """The window the rules (a CheckinRules) give an activity of these times."""
    return Window(
        starts_at - timedelta(minutes=rules.open_before_min),
        ends_at + timedelta(minutes=rules.close_after_min),
    )


def shown(moment: datetime) -> str:
    """11月30日 14:30, in Shanghai time."""
    local = to_local(moment)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def not_open_message(window: Window) -> str:
    return NOT_OPEN.format(at=shown(window.opens_at))


def closed_message(window: Window) -> str:
    return CLOSED.format(at=shown(window.closes_at))
