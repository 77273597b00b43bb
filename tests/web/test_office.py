"""/office, the office dashboard, in a real headless Chromium against the demo programme served
over HTTP: the page logs in through the API and draws every view from it."""

import hashlib
import json
import urllib.error
import urllib.request
from datetime import timedelta

import pytest

from models import ApiToken, Member, Notification, RecordHistory, ServiceRecord, SpotCheck
from services import clock
from services.report_stats import team_stats
from tests.web.browser import screenshot
from tests.web.dashboard import allow_downloads, downloaded

# --- the page, without a browser ----------------------------------------------------------


def test_the_page_is_served_outside_demo_mode_too_and_runs_only_its_own_scripts(client):
    page = client.get("/office")
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    html = page.get_data(as_text=True)
    names = json.loads(html.split('id="office-names">')[1].split("</script>")[0])
    assert names["kinds"] == {"activity": "集中活动", "visit": "结对走访", "individual": "分散活动"}
    assert "办公室工作台" in html and "<script>" not in html  # no inline script


@pytest.mark.parametrize(
    "name",
    [
        "app.js",
        "api.js",
        "dom.js",
        "overview.js",
        "register.js",
        "record.js",
        "spotchecks.js",
        "reports.js",
        "inbox.js",
        "check.js",
        "more.js",
        "office.css",
    ],
)
def test_the_page_files_are_served(client, name):
    response = client.get(f"/office/static/{name}")
    assert response.status_code == 200 and response.get_data()
    response.close()


# --- in a real browser --------------------------------------------------------------------


def _cell(row, field):
    return row.find_element("css selector", f'[data-field="{field}"]').text


def test_the_overview_shows_each_demo_team_as_the_reports_count_it(served, dashboard):
    dashboard.log_in()
    dashboard.shown("#teams")
    dashboard.text_in("#alert-register", "登记簿核验通过")
    screenshot(dashboard.driver, "office-overview.png")
    now = clock.now_utc()
    year, quarter = clock.quarter_of(clock.local_today(now))
    interval = served.app.config["SETTINGS"].rules.visit_interval_days
    stats = team_stats(year, quarter, now, interval)
    rows = dashboard.all("#teams tbody tr")
    assert len(rows) == 3
    for row in rows:
        team_id = int(row.get_attribute("data-team-id"))
        active = Member.select().where((Member.team == team_id) & Member.active).count()
        flagged = (
            ServiceRecord.select()
            .join(Member)
            .where((Member.team == team_id) & (ServiceRecord.status == "flagged"))
            .count()
        )
        assert _cell(row, "members") == str(active) == "12"
        assert _cell(row, "services") == str(stats[team_id]["services"])
        assert _cell(row, "hours") == f"{stats[team_id]['hours']:.1f}"
        assert _cell(row, "flagged") == str(flagged)
    assert "王建国" in dashboard.find("#teams").text
    assert sum(int(_cell(r, "flagged")) for r in rows) == 3  # the demo's three out of range
    assert dashboard.find("#account-name").text


