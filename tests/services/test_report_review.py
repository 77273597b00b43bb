"""The office's decision on a quarterly report: accept, return with a reason, the leader's
resubmission, refusals, retries, the leader told once per decision, and the late rule."""

from datetime import date, datetime, time

import pytest

from models import AuditLog, Member, Notification, QuarterlyReport
from services import clock
from services.actors import Actor
from services.errors import Conflict, Forbidden, Invalid, NotFound
from services.report_deadlines import run_quarterly
from services.report_names import report_state_name
from services.report_review import decide_report
from services.report_view import view_report
from services.report_writing import save_summary, submit_report
from services.reports import ReportRules, days_overdue, is_late
from tests.factories import make_member, make_team, office_actor

RULES = ReportRules(deadline_days=10, interval_days=30)
PERIOD = "2026-Q4"  # deadline 10 January 2027


def at(day: date, hour: int = 10) -> datetime:
    return clock.to_utc(datetime.combine(day, time(hour)))


NOW = at(date(2027, 1, 1))
ON_TIME, AFTER_DEADLINE = at(date(2027, 1, 5)), at(date(2027, 1, 12))


class World:
    def __init__(self):
        self.team, self.other = make_team(name="第一服务队"), make_team(name="第二服务队")
        self.leader_member = self.team.members.where(Member.role == "leader").get()
        self.leader = Actor(member=self.leader_member)
        self.member = Actor(member=make_member(team=self.team))
        self.office = office_actor()


@pytest.fixture
def world(database):
    w = World()
    run_quarterly(NOW, RULES, "off")
    return w


def submit(w: World, when: datetime = ON_TIME, text: str = "开展活动两次。"):
    return submit_report(w.leader, PERIOD, when, RULES, text)


def decide(w: World, decision: str, reason: str | None = None, when: datetime = ON_TIME):
    return decide_report(w.office, w.team.id, PERIOD, decision, reason, when, "off")


def report(w: World) -> QuarterlyReport:
    return QuarterlyReport.get(QuarterlyReport.team == w.team.id)


def notices(kind: str) -> list[Notification]:
    return list(Notification.select().where(Notification.kind == kind).order_by(Notification.id))


def test_accepting_records_who_and_when_and_tells_the_leader(world):
    submit(world)
    accepted = decide(world, "accept", when=at(date(2027, 1, 6)))
    assert (accepted.status, accepted.decided_by_id, accepted.decided_at) == (
        "accepted",
        world.office.account.id,
        at(date(2027, 1, 6)),
    )
    view = view_report(world.leader, PERIOD, None, at(date(2027, 1, 7)), RULES)
    assert (view.decision, view.decided_by.id, view.editable) == (
        "accepted",
        world.office.account.id,
        False,
    )
    [told] = notices("report_accepted")
    assert told.member_id == world.leader_member.id
    assert told.payload["lines"] == {"季度": "2026年第4季度"}
    audit = AuditLog.get(AuditLog.action == "report_decide")
    assert (audit.actor, audit.detail["to"]) == (world.office.label, "accepted")


def test_an_accepted_report_is_final(world):
    submit(world)
    decide(world, "accept")
    with pytest.raises(Conflict) as refused:
        decide(world, "return", "数据有误")
    assert refused.value.code == "report_accepted"
    with pytest.raises(Conflict):
        save_summary(world.leader, PERIOD, "再改一下", ON_TIME, RULES)


def test_a_retried_decision_answers_again_and_tells_nobody_again(world):
    submit(world)
    first = decide(world, "return", "请补充走访情况。")
    again = decide(world, "return", "  请补充走访情况。 ", when=at(date(2027, 1, 7)))
    assert (again.status, again.decided_at) == ("returned", first.decided_at)
    submit(world, text="已补充走访情况。")
    decide(world, "accept")
    decide(world, "accept", when=at(date(2027, 1, 8)))
    assert len(notices("report_returned")) == len(notices("report_accepted")) == 1
    assert AuditLog.select().where(AuditLog.action == "report_decide").count() == 2
    assert report(world).decided_at == ON_TIME


def test_returning_says_why_and_the_leader_is_told_the_reason(world):
    submit(world)
    why = "请补充本季度走访结对家庭的情况。"
    returned = decide(world, "return", why)
    assert (returned.status, returned.return_reason) == ("returned", why)
    [told] = notices("report_returned")
    assert told.member_id == world.leader_member.id
    assert told.payload["lines"]["退回原因"] == "请补充本季度走访结对家庭的情况。"
    assert told.payload["page"] == "pages/report/index?period=2026-Q4"
    view = view_report(world.leader, PERIOD, None, ON_TIME, RULES)
    assert (view.editable, view.decision, view.return_reason) == (
        True,
        "returned",
        "请补充本季度走访结对家庭的情况。",
    )


