"""The daily spot check: a share of yesterday's (Shanghai) verified entries, picked at random,
once a day, with a note to the office."""

from datetime import date, datetime, timedelta

import pytest

from models import Notification, SpotCheck
from services import clock
from services.spot_check import pick, sample_spot_checks
from tests.factories import make_member, make_record, make_team

QUIET = "21:00-08:00"
MORNING = clock.to_utc(datetime(2026, 12, 2, 8, 0))  # samples 1 December


def shanghai(text: str) -> datetime:
    return clock.to_utc(datetime.fromisoformat(text))


@pytest.fixture
def member(database):
    return make_member(team=make_team())


def entries(member, at: str, count: int, status="verified", closed=True) -> set[int]:
    """Entries checked in at a Shanghai time; closed ones checked out an hour later."""
    checkin = shanghai(at)
    checkout = {"checkout_at": checkin + timedelta(hours=1), "duration_minutes": 60}
    return {
        make_record(member, checkin_at=checkin, status=status, **(checkout if closed else {})).id
        for _ in range(count)
    }


def sampled() -> set[int]:
    return {row.record_id for row in SpotCheck.select()}


def test_a_share_of_yesterdays_verified_entries_only(member):
    yesterday = entries(member, "2026-12-01T10:00", 40)
    for status in ("pending", "flagged", "rejected"):
        entries(member, "2026-12-01T10:00", 5, status)
    entries(member, "2026-11-30T10:00", 10)  # the day before yesterday
    entries(member, "2026-12-02T07:00", 10)  # today
    result = sample_spot_checks(MORNING, 0.1, "secret", QUIET)
    assert result == {"day": "2026-12-01", "verified": 40, "sampled": 4}
    assert len(sampled()) == 4 and sampled() <= yesterday
    assert {row.sampled_on for row in SpotCheck.select()} == {date(2026, 12, 2)}


def test_only_closed_entries_are_sampled(member):
    """An entry still open is verified only because its check-in raised no doubt: its
    check-out may yet flag it, and its hours and register fields are not there to check."""
    closed = entries(member, "2026-12-01T09:00", 3)
    entries(member, "2026-12-01T20:00", 3, closed=False)  # still checked in at 08:00
    result = sample_spot_checks(MORNING, 1.0, "secret", QUIET)
    assert result == {"day": "2026-12-01", "verified": 3, "sampled": 3}
    assert sampled() == closed
    (notice,) = Notification.select()
    assert notice.payload["record_ids"] == sorted(closed)


def test_yesterday_is_the_shanghai_day(member):
    inside = entries(member, "2026-12-01T00:00", 1) | entries(member, "2026-12-01T23:59", 1)
    entries(member, "2026-11-30T23:59", 1)
    entries(member, "2026-12-02T00:00", 1)
    sample_spot_checks(MORNING, 1.0, "secret", QUIET)
    assert sampled() == inside


def test_at_least_one_when_there_are_any_and_none_from_nothing(member):
    assert sample_spot_checks(MORNING, 0.05, "secret", QUIET)["sampled"] == 0
    assert Notification.select().count() == 0
    entries(member, "2026-12-01T10:00", 3)
    later = shanghai("2026-12-02T09:00")
    assert sample_spot_checks(later, 0.05, "secret", QUIET)["sampled"] == 1


def test_running_twice_a_day_adds_nothing(member):
    entries(member, "2026-12-01T10:00", 20)
    sample_spot_checks(MORNING, 0.25, "secret", QUIET)
    first = sampled()
    entries(member, "2026-12-01T11:00", 20)  # verified later in the day: the sample stands
    again = sample_spot_checks(shanghai("2026-12-02T15:00"), 0.25, "secret", QUIET)
    assert again == {"day": "2026-12-01", "already_sampled": len(first)}
    assert sampled() == first
    assert Notification.select().count() == 1


def test_the_office_is_told(member):
    entries(member, "2026-12-01T10:00", 10)
    sample_spot_checks(MORNING, 0.2, "secret", QUIET)
    note = Notification.get()
    assert note.member_id is None and note.kind == "spot_check"
    assert note.dedupe_key == "spot_check:2026-12-02"
    assert sorted(note.payload["record_ids"]) == sorted(sampled())
    assert note.payload["lines"]["抽取记录"] == "2 条（12月1日已核验 10 条）"
    # the inbox keeps the message: read a day later, 今日抽查 would name the wrong day
    assert note.payload["title"] == "12月2日抽查"


def test_each_day_draws_its_own_random_sample(member):
    first = entries(member, "2026-12-01T10:00", 30)
    second = entries(member, "2026-12-02T10:00", 30)
    sample_spot_checks(MORNING, 0.2, "secret", QUIET)
    sample_spot_checks(shanghai("2026-12-03T08:00"), 0.2, "secret", QUIET)
    by_day = {}
    for row in SpotCheck.select():
        by_day.setdefault(row.sampled_on, set()).add(row.record_id)
    assert by_day[date(2026, 12, 2)] <= first and by_day[date(2026, 12, 3)] <= second
    assert len(by_day[date(2026, 12, 2)]) == len(by_day[date(2026, 12, 3)]) == 6


def test_the_pick_is_random_but_repeatable():
    pool = list(range(1, 101))
    draws = [pick(pool, 0.1, f"secret:day{n}") for n in range(30)]
    assert all(len(draw) == 10 and set(draw) <= set(pool) for draw in draws)
    assert len({tuple(draw) for draw in draws}) == 30  # every day differs
    assert len(set().union(*draws)) > 80  # not stuck on a few entries
    assert pick(pool, 0.1, "secret:day1") == draws[1]  # a repeat picks the same
    assert pick(list(reversed(pool)), 0.1, "secret:day1") == draws[1]  # whatever the order
    assert pick(pool, 0.1, "other:day1") != draws[1]  # the secret matters
