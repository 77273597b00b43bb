"""A member's own figures: Shanghai quarters, the hours rule, visits and what is open."""

import logging
import math
from datetime import date, datetime, timedelta

import pytest

from models import Pairing
from services import checkin
from services.actors import Actor
from services.checkin_rules import CheckinRules, Point
from services.errors import Conflict
from services.summary import KindStats, hours, hours_adding_up, member_summary
from services.visit_reminders import overdue_members
from tests.factories import (
    make_activity,
    make_household,
    make_member,
    make_record,
    make_team,
    pair,
)
from tests.images import jpeg

NOW = datetime(2026, 4, 15, 2, 0)  # 10:00 on 15 April in Shanghai: Q2 2026
INTERVAL = 30
FILLED = {"content": "清理楼道杂物", "target": "3号楼住户", "outcome": "楼道整洁"}


@pytest.fixture
def member(database):
    return make_member(team=make_team())


def served(member, checkin_at, minutes=60, status="verified", kind="individual", **kw):
    """A checked-out, filled-in entry (the kind that counts) unless kw says otherwise."""
    fields = FILLED | {"checkout_at": checkin_at + timedelta(minutes=minutes)} | kw
    return make_record(
        member,
        checkin_at=checkin_at,
        kind=kind,
        duration_minutes=minutes,
        status=status,
        **fields,
    )


def summary(member, now=NOW):
    return member_summary(member, now, INTERVAL)


@pytest.mark.parametrize(
    ("checkin_at", "in_quarter", "in_year"),
    [
        (datetime(2026, 3, 31, 17, 0), True, True),  # 1 April 01:00 in Shanghai: Q2
        (datetime(2026, 3, 31, 15, 59), False, True),  # 31 March 23:59 in Shanghai: Q1
        (datetime(2026, 6, 30, 15, 59), True, True),  # 30 June 23:59: still Q2
        (datetime(2026, 6, 30, 16, 0), False, True),  # 1 July 00:00: Q3
        (datetime(2025, 12, 31, 16, 0), False, True),  # 1 January 2026 00:00 in Shanghai
        (datetime(2025, 12, 31, 15, 59), False, False),  # still 2025 in Shanghai
        (datetime(2026, 12, 31, 16, 0), False, False),  # 2027 in Shanghai
    ],
)
def test_periods_follow_shanghai_calendar(member, checkin_at, in_quarter, in_year):
    served(member, checkin_at, minutes=90)
    s = summary(member)
    assert (s.quarter.services, s.quarter.hours) == ((1, 1.5) if in_quarter else (0, 0.0))
    assert (s.year.services, s.year.hours) == ((1, 1.5) if in_year else (0, 0.0))


def test_period_bounds_are_shanghai_dates(member):
    s = summary(member, now=datetime(2026, 3, 31, 16, 30))  # 1 April 00:30 in Shanghai
    assert (s.as_of, s.quarter.year, s.quarter.quarter) == (date(2026, 4, 1), 2026, 2)
    assert (s.quarter.starts_on, s.quarter.ends_on) == (date(2026, 4, 1), date(2026, 6, 30))
    assert (s.year.quarter, s.year.starts_on, s.year.ends_on) == (
        None,
        date(2026, 1, 1),
        date(2026, 12, 31),
    )


@pytest.mark.parametrize(
    ("overrides", "counts"),
    [
        ({}, True),
        ({"status": "pending"}, True),
        ({"status": "flagged"}, True),
        ({"status": "rejected"}, False),
        ({"checkout_at": None}, False),
        ({"content": ""}, False),
        ({"target": ""}, False),
        ({"outcome": ""}, False),
        ({"content": "   "}, False),
    ],
)
def test_only_entries_that_count_toward_hours_are_counted(member, overrides, counts):
    served(member, NOW - timedelta(days=1), minutes=120, **overrides)
    s = summary(member)
    expected = (1, 2.0) if counts else (0, 0.0)
    assert (s.quarter.services, s.quarter.hours) == expected
    assert (s.year.services, s.year.hours) == expected


def test_flagged_entries_count_and_are_reported_as_pending_review(member):
    served(member, NOW - timedelta(days=1), minutes=60)
    served(member, NOW - timedelta(days=2), minutes=30, status="flagged")
    served(member, NOW - timedelta(days=3), minutes=30, status="flagged", outcome="")
    s = summary(member)
    assert (s.quarter.services, s.quarter.hours) == (2, 1.5)
    assert s.quarter.pending_review == KindStats(1, 0.5, 30)  # the unfilled one does not count
    assert s.flagged_awaiting_review == 2  # but it still awaits the leader