def test_the_leader_rewrites_and_resubmits_a_returned_report(world):
    submit(world)
    decide(world, "return", "小结太简单。")
    save_summary(world.leader, PERIOD, "开展活动两次，走访五户。", at(date(2027, 1, 6)), RULES)
    again = submit_report(world.leader, PERIOD, at(date(2027, 1, 7)), RULES)
    assert (again.status, again.summary, again.submitted_at) == (
        "submitted",
        "开展活动两次，走访五户。",
        at(date(2027, 1, 7)),
    )
    assert (again.decision, again.return_reason) == ("returned", "小结太简单。")  # shown still
    second = decide(world, "return", "仍缺少走访情况。", when=at(date(2027, 1, 8)))
    assert second.return_reason == "仍缺少走访情况。"
    reasons = [n.payload["lines"]["退回原因"] for n in notices("report_returned")]
    assert reasons == ["小结太简单。", "仍缺少走访情况。"]  # each return told once


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_return_needs_a_reason(world, reason):
    submit(world)
    with pytest.raises(Invalid) as refused:
        decide(world, "return", reason)
    assert refused.value.code == "reason_required"
    assert report(world).status == "submitted" and not notices("report_returned")


def test_a_reason_is_length_limited(world):
    submit(world)
    with pytest.raises(Invalid, match="300"):
        decide(world, "return", "字" * 301)


@pytest.mark.parametrize(("day", "status"), [(ON_TIME, "draft"), (AFTER_DEADLINE, "late")])
@pytest.mark.parametrize("decision", ["accept", "return"])
def test_a_report_not_submitted_is_not_decided(world, day, status, decision):
    run_quarterly(day, RULES, "off")
    with pytest.raises(Conflict) as refused:
        decide(world, decision, "理由", when=day)
    assert (refused.value.code, report(world).status) == ("report_not_submitted", status)
    assert "尚未提交" in refused.value.message


def test_a_returned_report_waits_for_its_leader(world):
    submit(world)
    decide(world, "return", "请补充。")
    for decision, reason in (("accept", None), ("return", "另一个原因")):
        with pytest.raises(Conflict) as refused:
            decide(world, decision, reason)
        assert refused.value.code == "report_returned"
    assert report(world).return_reason == "请补充。"


def test_only_the_office_decides(world):
    submit(world)
    for actor in (world.leader, world.member):
        with pytest.raises(Forbidden):
            decide_report(actor, world.team.id, PERIOD, "accept", None, ON_TIME, "off")
    assert report(world).status == "submitted"


def test_bad_decisions_teams_and_periods(world):
    submit(world)
    with pytest.raises(Invalid) as bad:
        decide(world, "approve")
    assert bad.value.code == "bad_decision"
    with pytest.raises(NotFound):
        decide_report(world.office, 999999, PERIOD, "accept", None, ON_TIME, "off")
    with pytest.raises(Conflict) as not_drafted:  # a quarter with no report yet: not submitted
        decide_report(world.office, world.team.id, "2026-Q3", "accept", None, ON_TIME, "off")
    assert not_drafted.value.code == "report_not_submitted"


def test_a_report_submitted_late_is_accepted_and_stays_late(world):
    submit(world, AFTER_DEADLINE)
    accepted = decide(world, "accept", when=AFTER_DEADLINE)
    assert accepted.status == "accepted" and is_late(accepted, AFTER_DEADLINE)
    # the office's decision is said first: a late report accepted is not just 逾期提交 again
    assert report_state_name(accepted.status, True) == "已通过（逾期提交）"


def test_a_return_moves_no_deadline_the_first_submission_decides(world):
    submit(world, ON_TIME)  # on time
    decide(world, "return", "请补充。", when=AFTER_DEADLINE)
    returned = report(world)
    assert days_overdue(returned, AFTER_DEADLINE) == 0 and not is_late(returned, AFTER_DEADLINE)
    again = submit(world, at(date(2027, 1, 20)), "已补充。")
    assert (again.status, again.late) == ("submitted", False)  # not late for the office's ask


def test_a_late_report_returned_and_resubmitted_stays_late(world):
    submit(world, AFTER_DEADLINE)
    decide(world, "return", "请补充。", when=AFTER_DEADLINE)
    assert is_late(report(world), AFTER_DEADLINE)
    again = submit(world, at(date(2027, 1, 13)), "已补充。")
    assert (again.status, again.late) == ("submitted", True)
