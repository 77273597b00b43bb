"""The only place that reads the time. Stored times are naive UTC; people see Shanghai time."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now_utc() -> datetime:
    """The current time as naive UTC, the form the database stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_local(moment: datetime) -> datetime:
    """A stored naive-UTC time as an aware Shanghai time."""
    return moment.replace(tzinfo=UTC).astimezone(SHANGHAI)


def to_utc(moment: datetime) -> datetime:
    """An aware time (or a naive Shanghai wall-clock time) as naive UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(UTC).replace(tzinfo=None)


def local_midnight(day: date) -> datetime:
    """The start of a Shanghai day as the naive UTC the database stores."""
    return to_utc(datetime.combine(day, time()))


def local_today(now: datetime | None = None) -> date:
    """Today's date in Shanghai."""
    return to_local(now or now_utc()).date()


def quarter_of(day: date) -> tuple[int, int]:
    """The (year, quarter) a Shanghai date falls in."""
    return day.year, (day.month - 1) // 3 + 1


def cn_date(day: date) -> str:
    """A date as people write it: 2026年12月1日."""
    return f"{day.year}年{day.month}月{day.day}日"


def as_date(value) -> date:
    """A date read from the database: raw rows and SQLite aggregates give ISO text."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
