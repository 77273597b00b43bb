"""What a clerk at 1366×768 found in /office, in a real headless Chromium against the demo
programme (the fixtures are conftest's, the clerk's moves dashboard's): late reports with no row
yet, acting on entries that wait for the office, an entry worded as the Excel file words it,
one login shared by the tabs, an expired login on a click, photos opened after their link
expired, and a page past the end of the register."""

import pytest

from models import Member, Photo, QuarterlyReport, ServiceRecord, Team
from services import clock, spells
from services.report_stats import deadline_of, reporting_quarter
from tests.factories import make_record
from tests.web.browser import screenshot
from tests.web.dashboard import DEMO_LOGIN

R = ServiceRecord
AWAITING = ["pending", "flagged"]


@pytest.fixture
def past_deadline(settings_overrides):
    """Reports due the day after the quarter: the quarter being reported on is late on any
    day the suite runs but a quarter's first."""
    settings_overrides["rules"]["report_deadline_days"] = 1
    year, quarter = reporting_quarter(clock.local_today())
    if clock.local_today() <= deadline_of(year, quarter, 1):
        pytest.skip("the first day of a quarter: the last quarter's report is not late yet")


def _logged_in(dashboard, hash_=None):
    dashboard.log_in()
    dashboard.shown("#teams")
    if hash_:
        dashboard.open(hash_)


def _listed(dashboard) -> set[int]:
    dashboard.text_in("#page-info", "共")
    return {int(r.get_attribute("data-record-id")) for r in dashboard.all("#records tbody tr")}


def test_the_overview_counts_a_report_never_drafted_as_late(past_deadline, served, dashboard):
    QuarterlyReport.delete().execute()  # the demo's leaders filed theirs: here nobody did
    _logged_in(dashboard)
    alert = dashboard.text_in("#alert-late-reports", "季度报告逾期未交")
    assert alert.text.count("服务队") == 3
    for row in dashboard.all("#teams tbody tr"):
        assert "逾期未交" in row.find_element("css selector", '[data-field="report"]').text
    year, quarter = reporting_quarter(clock.local_today())
    assert QuarterlyReport.select().where(QuarterlyReport.quarter == quarter).count() == 0


def test_a_returned_report_is_listed_to_be_handed_in_again_not_as_late(
    past_deadline, served, dashboard
):
    year, quarter = reporting_quarter(clock.local_today())
    now = clock.now_utc()
    team = Team.get_by_id(1)
    QuarterlyReport.delete().execute()  # the demo's leaders filed theirs: here nobody did
    QuarterlyReport.create(
        team=team,
        year=year,
        quarter=quarter,
        deadline=deadline_of(year, quarter, 1),
        status="returned",
        stats={"late_submitted": True},
        submitted_at=now,
        decided_at=now,
        return_reason="请补充走访情况",
        updated_at=now,
    )
    _logged_in(dashboard)
    late = dashboard.text_in("#alert-late-reports", "季度报告逾期未交")
    assert team.name not in late.text and late.text.count("服务队") == 2
    returned = dashboard.text_in("#alert-returned-reports", "季度报告已退回待重交")
    assert f"{team.name} {year}-Q{quarter}" in returned.text
    cell = dashboard.find('#teams tr[data-team-id="1"] [data-field="report"]')
    assert "已退回，待队长重交" in cell.text


def test_a_waiting_count_opens_exactly_those_entries(served, dashboard):
    leader = Member.get((Member.team == 1) & (Member.role == "leader"))
    own = make_record(leader, checkin_at=clock.now_utc(), status="flagged", flags=["x"])
    _logged_in(dashboard)
    cell = '#teams tr[data-team-id="1"] [data-field="awaiting-office"] a'
    dashboard.shown(cell).click()
    dashboard.wait.until(lambda d: "awaiting_review_by=office" in d.current_url)
    shown = _listed(dashboard)
    waiting = (
        R.select().join(Member).where((Member.team == 1) & R.status.in_(["pending", "flagged"]))
    )
    for_office = {r.id for r in waiting if r.member.role == "leader" or r.source == "leader"}
    assert shown == for_office and own.id in shown
    chosen = dashboard.find("#filter-status option:checked").text
    assert chosen == "待办公室审核"
    for_leader = {r.id for r in waiting} - for_office
    dashboard.open("#register?team_id=1&awaiting_review_by=leader")
    dashboard.wait.until(lambda d: _listed(dashboard) == for_leader)


def test_the_office_reviews_an_entry_on_its_page(served, dashboard):
    record = R.select().where(R.status == "flagged").order_by(R.id).first()
    _logged_in(dashboard, f"#record/{record.id}")
    dashboard.shown("#review-reject").click()
    refusal = dashboard.shown("#review-status .notice.error")
    assert refusal.text == "不通过时请填写理由。"
    dashboard.find("#review-comment").send_keys("照片中不是服务地点")
    dashboard.find("#review-reject").click()
    dashboard.text_in("#record-status", "未通过")
    assert dashboard.find("#review-done").text == "已记为不通过。"
    saved = R.get_by_id(record.id)
    assert (saved.status, saved.review_comment) == ("rejected", "照片中不是服务地点")
    assert "审核" in dashboard.find("#history").text


