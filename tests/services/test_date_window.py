"""The one rule for a list's dates: a date outside the years the programme holds is bad_date,
two dates that make no window (or too long a one) are bad_window, whatever the list."""

from datetime import date

import pytest

from services.date_window import check_window
from services.errors import Invalid

DAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("start", "end", "max_days"),
    [
        (None, None, None),
        (DAY, None, None),
        (None, DAY, None),
        (DAY, DAY, None),  # one day: both ends inclusive
        (date(2000, 1, 1), date(2099, 12, 31), None),
        (DAY, date(2027, 12, 2), 366),
    ],
)
def test_a_good_window_passes(start, end, max_days):
    check_window(start, end, max_days)


@pytest.mark.parametrize(
    ("start", "end", "max_days", "code", "names"),
    [
        (date(1999, 12, 31), None, None, "bad_date", "from"),
        (None, date(2100, 1, 1), None, "bad_date", "to"),
        (date.min, date.max, None, "bad_date", "from"),
        (DAY, date(2026, 11, 30), None, "bad_window", "from"),
        (DAY, date(2027, 12, 3), 366, "bad_window", "366"),
    ],
)
def test_each_mistake_has_its_code(start, end, max_days, code, names):
    with pytest.raises(Invalid) as refused:
        check_window(start, end, max_days)
    assert refused.value.code == code
    assert names in refused.value.message