def test_the_register_filters_and_opens_an_entry_with_its_history(served, dashboard):
    from selenium.webdriver.support.ui import Select

    dashboard.log_in()
    dashboard.shown("#teams")
    dashboard.open("#register")
    dashboard.shown("#register-filters")
    Select(dashboard.find("#filter-team_id")).select_by_value("1")
    Select(dashboard.find("#filter-status")).select_by_value("verified")
    dashboard.find("#filter-apply").click()
    dashboard.text_in("#page-info", "共")
    dashboard.wait.until(lambda d: "status=verified" in d.current_url)
    verified = (
        ServiceRecord.select()
        .join(Member)
        .where((Member.team == 1) & (ServiceRecord.status == "verified"))
        .order_by(ServiceRecord.checkin_at.desc(), ServiceRecord.id.desc())
    )
    expected = [r.id for r in verified]
    shown = [int(r.get_attribute("data-record-id")) for r in dashboard.all("#records tbody tr")]
    assert shown == expected[:20] and expected  # the latest first, a page at a time
    assert dashboard.find("#page-info").text.startswith(f"共 {len(expected)} 条")
    screenshot(dashboard.driver, "office-register.png")

    # a member of the team, picked from the list the team's choice brings
    member = Member.get((Member.team == 1) & (Member.role == "leader"))
    Select(dashboard.find("#filter-status")).select_by_value("")
    dashboard.wait.until(
        lambda d: d.find_elements("css selector", f'#filter-member_id option[value="{member.id}"]')
    )
    Select(dashboard.find("#filter-member_id")).select_by_value(str(member.id))
    dashboard.find("#filter-apply").click()
    dashboard.wait.until(lambda d: f"member_id={member.id}" in d.current_url)
    dashboard.text_in("#page-info", "共")
    own = {r.id for r in ServiceRecord.select().where(ServiceRecord.member == member)}
    shown = {int(r.get_attribute("data-record-id")) for r in dashboard.all("#records tbody tr")}
    assert shown == own and own

    record_id = expected[0]
    dashboard.open("#register?team_id=1&status=verified")
    dashboard.shown(f'#records a[href="#record/{record_id}"]').click()
    dashboard.shown("#history")
    lines = RecordHistory.select().where(RecordHistory.record == record_id).count()
    assert len(dashboard.all("#history tbody tr")) == lines >= 1
    assert "签到" in dashboard.find("#history").text
    record = ServiceRecord.get_by_id(record_id)
    assert record.member.name in dashboard.find(".facts").text
    if record.photos.count():
        thumb = dashboard.shown(".photos img")
        dashboard.wait.until(lambda d: d.execute_script("return arguments[0].naturalWidth", thumb))
    screenshot(dashboard.driver, "office-record.png")


def test_a_spot_check_verdict_issaved(served, dashboard):
    record = (
        ServiceRecord.select()
        .where((ServiceRecord.status == "verified") & ServiceRecord.checkout_at.is_null(False))
        .order_by(ServiceRecord.id)
        .first()
    )
    check = SpotCheck.create(record=record, sampled_on=clock.local_today())
    dashboard.log_in()
    dashboard.shown("#teams")
    dashboard.text_in("#alert-spot-checks", "1 条")
    dashboard.open("#spot-checks")
    card = dashboard.shown(f'[data-spot-check-id="{check.id}"]')
    card.find_element("css selector", '[data-verdict="problem"]').click()
    dashboard.text_in(f'[data-spot-check-id="{check.id}"] .verdict-status', "请")  # note needed
    assert "{" not in dashboard.find(f'[data-spot-check-id="{check.id}"] .verdict-status').text
    assert SpotCheck.get_by_id(check.id).result == "pending"

    card = dashboard.find(f'[data-spot-check-id="{check.id}"]')
    card.find_element("css selector", "textarea").send_keys("照片中未佩戴党徽")
    card.find_element("css selector", '[data-verdict="problem"]').click()
    dashboard.text_in(f'[data-spot-check-id="{check.id}"]', "已记录：发现问题")
    screenshot(dashboard.driver, "office-spot-check.png")
    saved = SpotCheck.get_by_id(check.id)
    assert (saved.result, saved.note) == ("problem", "照片中未佩戴党徽")
    assert ServiceRecord.get_by_id(record.id).status == "flagged"

    dashboard.find('[data-result="today"]').click()  # today's sample, whatever its result
    dashboard.shown('.tab.active[data-result="today"]')
    card = dashboard.shown(f'[data-spot-check-id="{check.id}"]')
    assert "发现问题" in card.find_element("css selector", '[data-field="result"]').text


