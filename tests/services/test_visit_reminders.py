"""Visit reminders: who is overdue, the member's cadence, the leader's digest, one message per
period however often the job runs, and a query count that does not grow with the roster."""

import threading
from datetime import date, datetime, time, timedelta

import pytest

from jobs.visits import visit_reminders
from models import Member, Notification, Pairing, db
from services import clock
from services.visit_reminders import LEADER_KIND, MEMBER_KIND, remind_overdue_visits
from tests.factories import make_household, make_member, make_record, make_team, pair
from tests.statements import count_queries

INTERVAL, REPEAT = 30, 7
PAIRED = date(2026, 1, 1)


def at(day: date, hour: int = 10) -> datetime:
    """A Shanghai wall-clock time on that day, as the naive UTC services take."""
    return clock.to_utc(datetime.combine(day, time(hour)))


def run(day: date, quiet_hours: str = "off"):
    return remind_overdue_visits(at(day), INTERVAL, REPEAT, quiet_hours)


def visit(member, on: date, status: str = "verified", hour: int = 10, household=None):
    household = household or Pairing.get(Pairing.member == member.id).household
    return make_record(
        member, kind="visit", household=household, checkin_at=at(on, hour), status=status
    )


def reminders(member=None) -> list[Notification]:
    query = Notification.select().where(Notification.kind == MEMBER_KIND)
    if member is not None:
        query = query.where(Notification.member == member.id)
    return list(query.order_by(Notification.id))


def leader_messages() -> list[Notification]:
    query = Notification.select().where(Notification.kind == LEADER_KIND)
    return list(query.order_by(Notification.id))


@pytest.fixture
def team(database):
    return make_team()


@pytest.fixture
def leader(team):
    return team.members.where(Member.role == "leader").get()


@pytest.fixture
def alice(team):
    member = make_member(name="王丽", team=team)
    pair(member, make_household(community=team.community, head_name="张桂兰"), PAIRED)
    return member


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (date(2026, 1, 31), False),  # 30 days after pairing: due today, not yet overdue
        (date(2026, 2, 1), True),  # 31 days: overdue
    ],
)
def test_never_visited_counts_from_the_pairing_start(alice, today, due):
    assert run(today).reminded == int(due)


@pytest.mark.parametrize(
    ("last_visit", "hour", "due"),
    [
        (date(2026, 3, 1), 10, False),  # 30 days before 31 March
        (date(2026, 2, 28), 10, True),  # 31 days
        (date(2026, 3, 1), 0, False),  # 00:30 on 1 March in Shanghai is still 1 March
        (date(2026, 2, 28), 23, True),  # 23:00 on 28 February is still 28 February
    ],
)
def test_overdue_after_the_interval_in_shanghai_days(alice, last_visit, hour, due):
    visit(alice, last_visit, hour=hour)
    assert run(date(2026, 3, 31)).reminded == int(due)


@pytest.mark.parametrize(
    ("status", "counts"),
    [("pending", True), ("flagged", True), ("verified", True), ("rejected", False)],
)
def test_any_visit_but_a_rejected_one_counts(alice, status, counts):
    visit(alice, date(2026, 3, 20), status=status)
    assert run(date(2026, 4, 1)).reminded == int(not counts)


def test_visits_elsewhere_or_by_someone_else_do_not_count(team, alice):
    household = Pairing.get(Pairing.member == alice.id).household
    visit(alice, date(2026, 3, 20), household=make_household(community=team.community))
    visit(make_member(team=team), date(2026, 3, 20), household=household)
    assert run(date(2026, 4, 1)).reminded == 1


def test_the_reminder_says_what_and_where(alice):
    visit(alice, date(2026, 2, 1))
    run(date(2026, 3, 10))
    (row,) = reminders(alice)
    assert row.payload == {
        "title": "结对家庭走访提醒",
        "lines": {
            "结对家庭": "张**家",
            "上次走访": "2026年2月1日",
            "已间隔": "37天",
            "温馨提示": "请抽空走访结对家庭，了解近况",
        },
        "page": "pages/visit/index",
    }
    assert row.status == "pending" and not row.urgent


def test_reminded_again_every_repeat_days(alice):
    for offset in range(60):  # the job runs daily from 1 February to 1 April
        run(date(2026, 2, 1) + timedelta(days=offset))
    sent_on = [clock.local_today(r.created_at) for r in reminders(alice)]
    first = date(2026, 2, 1)
    assert sent_on == [first + timedelta(days=REPEAT * n) for n in range(9)]


def test_a_run_after_downtime_sends_only_the_current_period(alice):
    run(date(2026, 2, 1))
    run(date(2026, 2, 20))  # the job was down: periods 1 and 2 passed unsent
    assert [r.dedupe_key.rsplit(":", 1)[1] for r in reminders(alice)] == ["0", "2"]


def test_a_visit_starts_a_new_series(alice):
    run(date(2026, 2, 1))
    visit(alice, date(2026, 2, 3))
    assert run(date(2026, 2, 4)).reminded == 0
    assert run(date(2026, 3, 5)).reminded == 0  # 30 days after the visit
    assert run(date(2026, 3, 6)).reminded == 1
    assert len(reminders(alice)) == 2


