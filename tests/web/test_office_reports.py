"""The 季度报告 view's decision, in a real headless Chromium against the demo programme: the
office returns a submitted report (a reason first), the leader resubmits, the office accepts;
a draft offers no decision; the demo's reports as a clerk first sees them."""

import re
from datetime import date, datetime, time, timedelta

from models import Activity, Member, Notification, QuarterlyReport, Team
from services import clock
from services.actors import Actor
from services.report_writing import submit_report
from services.reports import ReportRules
from tests.factories import make_activity
from tests.web.browser import screenshot


def last_quarter() -> tuple[int, int, date]:
    """The quarter just ended, and its last day."""
    year, quarter = clock.quarter_of(clock.local_today())
    last_day = date(year, 3 * quarter - 2, 1) - timedelta(days=1)
    return *clock.quarter_of(last_day), last_day


def reports(served) -> tuple[int, int]:
    """Team 1's report of the quarter just ended, submitted; team 2's a draft (in place of
    the demo's, all three submitted)."""
    year, quarter, last_day = last_quarter()
    now = clock.now_utc()
    with served.app.app_context():
        QuarterlyReport.delete().execute()
        first, second = Team.select().order_by(Team.id).limit(2)
        base = {"year": year, "quarter": quarter, "deadline": last_day + timedelta(days=10)}
        submitted = {"status": "submitted", "submitted_at": now, "summary": "开展活动三次。"}
        QuarterlyReport.create(team=first, updated_at=now, **base, **submitted)
        QuarterlyReport.create(team=second, updated_at=now, **base)
    return first.id, second.id


def test_the_office_returns_then_accepts_a_report(served, dashboard):
    first, second = reports(served)
    dashboard.log_in()
    dashboard.shown("#teams")
    dashboard.open("#reports")  # the quarter just ended, by default
    card = f'.report[data-team-id="{first}"]'
    dashboard.shown(f'{card} [data-decision="return"]').click()
    dashboard.text_in(f"{card} .verdict-status", "请写明原因")  # the API's refusal, in Chinese
    assert "{" not in dashboard.find(f"{card} .verdict-status").text
    assert dashboard.all(f'.report[data-team-id="{second}"] [data-field="status"]')
    assert not dashboard.all(f'.report[data-team-id="{second}"] [data-decision]')  # a draft

    dashboard.find(f"{card} textarea").send_keys("请补充走访结对家庭的情况。")
    dashboard.find(f'{card} [data-decision="return"]').click()
    dashboard.text_in(f'{card} [data-field="review"]', "退回原因：请补充走访结对家庭的情况。")
    assert "已退回" in dashboard.find(f'{card} [data-field="status"]').text
    assert not dashboard.all(f"{card} [data-decision]")  # it waits for the leader
    # its figures are live again until the leader hands it in anew, and the card says so
    dashboard.text_in(f'{card} [data-field="live"]', "实时统计（已退回，重新提交时冻结）")
    with served.app.app_context():
        report = QuarterlyReport.get(QuarterlyReport.team == first)
        assert (report.status, report.return_reason) == ("returned", "请补充走访结对家庭的情况。")
        leader = Member.get((Member.team == first) & (Member.role == "leader"))
        rules = ReportRules(10, 30)
        period = f"{report.year}-Q{report.quarter}"
        submit_report(Actor(member=leader), period, clock.now_utc(), rules, "已补充走访情况。")

    dashboard.driver.refresh()
    dashboard.text_in(f'{card} [data-field="review"]', "上次退回，队长已重新提交")
    dashboard.shown(f'{card} [data-decision="accept"]').click()
    dashboard.text_in(f'{card} [data-field="review"]', "办公室已通过")
    screenshot(dashboard.driver, "office-report-decision.png")
    assert "已通过" in dashboard.find(f'{card} [data-field="status"]').text
    with served.app.app_context():
        assert QuarterlyReport.get(QuarterlyReport.team == first).status == "accepted"
        kinds = [n.kind for n in Notification.select().where(Notification.member == leader.id)]
        assert sorted(k for k in kinds if k.startswith("report_")) == [
            "report_accepted",
            "report_returned",
        ]