def test_the_spot_check_filters_read_apart_from_the_result_buttons(served, dashboard):
    """A clerk clicked a filter meaning to record a result: the filters stand behind a label of
    their own, and none is worded as a card's result button is."""
    record = ServiceRecord.select().where(ServiceRecord.status == "verified").first()
    check = SpotCheck.create(record=record, sampled_on=clock.local_today())
    dashboard.log_in()
    dashboard.shown("#teams")
    dashboard.open("#spot-checks")
    card = dashboard.shown(f'[data-spot-check-id="{check.id}"]')
    buttons = [b.text for b in card.find_elements("css selector", "[data-verdict]")]
    tabs = [t.text for t in dashboard.all(".tabs .tab")]
    assert buttons == ["抽查无误", "发现问题"] and len(tabs) == 5, (buttons, tabs)
    assert [t for t in tabs if any(b in t or t in b for b in buttons)] == []
    label = dashboard.find(".tabs .tabs-label")
    assert label.is_displayed() and label.text == "查看："
    assert dashboard.find(".tabs").get_attribute("aria-labelledby") == label.get_attribute("id")
    dashboard.find('[data-result="problem"]').click()
    dashboard.shown('.tab.active[data-result="problem"]')
    assert SpotCheck.get_by_id(check.id).result == "pending"  # a filter records nothing
    screenshot(dashboard.driver, "office-spot-check-filters.png")


def test_a_wrong_password_is_told_in_chinese(served, dashboard):
    dashboard.log_in(password="not-the-password")
    message = dashboard.shown("#login-message")
    assert message.text == "用户名或密码不正确。"
    assert not dashboard.find("#shell").is_displayed()


def _revoke(token):
    ApiToken.update(revoked_at=clock.now_utc()).where(
        ApiToken.token_hash == hashlib.sha256(token.encode()).hexdigest()
    ).execute()


def _expire(token):
    ApiToken.update(expires_at=clock.now_utc() - timedelta(minutes=1)).where(
        ApiToken.token_hash == hashlib.sha256(token.encode()).hexdigest()
    ).execute()


@pytest.mark.parametrize(
    ("end", "message"),
    [(_revoke, "登录已失效"), (_expire, "登录已过期")],
    ids=["revoked", "expired"],
)
def test_a_dead_token_brings_back_the_login_form(served, dashboard, end, message):
    dashboard.log_in()
    dashboard.shown("#teams")
    end(dashboard.token())
    dashboard.open("#register")
    assert message in dashboard.shown("#login-message").text
    assert not dashboard.find("#shell").is_displayed()
    assert (
        dashboard.driver.execute_script("return localStorage.getItem('xianfeng.office.session')")
        is None
    )


def test_a_login_expired_in_the_tab_asks_to_log_in_again_on_reload(served, dashboard):
    dashboard.log_in()
    dashboard.shown("#teams")
    dashboard.driver.execute_script(
        """const key = 'xianfeng.office.session';
        const saved = JSON.parse(localStorage.getItem(key));
        saved.expires_at = '2000-01-01T00:00:00+08:00';
        localStorage.setItem(key, JSON.stringify(saved));"""
    )
    dashboard.driver.refresh()
    assert dashboard.shown("#login-message").text == "登录已过期，请重新登录。"


