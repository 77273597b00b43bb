"""Quarterly reports: the figures on a small hand-built world, the daily job (drafts once,
deadline reminders once each, late and the office told), the leader's writing and submitting,
and query counts that do not grow with the number of teams."""

from datetime import date, datetime, time, timedelta

import pytest

from models import Account, Activity, Feedback, Member, Notification, Pairing, QuarterlyReport, Team
from services import broadcast, clock, spells
from services.actors import Actor
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.outbox_delivery import Policy
from services.report_deadlines import run_quarterly
from services.report_stats import deadline_of, parse_period, team_stats
from services.report_view import view_report
from services.report_writing import save_summary, submit_report
from services.reports import ReportRules, days_overdue, submitted_late
from tests.factories import (
    make_activity,
    make_household,
    make_member,
    make_record,
    make_team,
    pair,
    stay,
)
from tests.services.roster_files import away_and_back
from tests.statements import count_queries

RULES = ReportRules(deadline_days=10, interval_days=30)
FILLED = {"content": "清理楼道杂物", "target": "3号楼住户", "outcome": "楼道整洁"}


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time as the naive UTC services take."""
    return clock.to_utc(datetime.combine(day, time(hour, minute)))


def served(member, when, minutes=60, kind="individual", status="verified", **kw):
    """A checked-out, filled-in entry (one that counts toward hours) unless kw says otherwise."""
    fields = FILLED | {"checkout_at": when + timedelta(minutes=minutes)} | kw
    return make_record(
        member, checkin_at=when, kind=kind, duration_minutes=minutes, status=status, **fields
    )


def rate(rating, day=date(2026, 11, 20), moderation="approved", **target):
    kind = next(iter(target))
    return Feedback.create(
        target_kind=kind, rating=rating, moderation=moderation, created_at=at(day), **target
    )


def leader_of(team) -> Member:
    return team.members.where(Member.role == "leader").get()


class World:
    """Team A: leader, alice, bob, carol (inactive now, served in Q4); team B: dave."""

    def __init__(self):
        self.a, self.b = make_team(name="第一服务队"), make_team(name="第二服务队")
        self.leader = leader_of(self.a)
        self.alice = make_member(name="王丽", team=self.a)
        self.bob = make_member(name="李强", team=self.a)
        self.carol = make_member(name="陈静", team=self.a)
        self.dave = make_member(name="周杰", team=self.b)


@pytest.fixture
def world(database):
    w = World()
    held = make_activity(w.a, starts_at=at(date(2026, 11, 10), 9))
    make_activity(w.a, starts_at=at(date(2026, 11, 12), 9), status="cancelled")
    earlier = make_activity(w.a, starts_at=at(date(2026, 9, 20), 9))
    b_held = make_activity(w.b, starts_at=at(date(2026, 10, 8), 9))
    served(w.alice, at(date(2026, 11, 10), 9), 120, "activity", activity=held)
    served(w.bob, at(date(2026, 11, 10), 9), 60, "activity", "flagged", activity=held)
    make_record(w.leader, held, checkin_at=at(date(2026, 11, 10), 9))  # never checked out
    served(w.alice, at(date(2026, 9, 20), 9), 90, "activity", activity=earlier)  # Q3
    served(w.bob, at(date(2026, 12, 2)), 45)
    served(w.carol, at(date(2026, 10, 3)), 30)
    served(w.alice, at(date(2026, 12, 31), 23, 30), 60)  # 23:30 on 31 December: still Q4
    served(w.alice, at(date(2026, 9, 30), 23, 59), 60)  # Q3 in Shanghai
    served(w.alice, at(date(2027, 1, 1), 0, 10), 60)  # Q1 2027
    served(w.dave, at(date(2026, 10, 8), 9), 90, "activity", activity=b_held)
    spells.leave(w.carol.id, date(2026, 12, 1))

    home = make_household(community=w.a.community)
    pair(w.alice, home, date(2026, 1, 1))  # the whole quarter: 3 visits due
    pair(w.bob, started_on=date(2026, 11, 16))  # 46 days: 1 due
    pair(w.leader, started_on=date(2026, 1, 1))
    Pairing.update(ended_on=date(2026, 10, 20)).where(Pairing.member == w.leader.id).execute()
    make_record(w.alice, kind="visit", household=home, checkin_at=at(date(2026, 10, 5)))
    visit = dict(kind="visit", household=home, status="rejected")
    make_record(w.alice, checkin_at=at(date(2026, 11, 5)), **visit)

    rate(5, team=w.a)
    rate(4, member=w.alice)
    rate(3, activity=held)
    rate(1, moderation="rejected", team=w.a)
    rate(1, day=date(2026, 9, 30), team=w.a)
    rate(2, team=w.b)
    return w


NOW = at(date(2027, 1, 1))  # 10:00 on 1 January 2027 in Shanghai: Q4 2026 has just ended


def test_the_figures_of_a_quarter(world):
    stats = team_stats(2026, 4, NOW, 30)
    a, b = stats[world.a.id], stats[world.b.id]
    assert a["members"] == 4  # carol left the programme since, but served in the quarter
    assert a["activities"] == 1  # one cancelled, one in Q3
    assert a["participants"] == 2  # alice and bob; the leader never checked out
    assert a["services"] == 5
    assert (a["hours"], a["minutes"]) == (5.3, 315)
    assert a["by_kind"] == {
        "activity": {"services": 2, "hours": 3.0, "minutes": 180},
        "visit": {"services": 0, "hours": 0.0, "minutes": 0},
        "individual": {"services": 3, "hours": 2.3, "minutes": 135},
    }
    assert a["visits"] == {"done": 1, "due": 4, "pairings": 3, "members_visited": 1}
    assert (a["flagged"], a["rejected"]) == (1, 1)
    assert a["ratings"] == {"count": 3, "average": 4.0}
    per_member = [
        (m["name"], m["services"], m["hours"], m["minutes"], m["active"]) for m in a["per_member"]
    ]
    assert per_member == [
        (world.leader.name, 0, 0.0, 0, True),
        ("王丽", 2, 3.0, 180, True),
        ("李强", 2, 1.8, 105, True),
        ("陈静", 1, 0.5, 30, False),
    ]
    assert sum(m["minutes"] for m in a["per_member"]) == a["minutes"]
    assert (b["activities"], b["participants"], b["services"], b["hours"]) == (1, 1, 1, 1.5)
    assert b["ratings"] == {"count": 1, "average": 2.0}
    assert (a["starts_on"], a["ends_on"]) == ("2026-10-01", "2026-12-31")


def test_cancelled_activities_are_reported_as_cancelled_not_held(world):
    """A cancelled activity is counted and listed apart with its reason, never as held; the
    entries members made on it before it was called off still count toward the hours, and
    the report says how much of them they are."""
    rained = make_activity(
        world.a, starts_at=at(date(2026, 12, 5), 9), title="河道清理", status="cancelled"
    )
    Activity.update(cancel_reason="暴雨预警").where(Activity.id == rained.id).execute()
    served(world.alice, at(date(2026, 12, 5), 9), 40, "activity", activity=rained)
    make_record(world.bob, rained, checkin_at=at(date(2026, 12, 5), 9))  # never checked out
    make_activity(world.a, starts_at=at(date(2026, 9, 5), 9), status="cancelled")  # Q3
    make_activity(world.b, starts_at=at(date(2026, 12, 6), 9), status="cancelled")
    a = team_stats(2026, 4, NOW, 30)[world.a.id]
    assert a["activities"] == 1  # held: only the one that took place
    assert a["activities_cancelled"] == 2
    listed = [
        (c["title"], c["starts_at"], c["reason"], c["services"]) for c in a["cancelled_activities"]
    ]
    assert listed == [
        ("环境卫生整治", "2026-11-12T09:00", "", 0),
        ("河道清理", "2026-12-05T09:00", "暴雨预警", 1),
    ]
    assert (a["cancelled_activities"][1]["hours"], a["cancelled_activities"][1]["minutes"]) == (
        0.7,
        40,
    )
    assert a["cancelled_entries"] == {"services": 1, "hours": 0.7, "minutes": 40}
    assert (a["services"], a["minutes"]) == (6, 315 + 40)  # still counted in the totals
    assert team_stats(2026, 4, NOW, 30)[world.b.id]["activities_cancelled"] == 1


def test_a_running_quarter_counts_cancelled_activities_up_to_now(world):
    later = at(date(2026, 12, 20), 9)
    make_activity(world.a, starts_at=later, status="cancelled")
    a = team_stats(2026, 4, at(date(2026, 12, 1)), 30)[world.a.id]
    assert a["activities_cancelled"] == 1  # 12 November's; 20 December's lies ahead
    assert team_stats(2026, 4, NOW, 30)[world.a.id]["activities_cancelled"] == 2


def test_the_quarter_counts_the_team_s_urgent_notices(world):
    """Urgent notices sent in the quarter (Shanghai days), not plain ones, not another
    quarter's, not another team's."""
    for m in (world.alice, world.bob, world.dave):
        Member.update(oa_openid=f"oa-{m.id}").where(Member.id == m.id).execute()
    policy = Policy(orders={}, default_order=("oa_template",), quiet_hours="off")
    b_leader = leader_of(world.b)
    for key, leader, when, urgent in [
        ("q4-first", world.leader, at(date(2026, 10, 1), 0, 5), True),
        ("q4-night", world.leader, at(date(2026, 12, 31), 23, 50), True),
        ("q4-plain", world.leader, at(date(2026, 11, 2)), False),
        ("q3-last", world.leader, at(date(2026, 9, 30), 23, 50), True),
        ("q1-next", world.leader, at(date(2027, 1, 1), 0, 5), True),
        ("b-q4", b_leader, at(date(2026, 11, 2)), True),
    ]:
        broadcast.send(leader, f"通知{key}", key, when, policy, urgent)
    q4 = {team: s["urgent_broadcasts"] for team, s in team_stats(2026, 4, NOW, 30).items()}
    assert q4 == {world.a.id: 2, world.b.id: 1}
    assert team_stats(2026, 3, NOW, 30)[world.a.id]["urgent_broadcasts"] == 1


def test_one_team_alone_has_the_same_figures(world):
    assert team_stats(2026, 4, NOW, 30, [world.a.id]) == {
        world.a.id: team_stats(2026, 4, NOW, 30)[world.a.id]
    }


def test_a_running_quarter_counts_up_to_today(world):
    stats = team_stats(2026, 4, at(date(2026, 11, 15)), 30)[world.a.id]
    assert stats["visits"]["due"] == 1  # alice 46 days, bob not yet paired, leader 20 days
    assert stats["services"] == 3  # the December entries lie ahead


def many_teams(count: int) -> None:
    for _ in range(count):
        team = make_team(members=2)
        member = team.members.where(Member.role == "member").first()
        pair(member, started_on=date(2026, 2, 1))
        activity = make_activity(team, starts_at=at(date(2026, 11, 3)))
        served(member, at(date(2026, 11, 3)), 60, "activity", activity=activity)
        rate(4, team=team)


@pytest.mark.parametrize("teams", [2, 7])
def test_figures_take_the_same_queries_for_any_number_of_teams(database, teams):
    many_teams(teams)
    with count_queries() as seen:
        stats = team_stats(2026, 4, NOW, 30)
    assert len(stats) == teams and all(s["services"] == 1 for s in stats.values())
    # the teams, members with their sums, activities held, cancelled ones, pairings,
    # ratings, urgent notices
    assert len(seen) == 7


@pytest.mark.parametrize("teams", [2, 7])
def test_the_job_takes_the_same_queries_for_any_number_of_teams(database, teams):
    many_teams(teams)
    with count_queries() as drafting:
        run_quarterly(NOW, RULES, "off")
    # The missing teams, the figures' six (the teams are known), one INSERT; then one read
    # each for reminders and late reports, which find nothing yet.
    assert len(drafting) == 1 + 6 + 1 + 2
    assert QuarterlyReport.select().count() == teams
    with count_queries() as again:
        run_quarterly(NOW, RULES, "off")
    assert len(again) == 3


# --- the job --------------------------------------------------------------------------------


def reports() -> dict[int, QuarterlyReport]:
    return {r.team_id: r for r in QuarterlyReport.select()}


def test_drafted_once_the_day_after_the_quarter_with_frozen_figures(world):
    assert run_quarterly(at(date(2026, 12, 31), 23), RULES, "off").drafted == 0  # Q3: no roster
    assert run_quarterly(NOW, RULES, "off").drafted == 2
    assert run_quarterly(at(date(2027, 1, 2)), RULES, "off").drafted == 0
    report = reports()[world.a.id]
    assert (report.year, report.quarter, report.status) == (2026, 4, "draft")
    assert report.deadline == date(2027, 1, 10) == deadline_of(2026, 4, 10)
    assert report.stats == team_stats(2026, 4, NOW, 30)[world.a.id]


def test_a_later_day_drafts_what_is_missing(world):
    run_quarterly(NOW, RULES, "off")
    newcomer = Team.create(name="新建服务队", community=world.a.community)
    make_member(team=newcomer, role="leader", created_at=at(date(2027, 1, 3)))  # owes no Q4
    QuarterlyReport.delete().where(QuarterlyReport.team == world.b.id).execute()
    assert run_quarterly(at(date(2027, 1, 6)), RULES, "off").drafted == 1
    assert set(reports()) == {world.a.id, world.b.id}
    assert newcomer.id not in reports()


def deadline_messages() -> list[tuple[date, str, int]]:
    rows = Notification.select().where(Notification.kind == "report_deadline")
    return sorted(
        (clock.local_today(n.created_at), n.dedupe_key.rsplit(":", 1)[1], n.member_id) for n in rows
    )


def test_reminders_seven_three_and_one_day_before(world):
    for offset in range(14):  # 1 to 14 January
        run_quarterly(at(date(2027, 1, 1) + timedelta(days=offset)), RULES, "off")
    leaders = sorted([world.leader.id, leader_of(world.b).id])
    expected = [
        (date(2027, 1, 3), "D-7"),
        (date(2027, 1, 7), "D-3"),
        (date(2027, 1, 9), "D-1"),
    ]
    assert deadline_messages() == [(d, step, who) for d, step in expected for who in leaders]
    message = Notification.get(Notification.dedupe_key == f"report:{world.a.id}:2026-Q4:D-1")
    assert message.payload == {
        "title": "季度报告提醒",
        "lines": {"季度": "2026年第4季度", "截止日期": "2027年1月10日", "剩余时间": "1天"},
        "page": "pages/report/index?period=2026-Q4",
    }


def test_a_team_without_a_leader_is_reported_to_the_office_once(world):
    spells.leave(leader_of(world.b).id, date(2026, 12, 1))
    for offset in range(14):  # 1 to 14 January
        run_quarterly(at(date(2027, 1, 1) + timedelta(days=offset)), RULES, "off")
    assert {who for _, _, who in deadline_messages()} == {world.leader.id}
    (told,) = Notification.select().where(Notification.kind == "report_no_leader")
    assert (told.member_id, clock.local_today(told.created_at)) == (None, date(2027, 1, 3))
    assert told.payload["title"] == "季度报告无人填写"
    assert told.payload["lines"]["服务队"] == "第二服务队"
    assert told.payload["lines"]["截止日期"] == "2027年1月10日"


def test_after_downtime_only_the_next_reminder_due_is_sent(world):
    run_quarterly(NOW, RULES, "off")
    run_quarterly(at(date(2027, 1, 8)), RULES, "off")  # missed D-7 and the D-3 day itself
    run_quarterly(at(date(2027, 1, 10)), RULES, "off")  # the deadline day
    steps = [step for _, step, who in deadline_messages() if who == world.leader.id]
    assert steps == ["D-3", "D-1"]


def test_late_after_the_deadline_and_the_office_told_once(world):
    run_quarterly(NOW, RULES, "off")
    leader = Actor(member=world.leader)
    save_summary(leader, "2026-Q4", "本季度开展集中活动一次。", at(date(2027, 1, 5)), RULES)
    submit_report(leader, "2026-Q4", at(date(2027, 1, 5)), RULES)
    assert run_quarterly(at(date(2027, 1, 10), 23), RULES, "off").late == 0  # deadline day
    assert run_quarterly(at(date(2027, 1, 11)), RULES, "off").late == 1
    assert run_quarterly(at(date(2027, 1, 12)), RULES, "off").late == 0
    statuses = {team: r.status for team, r in reports().items()}
    assert statuses == {world.a.id: "submitted", world.b.id: "late"}
    (told,) = Notification.select().where(Notification.kind == "report_late")
    assert told.member_id is None
    assert told.payload["lines"] == {
        "服务队": "第二服务队",
        "季度": "2026年第4季度",
        "截止日期": "2027年1月10日",
    }
    assert [step for _, step, who in deadline_messages() if who == world.leader.id] == []


# --- reading, writing, submitting ---------------------------------------------------------


@pytest.mark.parametrize(
    "bad", ["2026-Q5", "2026Q4", "2026-q4", "1999-Q1", "2026-Q4 ", "2026-Q4\n", "", "２０２６-Q1"]
)
def test_bad_periods_are_refused(bad):
    with pytest.raises(Invalid):
        parse_period(bad)


def test_parse_period():
    assert parse_period("2026-Q4") == (2026, 4)


def test_the_leader_writes_and_submits(world):
    run_quarterly(NOW, RULES, "off")
    leader = Actor(member=world.leader)
    when = at(date(2027, 1, 6))
    with pytest.raises(Invalid, match="工作小结"):
        submit_report(leader, "2026-Q4", when, RULES)
    draft = save_summary(leader, "2026-Q4", "  开展集中活动一次，走访一户。  ", when, RULES)
    assert (draft.summary, draft.status, draft.editable) == (
        "开展集中活动一次，走访一户。",
        "draft",
        True,
    )
    done = submit_report(leader, "2026-Q4", when, RULES)
    assert (done.status, done.submitted_at, done.submitted_by.id, done.late) == (
        "submitted",
        when,
        world.leader.id,
        False,
    )
    assert done.live is False and done.stats["services"] == 5
    served(world.alice, at(date(2026, 12, 1)), 60)  # corrected after submission
    again = submit_report(leader, "2026-Q4", at(date(2027, 1, 7)), RULES)
    assert (again.submitted_at, again.stats["services"]) == (when, 5)  # frozen, idempotent
    with pytest.raises(Conflict):
        save_summary(leader, "2026-Q4", "改一改", when, RULES)


def test_open_reports_show_live_figures(world):
    run_quarterly(NOW, RULES, "off")
    served(world.bob, at(date(2026, 12, 20)), 60)  # registered late by the leader
    view = view_report(Actor(member=world.leader), "2026-Q4", None, at(date(2027, 1, 3)), RULES)
    assert (view.live, view.stats["services"]) == (True, 6)
    assert QuarterlyReport.get(QuarterlyReport.team == world.a.id).stats["services"] == 5


def test_a_late_report_submitted_stays_marked_late(world):
    run_quarterly(NOW, RULES, "off")
    run_quarterly(at(date(2027, 1, 11)), RULES, "off")
    leader = Actor(member=world.leader)
    when = at(date(2027, 1, 12))
    save_summary(leader, "2026-Q4", "逾期补交。", when, RULES)
    done = submit_report(leader, "2026-Q4", when, RULES)
    assert (done.status, done.late) == ("submitted", True)
    assert "late_submitted" not in done.stats
    QuarterlyReport.update(status="returned").execute()  # the office sends it back
    again = submit_report(leader, "2026-Q4", at(date(2027, 1, 13)), RULES)
    assert (again.status, again.late) == ("submitted", True)


def test_a_draft_past_its_deadline_is_late_before_the_job_marks_it(world):
    run_quarterly(NOW, RULES, "off")  # drafted; the daily job has not run since
    leader = Actor(member=world.leader)
    on_time = view_report(leader, "2026-Q4", None, at(date(2027, 1, 10)), RULES)
    overdue = view_report(leader, "2026-Q4", None, at(date(2027, 1, 11)), RULES)
    assert (on_time.status, on_time.late) == ("draft", False)
    assert (overdue.status, overdue.late) == ("draft", True)


@pytest.mark.parametrize(
    ("day", "days"), [(date(2027, 1, 10), 0), (date(2027, 1, 11), 1), (date(2027, 1, 13), 3)]
)
def test_days_overdue_count_from_the_deadline(world, day, days):
    run_quarterly(NOW, RULES, "off")
    assert days_overdue(QuarterlyReport.get(QuarterlyReport.team == world.a.id), at(day)) == days


def test_a_report_submitted_late_is_no_longer_overdue_but_late(world):
    run_quarterly(NOW, RULES, "off")
    leader, when = Actor(member=world.leader), at(date(2027, 1, 13))
    save_summary(leader, "2026-Q4", "逾期补交。", when, RULES)
    submit_report(leader, "2026-Q4", when, RULES)
    report = QuarterlyReport.get(QuarterlyReport.team == world.a.id)
    assert (days_overdue(report, when), submitted_late(report)) == (0, True)


def test_the_just_ended_quarter_is_drafted_on_demand(world):
    view = view_report(Actor(member=world.leader), "2026-Q4", None, NOW, RULES)
    assert (view.status, view.deadline, view.team_name) == (
        "draft",
        date(2027, 1, 10),
        "第一服务队",
    )
    assert set(reports()) == {world.a.id}


def test_the_running_quarter_is_a_preview(world):
    leader = Actor(member=world.leader)
    view = view_report(leader, "2027-Q1", None, NOW, RULES)
    assert (view.id, view.status, view.editable, view.stats["services"]) == (
        None,
        "in_progress",
        False,
        1,
    )
    with pytest.raises(Conflict):
        save_summary(leader, "2027-Q1", "提前写", NOW, RULES)
    assert not reports()


@pytest.mark.parametrize("period", ["2027-Q2", "2026-Q3", "2025-Q4"])
def test_future_and_undrafted_quarters_are_not_found(world, period):
    with pytest.raises(NotFound):
        view_report(Actor(member=world.leader), period, None, NOW, RULES)


def test_who_may_read_and_write(world):
    run_quarterly(NOW, RULES, "off")
    member, other_leader = Actor(member=world.alice), Actor(member=leader_of(world.b))
    with pytest.raises(Forbidden):
        view_report(member, "2026-Q4", None, NOW, RULES)
    with pytest.raises(Forbidden):
        view_report(other_leader, "2026-Q4", world.a.id, NOW, RULES)
    assert view_report(other_leader, "2026-Q4", None, NOW, RULES).team_id == world.b.id
    with pytest.raises(Forbidden):
        save_summary(member, "2026-Q4", "我来写", NOW, RULES)


def test_summary_length_is_limited(world):
    with pytest.raises(Invalid, match="5000"):
        save_summary(Actor(member=world.leader), "2026-Q4", "字" * 5001, NOW, RULES)


def test_a_closed_quarter_keeps_its_roster_when_members_join_or_leave_later(database):
    """Six members imported on 29 November do not join Q3's figures; one who served in Q3
    and left the programme since stays in them."""
    team = make_team(name="第一服务队")
    stay(leader_of(team), date(2026, 6, 1))
    stayed = make_member(name="王丽", team=team, created_at=at(date(2026, 6, 1)))
    left = make_member(name="陈静", team=team, created_at=at(date(2026, 6, 1)))
    served(left, at(date(2026, 8, 3)), 120)
    spells.leave(left.id, date(2026, 9, 30))
    newcomers = [make_member(team=team, created_at=at(date(2026, 11, 29))) for _ in range(6)]
    run_quarterly(at(date(2026, 10, 1)), RULES, "off")  # Q3's draft
    office = Actor(
        account=Account.create(
            username="office", display_name="办公室", password_hash="-", created_at=NOW
        )
    )
    q3 = view_report(office, "2026-Q3", team.id, at(date(2026, 11, 30)), RULES)
    assert q3.live  # still open (late): the figures are made now, from today's roster
    assert q3.stats["members"] == 3
    names = [m["name"] for m in q3.stats["per_member"]]
    assert names == [leader_of(team).name, stayed.name, left.name]
    q4 = team_stats(2026, 4, at(date(2026, 11, 30)), 30)[team.id]
    assert q4["members"] == 2 + len(newcomers)  # who left without serving in Q4 is not counted


def leave(member, on: date) -> None:
    """The member leaves on that day, or one away is recorded as gone since it, as the roster
    import does."""
    away = not Member.get_by_id(member.id).active
    (spells.correct_leaving if away else spells.leave)(member.id, on)


def office() -> Actor:
    account = {"username": "office", "display_name": "办公室", "password_hash": "-"}
    return Actor(account=Account.create(**account, created_at=NOW))


def test_a_past_quarter_keeps_counting_a_member_who_left_after_it(database):
    """Q3's report is drafted on 1 October with four members; 陈静, who never served in Q3,
    leaves on 20 October. Re-opened on 21 October, the report still counts her."""
    team = make_team(name="第一服务队")
    stay(leader_of(team), date(2026, 6, 1))
    left = make_member(name="陈静", team=team, created_at=at(date(2026, 6, 1)))
    for name in ("王丽", "李强"):
        make_member(name=name, team=team, created_at=at(date(2026, 6, 1)))
    run_quarterly(at(date(2026, 10, 1)), RULES, "off")
    assert QuarterlyReport.get().stats["members"] == 4
    leave(left, date(2026, 10, 20))

    q3 = view_report(office(), "2026-Q3", team.id, at(date(2026, 10, 21)), RULES)

    assert q3.live and q3.stats["members"] == 4
    (line,) = [m for m in q3.stats["per_member"] if m["name"] == "陈静"]
    assert (line["active"], line["left_on"], line["services"]) == (False, "2026-10-20", 0)
    q4 = team_stats(2026, 4, at(date(2026, 10, 21)), 30)[team.id]
    assert q4["members"] == 4  # she was on the roster for 20 days of Q4 too


@pytest.mark.parametrize(
    ("left_on", "counted"),
    [
        (date(2026, 6, 30), False),  # the day before Q3 began
        (date(2026, 7, 1), True),  # Q3's first day: she was there that day
        (date(2026, 9, 30), True),  # its last day
        (date(2026, 11, 2), True),  # after it
    ],
)
def test_a_quarter_counts_who_was_on_the_roster_on_any_of_its_days(database, left_on, counted):
    team = make_team()
    stay(leader_of(team), date(2026, 1, 5))
    member = make_member(team=team, created_at=at(date(2026, 1, 5)))
    leave(member, date(2026, 3, 3))
    leave(member, left_on)  # the latest day of leaving wins

    q3 = team_stats(2026, 3, at(date(2026, 11, 5)), 30)[team.id]

    assert q3["members"] == 1 + counted
    assert (member.id in [m["member_id"] for m in q3["per_member"]]) is counted
    q2 = team_stats(2026, 2, at(date(2026, 11, 5)), 30)[team.id]
    assert q2["members"] == 2  # on the roster in Q2 whichever day she left since


def test_who_joined_after_or_left_before_a_quarter_is_not_in_it_unless_they_served(database):
    team = make_team()
    stay(leader_of(team), date(2026, 1, 5))
    make_member(team=team, created_at=at(date(2026, 10, 1)))  # joined the day Q4 began
    gone = make_member(team=team, created_at=at(date(2026, 1, 5)))
    leave(gone, date(2026, 5, 31))

    def members(quarter):
        return team_stats(2026, quarter, at(date(2026, 11, 5)), 30)[team.id]["members"]

    assert [members(2), members(3), members(4)] == [2, 1, 2]
    served(gone, at(date(2026, 8, 3)), 60)  # an entry in Q3 says she was there after all
    assert members(3) == 2


def second_team_by_quarter(year: int, now: datetime) -> list[list[str]]:
    """The names the base roster's 第二服务队 counts in each quarter of the year."""
    team = Team.get(Team.name == "第二服务队").id
    quarters = [team_stats(year, q, now, 30, [team])[team] for q in (1, 2, 3, 4)]
    return [[m["name"] for m in q["per_member"]] for q in quarters]