def test_the_overview_lists_a_report_waiting_and_opens_it_for_the_decision(served, dashboard):
    first, second = reports(served)
    year, quarter, _ = last_quarter()
    period = f"{year}-Q{quarter}"
    with served.app.app_context():
        name = Team.get_by_id(first).name
    dashboard.log_in()
    alert = dashboard.text_in("#alert-awaiting-reports", "待办公室审阅的季度报告：1 份")
    assert "act" in alert.get_attribute("class") and name in alert.text
    waiting = dashboard.shown(f'#awaiting-reports li[data-team-id="{first}"]')
    assert waiting.get_attribute("data-period") == period
    assert f"{name} {period} 季度报告" in waiting.text and "提交" in waiting.text
    row = f'#teams tr[data-team-id="{first}"] [data-field="report"]'
    assert "已提交，待办公室审阅" in dashboard.find(row).text
    assert "待办公室审阅" not in dashboard.find(f'#teams tr[data-team-id="{second}"]').text
    screenshot(dashboard.driver, "office-overview-awaiting-reports.png")

    waiting.find_element("css selector", "a").click()
    card = f'.report.focus[data-team-id="{first}"]'
    dashboard.shown(f'{card} [data-decision="accept"]').click()
    dashboard.text_in(f'{card} [data-field="review"]', "办公室已通过")
    assert dashboard.find("#period").get_attribute("value") == period
    assert len(dashboard.all(".report.focus")) == 1

    dashboard.open("#overview")
    dashboard.text_in("#alert-awaiting-reports", "没有待审阅的季度报告")
    assert not dashboard.all("#awaiting-reports")
    assert "已通过" in dashboard.find(row).text


def test_a_report_shows_its_cancelled_activities_apart_with_their_reasons(served, dashboard):
    """The office reads what was called off and why, not a count silently short."""
    _, second = reports(served)
    *_, last_day = last_quarter()
    with served.app.app_context():
        team = Team.get_by_id(second)
        starts = clock.to_utc(datetime.combine(last_day - timedelta(days=3), time(9)))
        make_activity(team, starts_at=starts, title="河道清理", status="cancelled")
        Activity.update(cancel_reason="暴雨预警").where(Activity.title == "河道清理").execute()
    dashboard.log_in()
    dashboard.shown("#teams")
    dashboard.open("#reports")
    shown = dashboard.text_in(
        f'.report[data-team-id="{second}"] [data-field="cancelled"]', "已取消 1 场"
    )
    day = (last_day - timedelta(days=3)).isoformat()
    assert f"{day} 09:00 河道清理（取消原因：暴雨预警）" in shown.text


def test_the_demo_shows_last_quarter_reported_by_every_leader(served, dashboard):
    """What a clerk trying the demo sees first: each team's report of the quarter just ended
    handed in by its leader on time, none late, most paired households visited."""
    dashboard.log_in()
    dashboard.text_in("#alert-late-reports", "没有逾期未交的季度报告")
    dashboard.text_in("#alert-awaiting-reports", "待办公室审阅的季度报告：3 份")
    for cell in dashboard.all('#teams tbody tr [data-field="report"]'):
        assert "已提交，待办公室审阅" in cell.text
    dashboard.open("#reports")
    with served.app.app_context():
        leaders = list(Member.select().where(Member.role == "leader"))
    for leader in leaders:
        card = dashboard.text_in(f'.report[data-team-id="{leader.team_id}"]', "应走访 36 次")
        done = int(re.search(r"(\d+) 次（应走访 36 次）", card.text)[1])
        assert 24 <= done < 36 and leader.name in card.text and "提交时冻结" in card.text
        assert "本季度" in card.text and "逾期" not in card.text
    screenshot(dashboard.driver, "office-demo-reports.png")