def test_a_leaders_registration_waiting_for_the_office_is_pending_review_too(member):
    """It counts toward hours but may still be rejected, like a flagged entry; it is not
    flagged (no check-in raised a doubt), so the chat's 等待队长审核 line leaves it out."""
    served(member, NOW - timedelta(days=1), minutes=60, status="pending", source="leader")
    served(member, NOW - timedelta(days=2), minutes=30, status="flagged")
    s = summary(member)
    assert s.quarter.pending_review == KindStats(2, 1.5, 90)
    assert s.flagged_awaiting_review == 1


def test_breakdown_by_kind(member):
    day = NOW - timedelta(days=1)
    served(member, day, minutes=120, kind="activity")
    served(member, day - timedelta(days=1), minutes=60, kind="activity")
    served(member, day - timedelta(days=2), minutes=45, kind="visit")
    served(member, datetime(2026, 2, 1), minutes=30, kind="individual")  # Q1
    s = summary(member)
    assert s.quarter.by_kind == {
        "activity": KindStats(2, 3.0, 180),
        "visit": KindStats(1, 0.8, 45),
        "individual": KindStats(0, 0.0, 0),
    }
    assert s.year.by_kind["individual"] == KindStats(1, 0.5, 30)
    assert (s.year.services, s.year.hours, s.year.minutes) == (4, 4.3, 255)


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(0, 0.0), (None, 0.0), (3, 0.1), (15, 0.3), (45, 0.8), (60, 1.0), (100, 1.7)],
)
def test_hours_round_half_up_to_one_decimal(minutes, expected):
    assert hours(minutes) == expected


def test_hours_total_is_rounded_once_not_summed_from_rounded_parts(member):
    for days in (1, 2, 3):
        served(member, NOW - timedelta(days=days), minutes=20)
    assert summary(member).quarter.hours == 1.0  # not 3 × 0.3


def test_the_hours_by_kind_add_up_to_the_periods_hours(member):
    """Activity 190 min and a visit of 45 min: 3.2 h and 0.8 h each alone, but 3.9 h (235
    min) together. The screen shows 3.2 + 0.7 = 3.9, with the exact minutes beside them."""
    served(member, NOW - timedelta(days=1), minutes=190, kind="activity")
    served(member, NOW - timedelta(days=2), minutes=45, kind="visit")
    q = summary(member).quarter
    assert (q.hours, q.minutes) == (3.9, 235)
    assert q.by_kind == {
        "activity": KindStats(1, 3.2, 190),
        "visit": KindStats(1, 0.7, 45),
        "individual": KindStats(0, 0.0, 0),
    }


@pytest.mark.parametrize(
    "minutes",
    [
        {"activity": 190, "visit": 45, "individual": 0},
        {"activity": 20, "visit": 20, "individual": 20},  # 0.3 each alone, 1.0 together
        {"activity": 3, "visit": 3, "individual": 3},  # 0.1 each alone, 0.2 together
        {"activity": 57, "visit": 57, "individual": 57},
        {"activity": 0, "visit": 0, "individual": 0},
        {"activity": 1, "visit": 0, "individual": 0},
    ],
)
def test_hours_adding_up_stay_within_a_tenth_of_each_part(minutes):
    shown = hours_adding_up(minutes)
    assert round(sum(shown.values()), 1) == hours(sum(minutes.values()))
    for part, m in minutes.items():
        assert abs(shown[part] - m / 60) < 0.1
        assert shown[part] in (math.floor(m / 6) / 10, math.ceil(m / 6) / 10)


def test_hours_adding_up_for_every_split_of_a_few_hours():
    for a in range(0, 200, 7):
        for b in range(0, 200, 11):
            for c in range(0, 50):
                shown = hours_adding_up({"activity": a, "visit": b, "individual": c})
                assert round(sum(shown.values()), 1) == hours(a + b + c), (a, b, c)


def test_other_members_entries_are_not_mine(member):
    other = make_member(team=member.team)
    served(other, NOW - timedelta(days=1))
    make_record(other, checkin_at=NOW - timedelta(hours=1))
    s = summary(member)
    assert (s.year.services, s.flagged_awaiting_review, s.open_checkins) == (0, 0, ())


def test_visits_count_every_visit_not_rejected_filled_or_not(member):
    household = pair(member).household
    visit = {"kind": "visit", "household": household}
    served(member, NOW - timedelta(days=1), **visit)
    served(member, NOW - timedelta(days=2), content="", **visit)  # not filled: no hours
    served(member, NOW - timedelta(days=3), status="rejected", **visit)
    served(member, datetime(2026, 2, 1), **visit)  # Q1
    s = summary(member)
    assert (s.quarter.visits, s.year.visits) == (2, 3)
    assert s.quarter.by_kind["visit"].services == 1