def test_logging_out_revokes_the_token(served, dashboard):
    dashboard.log_in()
    dashboard.shown("#teams")
    token = dashboard.token()
    dashboard.find("#logout").click()
    dashboard.shown("#login-form")
    call = urllib.request.Request(
        f"{served.url}/api/v1/office/overview", headers={"Authorization": f"Bearer {token}"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(call, timeout=10)
    with refused.value:
        assert refused.value.code == 401


def test_the_register_export_downloads_the_filtered_workbook(served, dashboard, tmp_path):
    from openpyxl import load_workbook
    from selenium.webdriver.support.ui import Select

    folder = allow_downloads(dashboard.driver, tmp_path / "downloads")
    dashboard.log_in()
    dashboard.shown("#teams")
    dashboard.open("#register?team_id=2")
    dashboard.text_in("#page-info", "共")
    Select(dashboard.find("#filter-status")).select_by_value("flagged")
    dashboard.find("#export").click()
    dashboard.text_in("#register-status", "已下载")
    path = downloaded(dashboard, folder, ".xlsx")
    assert "第二党员志愿者服务队" in path.name
    rows = list(load_workbook(path).active.iter_rows(min_row=2, values_only=True))
    flagged = (
        ServiceRecord.select()
        .join(Member)
        .where((Member.team == 2) & (ServiceRecord.status == "flagged"))
        .count()
    )
    assert len(rows) == flagged == 1


def test_a_quarter_report_per_team_and_its_workbook(served, dashboard, tmp_path):
    from selenium.webdriver.support.ui import Select

    folder = allow_downloads(dashboard.driver, tmp_path / "downloads")
    now = clock.now_utc()
    year, quarter = clock.quarter_of(clock.local_today(now))
    stats = team_stats(year, quarter, now, 30)
    dashboard.log_in()
    dashboard.shown("#teams")
    dashboard.open("#reports")
    Select(dashboard.shown("#period")).select_by_value(f"{year}-Q{quarter}")
    for team_id in (1, 2, 3):
        card = f'.report[data-team-id="{team_id}"]'
        expected = f"{stats[team_id]['services']} 次，{stats[team_id]['hours']:.1f} 小时"
        dashboard.text_in(f'{card} [data-field="services"]', expected)
        assert "本季度进行中" in dashboard.find(f'{card} [data-field="status"]').text
    screenshot(dashboard.driver, "office-reports.png")
    dashboard.find('.report[data-team-id="1"] .export').click()
    path = downloaded(dashboard, folder, ".xlsx")
    assert "第一党员志愿者服务队" in path.name and path.stat().st_size > 0


def test_an_inbox_message_is_marked_read(served, dashboard):
    from services.outbox import Message, enqueue

    payload = {"title": "季度报告逾期未交", "lines": {"服务队": "第一党员志愿者服务队"}}
    enqueue([Message(None, "report_late", payload, "office-ui-late")], clock.now_utc(), "off")
    message = Notification.get(Notification.dedupe_key == "office-ui-late")
    dashboard.log_in()
    dashboard.text_in("#alert-inbox", "1 条")
    dashboard.find("#alert-inbox a").click()
    card = f'[data-message-id="{message.id}"]'
    dashboard.text_in(card, "第一党员志愿者服务队")
    dashboard.find(f"{card} .mark-read").click()
    dashboard.text_in(f"{card} .meta", "已读")  # not the button's 标为已读
    assert Notification.get_by_id(message.id).status == "sent"


def test_the_register_check_names_an_entry_edited_behind_the_service(served, dashboard):
    record = ServiceRecord.select().where(ServiceRecord.duration_minutes > 0).first()
    ServiceRecord.update(duration_minutes=600).where(ServiceRecord.id == record.id).execute()
    dashboard.log_in()
    dashboard.text_in("#alert-register", "发现 1 个问题")
    dashboard.open("#check")
    result = dashboard.text_in("#check-result", "核验发现 1 个问题")
    assert dashboard.find(f'#check-problems a[href="#record/{record.id}"]')
    assert "服务时长（分钟）" in result.text and "600" in result.text
    screenshot(dashboard.driver, "office-check.png")


def test_an_api_refusal_is_shown_as_its_chinese_message(served, dashboard):
    from services.date_window import FROM, TO

    dashboard.log_in()
    dashboard.shown("#teams")
    dashboard.open("#register?from=2026-12-01&to=2026-11-01")
    refusal = dashboard.shown("#register-list .notice.error")
    assert refusal.text == f"开始日期 {FROM} 不能晚于结束日期 {TO}。"
    assert dashboard.find("#register-filters").is_displayed()  # the filters stay to fix it
