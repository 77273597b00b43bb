"""Why a member's 签退 with nothing open cannot be done (services.checkin.latest_refusal): the
entry settled most recently, since yesterday began, by when it was closed or rejected, not by
when it was checked in. The times are fixed: today is 29 November 2026 in Shanghai."""

from datetime import datetime, timedelta

import pytest

from models import ServiceRecord
from services import clock, history, review
from services.actors import Actor
from services.checkin import AUTO_CLOSED, check_out, latest_refusal
from services.checkin_closing import OFFICE_CLOSED, ClosingRules, close_open_checkins
from services.errors import Conflict
from tests.factories import QUIET, RULES, make_activity, make_member, make_team, office_actor

OFFICE_REJECTED = "该记录未通过审核，不能再修改；如有异议请联系办公室。"
# A programme whose longest service is three days: a three-day activity is closed at its end.
LONG = ClosingRules(max_open=timedelta(hours=72))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time in November 2026, as the naive UTC stored."""
    return clock.to_utc(datetime(2026, 11, day, hour, minute))


NOW = at(29, 10)


@pytest.fixture
def team(database):
    return make_team()


@pytest.fixture
def member(team):
    return make_member(team=team)


def checked_in(member, when: datetime, activity=None) -> ServiceRecord:
    """An open entry with its first history line, as the check-in service leaves it."""
    kind = "activity" if activity else "individual"
    record = ServiceRecord.create(
        member=member,
        kind=kind,
        activity=activity,
        checkin_at=when,
        source="mp",
        status="verified",
        created_at=when,
        updated_at=when,
    )
    history.append(record, Actor(member=member).label, "checkin", when, {})
    return record


def three_day_entry(member, team) -> ServiceRecord:
    """An entry of an activity from the 26th, 09:00, to the 28th, 21:00, checked in on the 26th."""
    activity = make_activity(team, starts_at=at(26, 9), hours=60, title="三日义诊")
    return checked_in(member, at(26, 9, 5), activity)


def office_closes(record: ServiceRecord, when: datetime, minutes: int = 120) -> None:
    """The office sets the hours of an open entry, which ends its check-in."""
    review.correct(
        office_actor(f"office-{record.id}"),
        record.id,
        when,
        reason="核定",
        quiet_hours=QUIET,
        rules=RULES,
        duration_minutes=minutes,
    )


def office_words(minutes: int) -> str:
    return OFFICE_CLOSED.format(minutes=minutes)


@pytest.mark.parametrize(
    ("rules", "closed_at"),
    [
        (LONG, at(29, 0, 30)),  # at the activity's end (21:00) and three hours more
        (ClosingRules(), at(29, 8)),  # no time counted, by a job that was not running till now
    ],
)
def test_a_several_day_activity_closed_by_the_system_today_is_named(member, team, rules, closed_at):
    """The tester's case: checked in three days ago, closed by the system this morning."""
    record = three_day_entry(member, team)
    assert close_open_checkins(closed_at, rules) != {"activity": 0, "open_ended": 0}
    assert latest_refusal(member.id, NOW) == (record, AUTO_CLOSED)


def test_an_entry_the_office_closed_today_is_named_however_long_ago_it_began(member):
    record = checked_in(member, at(24, 9))
    office_closes(record, at(29, 9))
    assert latest_refusal(member.id, NOW) == (record, office_words(120))


@pytest.mark.parametrize(
    ("closed_at", "named"),
    [
        (at(26, 9), False),  # three days ago
        (at(27, 23, 59), False),  # the day before yesterday, at its end
        (at(28, 0, 1), True),  # yesterday, as it began
    ],
)
def test_an_entry_the_system_closed_before_yesterday_is_not_named(member, closed_at, named):
    """One closed days ago would answer every 签退 for ever, even after a check-in that failed
    today; one closed since yesterday began is what the 签退 meant."""
    record = checked_in(member, closed_at - timedelta(hours=13))
    close_open_checkins(closed_at, ClosingRules())
    assert latest_refusal(member.id, NOW) == ((record, AUTO_CLOSED) if named else None)


def test_the_entry_closed_last_is_named_not_the_one_checked_in_last(member, team):
    """Yesterday's service, closed by the office yesterday, and the three-day activity the
    system closed this morning: the 签退 is about the one closed last."""
    three_days = three_day_entry(member, team)
    office_closes(checked_in(member, at(28, 8)), at(28, 12))
    close_open_checkins(at(29, 0, 30), LONG)
    assert latest_refusal(member.id, NOW) == (three_days, AUTO_CLOSED)


def test_after_ones_own_check_out_nothing_is_refused(member, team):
    """The member checked out of the three-day activity themselves last night, after the
    office closed yesterday's other service: a 签退 now is theirs retried, not about that."""
    three_days = three_day_entry(member, team)
    office_closes(checked_in(member, at(28, 8)), at(28, 12))
    check_out(Actor(member=member), three_days.id, None, at(28, 20))
    assert latest_refusal(member.id, NOW) is None


def test_ones_own_check_out_alone_is_nothing_refused(member, team):
    record = three_day_entry(member, team)
    check_out(Actor(member=member), record.id, None, at(29, 9))
    assert latest_refusal(member.id, NOW) is None


@pytest.mark.parametrize(("rejected_at", "named"), [(at(29, 9), True), (at(26, 12), False)])
def test_a_rejected_entry_still_open_is_named_by_when_it_was_rejected(
    member, team, rejected_at, named
):
    record = three_day_entry(member, team)
    review.review(office_actor(), record.id, "reject", "照片不清", rejected_at, QUIET)
    assert latest_refusal(member.id, NOW) == ((record, OFFICE_REJECTED) if named else None)


def test_a_rejected_entry_still_open_comes_before_one_closed_later(member, team):
    """What a 签退 can still be about is the check-in the member thinks open."""
    record = three_day_entry(member, team)
    review.review(office_actor(), record.id, "reject", "照片不清", at(29, 8), QUIET)
    office_closes(checked_in(member, at(29, 6)), at(29, 9), minutes=60)
    assert latest_refusal(member.id, NOW) == (record, OFFICE_REJECTED)


def test_other_members_entries_are_not_named(member, team):
    office_closes(checked_in(make_member(team=team), at(29, 6)), at(29, 9), minutes=60)
    assert latest_refusal(member.id, NOW) is None


def test_the_refusal_is_the_one_check_out_raises(member, team):
    """The chat says what the mini-program hears of the same entry."""
    record = three_day_entry(member, team)
    close_open_checkins(at(29, 0, 30), LONG)
    with pytest.raises(Conflict) as refused:
        check_out(Actor(member=member), record.id, None, NOW)
    assert latest_refusal(member.id, NOW) == (record, refused.value.message)


def test_only_entries_updated_since_yesterday_are_read(member):
    """A member's history lines have no index on their time, so the entries are bounded by
    their updated_at too: every service that writes a line sets it to the line's time, so an
    entry not updated since yesterday has no line since and its years of history are not
    read. Shown with an entry closed today whose updated_at is set back by hand (no service
    does): its line of today is not read."""
    record = checked_in(member, at(24, 9))
    office_closes(record, at(29, 9))
    assert latest_refusal(member.id, NOW) == (record, office_words(120))
    set_back = ServiceRecord.update(updated_at=at(27, 23, 59))
    set_back.where(ServiceRecord.id == record.id).execute()
    assert latest_refusal(member.id, NOW) is None