def test_a_visit_reads_as_the_excel_file_reads_it(served, dashboard):
    visit = R.select().where((R.kind == "visit") & R.household.is_null(False)).first()
    words = f"结对家庭 {visit.household.head_name}户"
    _logged_in(dashboard, f"#register?member_id={visit.member_id}&team_id={visit.member.team_id}")
    dashboard.text_in(f'#records tr[data-record-id="{visit.id}"]', words)
    dashboard.open(f"#record/{visit.id}")
    assert dashboard.text_in("#record-served", words).text == words
    assert dashboard.find("#record-registration").text == "本人签到"
    facts = dashboard.find(".facts").text
    assert "距结对家庭" in facts and "距服务地点" not in facts
    history = dashboard.shown("#history").text
    for internal in ("请求编号", "签到纬度", "签到经度", f"党员：（空） → {visit.member_id}"):
        assert internal not in history
    assert visit.member.name in history and words in history
    screenshot(dashboard.driver, "office-record-visit.png")


def test_the_tabs_share_one_login_and_a_logout_ends_it_in_all(served, dashboard):
    _logged_in(dashboard)
    first = dashboard.driver.current_window_handle
    dashboard.driver.switch_to.new_window("tab")
    dashboard.driver.get(f"{served.url}/office#register")
    dashboard.text_in("#page-info", "共")  # no second login
    dashboard.find("#logout").click()
    dashboard.shown("#login-form")
    dashboard.driver.switch_to.window(first)
    message = dashboard.shown("#login-message")
    assert message.text == "您已在其他标签页退出登录。"
    assert not dashboard.find("#shell").is_displayed()


def test_a_click_after_the_login_expired_asks_to_log_in_again(served, dashboard):
    _logged_in(dashboard)
    # the page sat (a laptop asleep): the login ran out without its timer firing
    dashboard.driver.execute_script(
        """const key = 'xianfeng.office.session';
        const saved = JSON.parse(localStorage.getItem(key));
        saved.expires_at = '2000-01-01T00:00:00+08:00';
        localStorage.setItem(key, JSON.stringify(saved));"""
    )
    dashboard.find('#nav a[data-view="register"]').click()
    assert dashboard.shown("#login-message").text == "登录已过期，请重新登录。"
    assert not dashboard.find("#shell").is_displayed()
    dashboard.log_in(*DEMO_LOGIN)
    dashboard.shown("#teams")


def test_a_photo_opens_from_a_fresh_link_after_its_own_expired(served, dashboard):
    photo = Photo.select().order_by(Photo.id).first()
    _logged_in(dashboard, f"#record/{photo.record_id}")
    link = dashboard.shown(f'.photos a[data-photo-id="{photo.id}"]')
    # the signed link as it is after ~15 minutes: refused
    dashboard.driver.execute_script(
        "arguments[0].href = arguments[0].href.replace(/([?&]s=)[^&]+/, '$1expired')", link
    )
    link.click()
    shown = dashboard.shown("#photo-view img")
    dashboard.wait.until(lambda d: d.execute_script("return arguments[0].naturalWidth", shown))
    assert len(dashboard.driver.window_handles) == 1  # no tab with the API's JSON


def test_a_page_past_the_end_says_so(served, dashboard):
    total = R.select().join(Member).where(Member.team == 1).count()
    _logged_in(dashboard, "#register?team_id=1&offset=400")
    dashboard.shown("#past-the-end")
    info = dashboard.find("#page-info").text
    assert info == f"共 {total} 条，没有第 21 页"
    dashboard.find("#past-the-end a").click()
    assert _listed(dashboard)
    assert dashboard.find("#page-info").text.startswith(f"共 {total} 条，第 1 / ")


def test_a_member_who_left_is_picked_in_the_register_after_the_current_ones(served, dashboard):
    """The 党员 choice of a team lists its members who left (with entries) too, marked
    （已离队）, after the current ones; picking one lists their entries."""
    from selenium.webdriver.support.ui import Select

    gone = (
        Member.select()
        .join(R, on=(R.member == Member.id))
        .where((Member.team == 1) & (Member.role == "member"))
        .order_by(Member.id)
        .first()
    )
    today = clock.local_today()
    spells.leave(gone.id, today)
    _logged_in(dashboard, "#register")
    Select(dashboard.shown("#filter-team_id")).select_by_value("1")
    option = f'#filter-member_id option[value="{gone.id}"]'
    dashboard.wait.until(lambda d: d.find_elements("css selector", option))
    names = [o.text for o in Select(dashboard.find("#filter-member_id")).options]
    current = Member.select().where((Member.team == 1) & Member.active).count()
    assert names[current + 1] == f"{gone.name}（已离队）", names  # after 全部 and the current
    assert not any("已离队" in n for n in names[: current + 1])
    Select(dashboard.find("#filter-member_id")).select_by_value(str(gone.id))
    dashboard.find("#filter-apply").click()
    dashboard.wait.until(lambda d: f"member_id={gone.id}" in d.current_url)
    own = {r.id for r in R.select().where(R.member == gone.id)}
    assert _listed(dashboard) == own and own
    chosen = Select(dashboard.find("#filter-member_id")).first_selected_option.text
    assert chosen == f"{gone.name}（已离队）"  # the page drawn again keeps the choice
    screenshot(dashboard.driver, "office-register-member-left.png")