def test_a_member_away_for_a_whole_quarter_is_not_in_it(database, tmp_path):
    """李三 leaves on 10 March and comes back on 1 September: Q1 and Q3 count him, Q2, all
    of which he was away, does not; Q4 counts him again."""
    away_and_back(tmp_path, 7, date(2026, 1, 5), date(2026, 3, 10), date(2026, 9, 1))

    quarters = second_team_by_quarter(2026, at(date(2027, 1, 5)))

    everyone, without = ["李一", "李二", "李三"], ["李一", "李二"]
    assert quarters == [everyone, without, everyone, everyone]


@pytest.mark.parametrize(
    ("left", "back", "in_q2"),
    [
        (date(2026, 3, 31), date(2026, 7, 1), False),  # away from Q2's first day to its last
        (date(2026, 4, 1), date(2026, 7, 1), True),  # there on Q2's first day
        (date(2026, 3, 31), date(2026, 6, 30), True),  # back on its last day
    ],
)
def test_an_absence_keeps_the_quarters_day_boundaries(database, tmp_path, left, back, in_q2):
    """A member is on the roster on the day they leave and on the day they come back, as
    on the day they join (the rule for a single spell)."""
    away_and_back(tmp_path, 7, date(2026, 1, 5), left, back)

    q1, q2, q3, _ = second_team_by_quarter(2026, at(date(2027, 1, 5)))

    assert "李三" in q1 and "李三" in q3
    assert ("李三" in q2) is in_q2