def test_a_double_tapped_visit_counts_once_here_and_for_the_reminders(member, tmp_path):
    """Two taps on 走访 (two request ids): one visit in the quarter, and the screen's next due
    day is the one the reminders use (services.visit_reminders)."""
    pair(member, started_on=date(2026, 1, 1))
    actor, point = Actor(member=member), Point(34.7466, 113.6253, "gcj02", 10)

    def tap(request_id: str, seed: int):
        rules = CheckinRules()
        return checkin.check_in(actor, "visit", point, jpeg(seed), request_id, NOW, rules, tmp_path)

    tap("tap-1", 1)
    with pytest.raises(Conflict):
        tap("tap-2", 2)
    s = summary(member)
    assert (s.quarter.visits, s.year.visits) == (1, 1)
    assert (s.visits.last_visit_on, s.visits.next_visit_due) == (
        date(2026, 4, 15),
        date(2026, 5, 15),
    )
    due_day = s.visits.next_visit_due
    assert overdue_members(due_day, INTERVAL) == []  # due that day, not yet overdue
    (reminded,) = overdue_members(due_day + timedelta(days=1), INTERVAL)
    assert (reminded.last_visit_on, reminded.due_on) == (date(2026, 4, 15), due_day)


def test_never_visited_is_due_from_the_pairing_start(member):
    pair(member, started_on=date(2026, 3, 1))
    v = summary(member).visits
    assert (v.paired, v.paired_since, v.last_visit_on) == (True, date(2026, 3, 1), None)
    assert (v.next_visit_due, v.overdue, v.interval_days) == (date(2026, 3, 31), True, INTERVAL)


@pytest.mark.parametrize(
    ("visited_at", "last_on", "due", "overdue"),
    [
        (datetime(2026, 4, 1, 2, 0), date(2026, 4, 1), date(2026, 5, 1), False),
        # 16 March 01:00 in Shanghai: due 15 April, which is today, so not overdue yet
        (datetime(2026, 3, 15, 17, 0), date(2026, 3, 16), date(2026, 4, 15), False),
        (datetime(2026, 3, 15, 15, 0), date(2026, 3, 15), date(2026, 4, 14), True),
    ],
)
def test_next_visit_is_due_an_interval_after_the_last(member, visited_at, last_on, due, overdue):
    household = pair(member, started_on=date(2026, 1, 1)).household
    make_record(
        member, checkin_at=visited_at - timedelta(days=20), kind="visit", household=household
    )
    make_record(member, checkin_at=visited_at, kind="visit", household=household)
    v = summary(member).visits
    assert (v.last_visit_on, v.next_visit_due, v.overdue) == (last_on, due, overdue)


def test_last_visit_is_to_the_current_household_and_not_rejected(member):
    old = pair(member, started_on=date(2025, 6, 1))
    make_record(member, checkin_at=datetime(2026, 4, 10), kind="visit", household=old.household)
    Pairing.update(ended_on=date(2026, 4, 11)).where(Pairing.id == old.id).execute()
    current = pair(member, started_on=date(2026, 4, 12)).household
    make_record(
        member, checkin_at=datetime(2026, 4, 13), kind="visit", household=current, status="rejected"
    )
    other = make_member(team=member.team)
    make_record(other, checkin_at=datetime(2026, 4, 14), kind="visit", household=current)
    v = summary(member).visits
    assert (v.household_id, v.last_visit_on) == (current.id, None)
    assert v.next_visit_due == date(2026, 5, 12)


def test_unpaired_member_has_no_visit_due(member):
    make_household(community=member.team.community)  # a household, but not paired
    v = summary(member).visits
    assert (v.paired, v.household_id, v.next_visit_due, v.overdue) == (False, None, None, False)


def test_open_checkins_are_listed_oldest_first(member):
    activity = make_activity(member.team, starts_at=NOW - timedelta(hours=1), title="义诊")
    first = make_record(member, checkin_at=NOW - timedelta(days=2))
    second = make_record(member, activity=activity, checkin_at=NOW - timedelta(minutes=50))
    make_record(member, checkin_at=NOW - timedelta(days=3), status="rejected")
    served(member, NOW - timedelta(days=1))  # checked out
    opened = summary(member).open_checkins
    assert [o.record_id for o in opened] == [first.id, second.id]
    assert (opened[0].kind, opened[0].activity_id, opened[0].activity_title) == (
        "individual",
        None,
        None,
    )
    assert (opened[1].activity_id, opened[1].activity_title) == (activity.id, "义诊")
    assert opened[1].checkin_at == NOW - timedelta(minutes=50)


def _queries(caplog, member) -> int:
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        summary(member)
    return sum(1 for r in caplog.records if r.name == "peewee")


def test_aggregated_in_a_few_queries_whatever_the_number_of_entries(member, caplog):
    household = pair(member).household
    served(member, NOW - timedelta(days=1), kind="visit", household=household)
    few = _queries(caplog, member)
    for days in range(2, 42):
        served(member, NOW - timedelta(days=days), kind="visit", household=household)
        make_record(member, checkin_at=NOW - timedelta(days=days, hours=3), status="flagged")
    assert _queries(caplog, member) == few <= 6