def test_a_second_run_the_same_day_adds_nothing(alice):
    first = run(date(2026, 4, 1))
    again = remind_overdue_visits(at(date(2026, 4, 1), 18), INTERVAL, REPEAT, "off")
    assert (first.reminded, first.leader_messages) == (1, 1)
    assert (again.overdue, again.reminded, again.leader_messages) == (1, 0, 0)
    assert Notification.select().count() == 2


def test_two_runners_at_once_write_each_message_once(database, database_url, team, alice):
    make_member(team=team)  # a second overdue member
    pair(Member.select().order_by(Member.id.desc()).get(), started_on=PAIRED)
    barrier, errors = threading.Barrier(2), []

    def runner():
        try:
            with db.connection_context():
                barrier.wait()
                run(date(2026, 4, 1))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(reminders()) == 2 and len(leader_messages()) == 1


def test_the_leader_hears_after_twice_the_interval(leader, alice):
    assert run(date(2026, 3, 2)).escalated == 0  # 60 days since pairing
    outcome = run(date(2026, 3, 3))  # 61 days
    assert (outcome.escalated, outcome.leader_messages) == (1, 1)
    (message,) = leader_messages()
    assert message.member_id == leader.id
    assert message.payload["lines"]["逾期队员"] == "王丽（61天未走访）"
    assert message.payload["lines"]["说明"] == "超过60天未走访结对家庭"


def test_one_digest_per_leader_on_each_new_crossing_then_weekly(team, leader, alice):
    bob = make_member(name="李强", team=team)
    pair(bob, started_on=date(2026, 1, 3))  # crosses two days after alice
    for offset in range(12):
        run(date(2026, 3, 3) + timedelta(days=offset))
    sent = [
        (clock.local_today(m.created_at), m.payload["lines"]["人数"]) for m in leader_messages()
    ]
    assert sent == [
        (date(2026, 3, 3), "1人"),  # alice crosses
        (date(2026, 3, 5), "2人"),  # bob crosses: one message naming both
        (date(2026, 3, 12), "2人"),  # a week after the newest crossing
    ]
    assert {m.member_id for m in leader_messages()} == {leader.id}


def test_inactive_members_and_ended_pairings_are_left_alone(team, alice):
    Member.update(active=False).where(Member.id == alice.id).execute()
    ended = make_member(team=team)
    pair(ended, started_on=PAIRED)
    Pairing.update(ended_on=date(2026, 2, 1)).where(Pairing.member == ended.id).execute()
    outcome = run(date(2026, 4, 1))
    assert (outcome.overdue, outcome.reminded) == (0, 0)


def test_without_a_team_or_a_leader_the_office_hears(database):
    loner = make_member(name="赵敏")
    pair(loner, make_household(), PAIRED)
    leaderless = make_team()
    Member.update(active=False).where(Member.team == leaderless.id).execute()
    orphan = make_member(name="钱多", team=leaderless)
    pair(orphan, started_on=PAIRED)
    outcome = run(date(2026, 4, 1))
    assert (outcome.reminded, outcome.leader_messages) == (2, 2)
    assert {m.member_id for m in leader_messages()} == {None}
    lists = sorted(m.payload["lines"]["逾期队员"] for m in leader_messages())
    assert lists == ["赵敏（90天未走访）", "钱多（90天未走访）"]


def test_quiet_hours_hold_reminders_until_morning(alice):
    remind_overdue_visits(at(date(2026, 4, 1), 22), INTERVAL, REPEAT, "21:00-08:00")
    (row,) = reminders(alice)
    assert row.next_attempt_at == at(date(2026, 4, 2), 8)


def world(teams: int, members_per_team: int) -> None:
    """Teams whose members are all overdue, half never visited, half visited long ago."""
    for _ in range(teams):
        team = make_team()
        for n in range(members_per_team):
            member = make_member(team=team)
            pair(member, started_on=PAIRED)
            if n % 2:
                visit(member, date(2026, 1, 5))


@pytest.mark.parametrize("size", [(2, 3), (8, 6)])
def test_the_query_count_does_not_grow_with_the_roster(database, size):
    world(*size)
    with count_queries() as first:
        outcome = run(date(2026, 4, 1))
    assert outcome.overdue == size[0] * size[1]
    with count_queries() as again:
        run(date(2026, 4, 1))
    # Three reads (overdue pairings, keys written this period, leaders), then one insert per
    # enqueue (BEGIN and COMMIT are not statements peewee runs).
    # Run again, everything is already written: the three reads alone.
    assert (len(first), len(again)) == (3 + 1 + 1, 3)


def test_the_daily_job_takes_its_rules_from_the_settings(app):
    member = make_member(team=make_team())
    pair(member, started_on=PAIRED)
    with app.app_context():
        outcome = visit_reminders(at(date(2026, 2, 1)))
    assert outcome == {"overdue": 1, "reminded": 1, "escalated": 0, "leader_messages": 0}
