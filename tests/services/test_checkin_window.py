"""The check-in window an activity's times and the rules give, and the refusals that name it
in Shanghai time."""

from datetime import datetime, timedelta

import pytest

from services.checkin_rules import CheckinRules, window_flags
from services.checkin_window import window_of
from services.errors import Conflict

STARTS = datetime(2026, 11, 30, 7, 0)  # 15:00 in Shanghai
ENDS = STARTS + timedelta(hours=2)


def test_the_window_is_the_rules_minutes_around_the_activity():
    rules = CheckinRules(open_before_min=45, close_after_min=15)
    window = window_of(STARTS, ENDS, rules)
    assert window == (STARTS - timedelta(minutes=45), ENDS + timedelta(minutes=15))


@pytest.mark.parametrize(
    ("now", "code", "message"),
    [
        (
            STARTS - timedelta(hours=3),
            "checkin_not_open",
            "活动尚未开始，签到将于 11月30日 14:30 开始。",
        ),
        (
            ENDS + timedelta(hours=3),
            "checkin_closed",
            "活动已结束，签到已于 11月30日 17:30 截止，不能再签到。",
        ),
    ],
)
def test_a_refusal_says_when_the_window_opens_or_closed(now, code, message):
    with pytest.raises(Conflict) as caught:
        window_flags(STARTS, ENDS, now, CheckinRules())
    assert (caught.value.code, caught.value.message) == (code, message)