def test_one_who_served_while_away_counts_in_that_quarter(database, tmp_path):
    """Serving says they were there, as for one who left for good."""
    away_and_back(tmp_path, 7, date(2026, 1, 5), date(2026, 3, 10), date(2026, 9, 1))
    served(Member.get(Member.name == "李三"), at(date(2026, 5, 4)), 60)

    assert "李三" in second_team_by_quarter(2026, at(date(2027, 1, 5)))[1]


def test_a_member_who_left_twice_is_away_for_both_absences(database, tmp_path):
    away_and_back(
        tmp_path,
        7,
        date(2026, 1, 5),
        date(2026, 3, 10),
        date(2026, 7, 1),
        date(2026, 9, 30),
        date(2027, 1, 4),
    )

    assert ["李三" in q for q in second_team_by_quarter(2026, at(date(2027, 1, 5)))] == [
        True,
        False,
        True,
        False,
    ]


def test_a_team_whose_members_all_left_before_the_quarter_owes_no_report(database):
    team = make_team()
    for member in team.members:
        stay(member, date(2026, 1, 5), date(2026, 3, 20))
    assert run_quarterly(at(date(2026, 10, 1)), RULES, "off").drafted == 0
    assert run_quarterly(at(date(2026, 4, 1)), RULES, "off").drafted == 1  # Q1 had them


def test_activities_in_the_future_are_not_held_yet(database):
    team = make_team()
    make_activity(team, starts_at=at(date(2026, 12, 20)))
    assert team_stats(2026, 4, at(date(2026, 12, 1)), 30)[team.id]["activities"] == 0
    assert Activity.select().count() == 1


def test_a_member_at_an_activity_published_as_own_service_took_part(world):
    """An activity published as 分散活动 is counted among the activities held, so its members
    are among the participants, though its hours count as 分散活动."""
    quiet = make_team(name="第三服务队")
    member = make_member(name="周洁", team=quiet)
    own = make_activity(quiet, kind="individual", starts_at=at(date(2026, 11, 10)))
    served(member, at(date(2026, 11, 10)), kind="activity", activity=own)
    stats = team_stats(2026, 4, NOW, 30)[quiet.id]
    assert (stats["activities"], stats["participants"]) == (1, 1)
    assert stats["by_kind"]["individual"]["services"] == 1
