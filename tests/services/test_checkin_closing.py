"""Check-ins nobody closed are closed by the system: at the activity's end (or the longest a
service may last), flagged for the leader, written into the register's history, the member
told; once only."""

from datetime import timedelta

import pytest

from models import Notification, RecordHistory, ServiceRecord
from services import history
from services.checkin_closing import ClosingRules, close_open_checkins
from services.history import verify_all
from tests.factories import NOW, make_activity, make_household, make_member, make_record, make_team

RULES = ClosingRules(after_end=timedelta(hours=3), max_open=timedelta(hours=12))
START = NOW  # the activity: 10:00-12:00 Shanghai
END = NOW + timedelta(hours=2)


def checked_in(member, at, **kw) -> ServiceRecord:
    """An open entry with its first history line, as the check-in service leaves it."""
    record = make_record(member, checkin_at=at, status=kw.pop("status", "verified"), **kw)
    history.append(record, f"member:{member.id}", "checkin", at, {})
    return record


@pytest.fixture
def team(database):
    return make_team()


@pytest.fixture
def activity(team):
    return make_activity(team, starts_at=START, hours=2, title="义诊")


def reload(record) -> ServiceRecord:
    return ServiceRecord.get_by_id(record.id)


def test_an_activity_entry_left_open_is_closed_at_the_end_and_flagged(team, activity):
    member = make_member(team=team)
    record = checked_in(member, START + timedelta(minutes=5), activity=activity)
    assert close_open_checkins(END + timedelta(hours=2, minutes=59), RULES)["activity"] == 0
    later = END + timedelta(hours=3, minutes=1)
    assert close_open_checkins(later, RULES) == {"activity": 1, "open_ended": 0}
    record = reload(record)
    assert record.checkout_at == END
    assert record.duration_minutes == 115
    assert record.status == "flagged" and record.flags == ["auto_checkout"]
    last = record.history.order_by(RecordHistory.seq.desc()).first()
    assert (last.actor, last.action) == ("system", "auto_checkout")
    assert "自动签退" in last.reason
    assert verify_all() == []  # the chain holds: the change went through the history


def test_the_member_is_told_once(team, activity):
    member = make_member(team=team)
    record = checked_in(member, START, activity=activity)
    later = END + timedelta(hours=4)
    close_open_checkins(later, RULES)
    assert close_open_checkins(later + timedelta(minutes=15), RULES) == {
        "activity": 0,
        "open_ended": 0,
    }
    notice = Notification.get(Notification.member == member)
    assert notice.kind == "checkin_closed"
    assert notice.dedupe_key == f"checkin_closed:{record.id}"
    assert notice.payload["lines"]["服务"] == "义诊"
    assert notice.payload["lines"]["签退时间"] == "11月29日 12:00"
    assert reload(record).history.count() == 2


def test_closed_entries_and_recent_ones_are_left_alone(team, activity):
    member = make_member(team=team)
    done = checked_in(member, START, activity=activity, checkout_at=END, duration_minutes=120)
    running = make_activity(team, starts_at=END + timedelta(hours=2), hours=2)
    still = checked_in(make_member(team=team), END + timedelta(hours=2), activity=running)
    assert close_open_checkins(END + timedelta(hours=4), RULES)["activity"] == 0
    assert reload(done).history.count() == 1
    assert reload(still).checkout_at is None


def test_a_late_check_in_after_the_end_closes_with_no_hours(team, activity):
    record = checked_in(make_member(team=team), END + timedelta(minutes=20), activity=activity)
    close_open_checkins(END + timedelta(hours=5), RULES)
    record = reload(record)
    assert record.checkout_at == record.checkin_at and record.duration_minutes == 0


@pytest.mark.parametrize("kind", ["visit", "individual"])
def test_a_visit_or_own_service_open_too_long_is_closed_with_no_time_counted(team, kind):
    member = make_member(team=team)
    household = make_household(community=team.community) if kind == "visit" else None
    record = checked_in(member, NOW, kind=kind, household=household)
    assert close_open_checkins(NOW + timedelta(hours=11, minutes=59), RULES)["open_ended"] == 0
    assert close_open_checkins(NOW + timedelta(hours=13), RULES)["open_ended"] == 1
    record = reload(record)
    assert record.checkout_at == NOW and record.duration_minutes == 0
    assert record.status == "flagged" and record.flags == ["auto_checkout"]
    assert "最长服务时长" in record.history.order_by(RecordHistory.seq.desc()).first().reason
    told = Notification.get(Notification.member == member).payload["lines"]["说明"]
    assert told.endswith("如需更正请联系办公室")  # only the office corrects hours


def test_an_activity_longer_than_a_service_closes_as_open_ended_with_no_time(team):
    campaign = make_activity(team, starts_at=START, hours=72, title="创城宣传周")
    record = checked_in(make_member(team=team), START + timedelta(hours=1), activity=campaign)
    assert close_open_checkins(START + timedelta(hours=12, minutes=59), RULES)["open_ended"] == 0
    closed = close_open_checkins(START + timedelta(hours=13, minutes=1), RULES)
    assert closed == {"activity": 0, "open_ended": 1}
    record = reload(record)
    assert record.checkout_at == record.checkin_at and record.duration_minutes == 0
    assert record.flags == ["auto_checkout"]


def test_a_short_activity_entry_waits_for_its_end_even_past_the_longest_service(team):
    long_day = make_activity(team, starts_at=START, hours=12, title="全天值守")
    record = checked_in(make_member(team=team), START - timedelta(minutes=20), activity=long_day)
    assert close_open_checkins(START + timedelta(hours=13), RULES)["activity"] == 0
    assert close_open_checkins(START + timedelta(hours=15, minutes=1), RULES)["activity"] == 1
    assert reload(record).duration_minutes == 12 * 60 + 20


def test_the_closing_writes_what_any_check_out_fills_in_by_itself(team, activity):
    """Closed by the system or by the member, an entry gets the same text from the programme,
    in the closing's own history line."""
    member = make_member(team=team)
    at_activity = checked_in(member, START, activity=activity)
    home = make_household(community=team.community, head_name="王秀英")
    visit = checked_in(member, NOW, kind="visit", household=home, content="了解老人近况")
    close_open_checkins(NOW + timedelta(hours=13), RULES)
    at_activity, visit = reload(at_activity), reload(visit)
    assert (at_activity.content, at_activity.target) == ("参加「义诊」", "")
    assert (visit.content, visit.target) == ("了解老人近况", "结对家庭 王**户")
    last = visit.history.order_by(RecordHistory.seq.desc()).first()
    assert last.action == "auto_checkout" and last.changes["target"] == ["", "结对家庭 王**户"]
    assert verify_all() == []


def test_earlier_flags_are_kept_and_a_rejected_entry_stays_rejected(team, activity):
    flagged = checked_in(
        make_member(team=team), START, activity=activity, status="flagged", flags=["out_of_range"]
    )
    rejected = checked_in(make_member(team=team), START, activity=activity, status="rejected")
    close_open_checkins(END + timedelta(hours=4), RULES)
    assert reload(flagged).flags == ["out_of_range", "auto_checkout"]
    assert reload(rejected).status == "rejected"
    assert verify_all() == []
