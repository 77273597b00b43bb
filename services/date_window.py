"""The dates a list is narrowed to (query parameters `from` and `to`, Shanghai calendar days,
both inclusive): one rule and one error code per mistake for every list, so a client that
handles `bad_date` and `bad_window` once handles them everywhere.

- `bad_date`: a date that cannot be read (api.request.query_date) or lies outside the years
  the programme can hold; outside them nothing can match, and date arithmetic near the ends
  of the calendar overflows.
- `bad_window`: two good dates that make no window (the end before the start), or a window
  longer than the list allows.
"""

from datetime import date

from .errors import Invalid

DATE_RANGE = (date(2000, 1, 1), date(2099, 12, 31))
FROM, TO = "from", "to"


def check_date(name: str, day: date | None) -> None:
    """Pass for no date or one within DATE_RANGE; bad_date otherwise."""
    if day is not None and not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
        low, high = DATE_RANGE[0].year, DATE_RANGE[1].year
        raise Invalid(f"{name} 应为 {low} 年到 {high} 年之间的日期。", "bad_date")


def check_window(start: date | None, end: date | None, max_days: int | None = None) -> None:
    """Pass for dates within range, the end not before the start and, when max_days is given,
    at most that many days apart; either date may be absent."""
    check_date(FROM, start)
    check_date(TO, end)
    if start is None or end is None:
        return
    if end < start:
        raise Invalid(f"开始日期 {FROM} 不能晚于结束日期 {TO}。", "bad_window")
    if max_days is not None and (end - start).days > max_days:
        raise Invalid(f"{FROM} 与 {TO} 最多相隔 {max_days} 天。", "bad_window")
