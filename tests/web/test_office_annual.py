"""The 年度考核 view in a real headless Chromium against the demo programme: a table per team
with the year's figures as the service counts them, a decision saved per row (the button off
while it saves), another clerk's change refused in words, the Excel file, and 定稿 asked
twice, refused while the year runs, and a final year read-only."""

from openpyxl import load_workbook

from models import Assessment, AssessmentYear, Team
from services import clock
from services.annual_figures import members_of_year
from tests.web.browser import screenshot
from tests.web.dashboard import allow_downloads, downloaded


def test_the_menu_lists_the_annual_view(client):
    html = client.get("/office").get_data(as_text=True)
    assert 'data-view="annual">年度考核</a>' in html
    script = client.get("/office/static/annual.js")
    assert script.status_code == 200 and b"export default" in script.get_data()
    script.close()


def _open(dashboard, year):
    dashboard.log_in()
    dashboard.shown("#teams")
    dashboard.open(f"#annual?year={year}")
    return dashboard.shown("section.annual-team tr[data-member-id]")


def test_the_clerk_decides_a_member_exports_and_cannot_finalise_a_running_year(
    served, dashboard, tmp_path
):
    from selenium.webdriver.support.ui import Select

    year = clock.local_today().year
    folder = allow_downloads(dashboard.driver, tmp_path / "downloads")
    _open(dashboard, year)
    with served.app.app_context():
        teams = [t.id for t in Team.select().order_by(Team.id)]
        figures = members_of_year(year, clock.now_utc(), None)
    assert [
        int(s.get_attribute("data-team-id")) for s in dashboard.all("section.annual-team")
    ] == teams
    first = figures[teams[0]][0]
    row_css = (
        f'section.annual-team[data-team-id="{teams[0]}"] tr[data-member-id="{first.member_id}"]'
    )
    row = dashboard.find(row_css)
    assert row.find_element("css selector", '[data-field="hours"]').text == f"{first.hours:.1f}"
    visits = row.find_element("css selector", '[data-field="visits"]').text
    assert visits == f"{first.visits} 次（{first.visit_months} 个月）"
    titles = {
        th.text: th.get_attribute("title")
        for th in dashboard.all(f'section.annual-team[data-team-id="{teams[0]}"] th')
    }
    assert titles["结对走访"].startswith("计入服务时长的走访登记：已签退并填写完整")
    assert titles["入户走访"].startswith("每次走访签到算一次")
    assert not titles["姓名"]
    hint = dashboard.find('[data-field="visits-hint"]').text
    assert "结对走访是 0，入户走访是 1" in hint
    assert "年度尚未结束" in row.find_element("css selector", '[data-field="suggestion"]').text

    Select(row.find_element("css selector", 'select[name="grade"]')).select_by_value("excellent")
    row.find_element("css selector", 'input[name="commended"]').click()
    row.find_element("css selector", 'input[name="note"]').send_keys("全年坚持走访")
    save = row.find_element("css selector", "button.save")
    assert dashboard.driver.execute_script(
        "arguments[0].click(); return arguments[0].disabled;", save
    )
    dashboard.text_in(f'{row_css} [data-field="saved"]', "已保存：优秀，表彰")
    assert save.is_enabled()
    with served.app.app_context():
        kept = Assessment.get(Assessment.member == first.member_id)
        assert (kept.grade, kept.commended, kept.note, kept.version) == (
            "excellent",
            True,
            "全年坚持走访",
            1,
        )
        Assessment.update(version=2, grade="pass").where(Assessment.id == kept.id).execute()

    # another clerk saved since: refused in words, nothing overwritten
    Select(row.find_element("css selector", 'select[name="grade"]')).select_by_value("excellent")
    row.find_element("css selector", 'input[name="note"]').send_keys("。")
    save.click()
    dashboard.text_in(f'{row_css} [data-field="saved"]', "刚刚已被其他人修改")
    with served.app.app_context():
        assert Assessment.get(Assessment.member == first.member_id).grade == "pass"

    # 基本合格 and 不合格 cannot be commended: the box empties and is off
    Select(row.find_element("css selector", 'select[name="grade"]')).select_by_value("basic")
    box = row.find_element("css selector", 'input[name="commended"]')
    assert not box.is_enabled() and not box.is_selected()

    dashboard.find("#annual-export").click()
    path = downloaded(dashboard, folder, ".xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["年度考核", "表彰名单", "说明"]
    names = [r[1] for r in book["年度考核"].iter_rows(min_row=2, values_only=True)]
    assert first.name in names

    # a running year: 定稿 is not offered, the panel says when it can be done
    dashboard.text_in('#annual-final [data-field="not-yet"]', "还没有结束")
    assert not dashboard.all("#annual-final-start")
    screenshot(dashboard.driver, "office-annual.png")
    with served.app.app_context():
        assert not AssessmentYear.select().exists()


def test_a_final_year_is_read_only(served, dashboard):
    year = clock.local_today().year
    with served.app.app_context():
        AssessmentYear.create(year=year, finalised_at=clock.now_utc())
    _open(dashboard, year)
    dashboard.text_in('#annual-final [data-field="final"]', "已定稿")
    assert not dashboard.all("section.annual-team button.save")
    selects = dashboard.all('section.annual-team select[name="grade"]')
    assert selects and not any(s.is_enabled() for s in selects)


WIDE_SCREEN = (1366, 768)  # a common office screen


def test_at_1366_px_every_rows_decision_and_save_are_in_view(served, dashboard):
    driver = dashboard.driver
    driver.set_window_size(*WIDE_SCREEN)
    _open(dashboard, clock.local_today().year)
    assert driver.execute_script("return innerWidth") <= WIDE_SCREEN[0]
    found = driver.execute_script(
        """
        const out = [];
        for (const box of document.querySelectorAll("section.annual-team .table-scroll")) {
          const edge = Math.min(box.getBoundingClientRect().right, innerWidth);
          const sideways = box.scrollWidth - box.clientWidth;
          for (const b of box.querySelectorAll("button.save")) {
            out.push([b.getBoundingClientRect().right - edge, sideways]);
          }
        }
        return out;
        """
    )
    assert found
    assert all(past <= 0 and sideways <= 1 for past, sideways in found), found
    screenshot(driver, "office-annual-1366.png")


def _answer(dashboard, accept: bool) -> str:
    from selenium.webdriver.support import expected_conditions as ec

    alert = dashboard.wait.until(ec.alert_is_present())
    text = alert.text
    alert.accept() if accept else alert.dismiss()
    return text


def _unload_held(driver) -> bool:
    return driver.execute_script(
        "const e = new Event('beforeunload', {cancelable: true});"
        "dispatchEvent(e); return e.defaultPrevented;"
    )


def test_unsaved_edits_are_marked_and_asked_about_before_they_are_lost(served, dashboard):
    from selenium.webdriver.support.ui import Select

    driver = dashboard.driver
    year = clock.local_today().year
    _open(dashboard, year)
    with served.app.app_context():
        teams = [t.id for t in Team.select().order_by(Team.id)]
    rows = dashboard.all(f'section.annual-team[data-team-id="{teams[0]}"] tr[data-member-id]')
    edited, untouched = rows[0], rows[1]
    name = edited.find_element("css selector", ".name").text
    assert not _unload_held(driver)
    edited.find_element("css selector", 'input[name="note"]').send_keys("待核实")
    assert "unsaved" in edited.get_attribute("class")
    assert edited.find_element("css selector", '[data-field="saved"]').text == "未保存"
    assert "unsaved" not in untouched.get_attribute("class")
    assert "未保存" not in untouched.text
    assert _unload_held(driver)  # a reload asks first

    # another team: asked; kept on the page when the clerk says no
    Select(dashboard.find("#annual-team")).select_by_value(str(teams[1]))
    assert name in _answer(dashboard, accept=False)
    assert Select(dashboard.find("#annual-team")).first_selected_option.text == "全部"
    assert "team_id" not in driver.execute_script("return location.hash")
    note = edited.find_element("css selector", 'input[name="note"]')
    assert note.get_attribute("value") == "待核实"

    # another view from the menu: asked too
    dashboard.find('#nav a[data-view="overview"]').click()
    assert "还没有保存" in _answer(dashboard, accept=False)
    assert driver.execute_script("return location.hash").startswith("#annual")
    assert note.get_attribute("value") == "待核实"

    # saving clears the mark; nothing is asked any more
    edited.find_element("css selector", "button.save").click()
    dashboard.text_in(
        f'tr[data-member-id="{edited.get_attribute("data-member-id")}"] [data-field="saved"]',
        "已保存",
    )
    assert "unsaved" not in edited.get_attribute("class")
    assert not _unload_held(driver)

    # edited again, then the clerk agrees to leave: the other team is shown
    note.send_keys("。")
    Select(dashboard.find("#annual-year")).select_by_value(str(year - 1))
    _answer(dashboard, accept=True)
    dashboard.text_in("#annual-final", "")
    dashboard.wait.until(lambda d: f"year={year - 1}" in d.execute_script("return location.hash"))


def test_undecided_rows_are_marked_counted_and_can_be_shown_alone(served, dashboard):
    year = clock.local_today().year
    _open(dashboard, year)
    rows = dashboard.all("section.annual-team tr[data-member-id]")
    undecided = dashboard.all("section.annual-team tr.undecided")
    assert undecided and len(undecided) == len(rows)  # nobody decided in the demo yet
    dashboard.text_in('[data-field="undecided"]', f"还有 {len(rows)} 名党员没有确定考核等次")
    first = rows[0]
    first.find_element("css selector", "button.save").click()
    dashboard.text_in('[data-field="undecided"]', f"还有 {len(rows) - 1} 名")
    assert "undecided" not in first.get_attribute("class")
    dashboard.find("#annual-undecided").click()
    assert not first.is_displayed() and rows[1].is_displayed()


def test_show_only_undecided_stays_as_set_across_team_and_year(served, dashboard):
    from selenium.webdriver.support.ui import Select

    driver = dashboard.driver
    year = clock.local_today().year
    _open(dashboard, year)
    with served.app.app_context():
        teams = [t.id for t in Team.select().order_by(Team.id)]
    dashboard.find("#annual-undecided").click()
    assert "undecided=1" in driver.execute_script("return location.hash")
    for pick, value in (("#annual-team", str(teams[1])), ("#annual-year", str(year - 1))):
        Select(dashboard.find(pick)).select_by_value(value)
        dashboard.wait.until(lambda d, v=value: v in d.execute_script("return location.hash"))
        dashboard.shown("section.annual-team")
        assert dashboard.find("#annual-undecided").is_selected()
        assert "undecided-only" in dashboard.find("#annual-list").get_attribute("class")
    driver.refresh()  # the address keeps it, as every filter of the dashboard
    dashboard.shown("section.annual-team")
    assert dashboard.find("#annual-undecided").is_selected()
    dashboard.find("#annual-undecided").click()
    assert "undecided" not in driver.execute_script("return location.hash")
    assert "undecided-only" not in dashboard.find("#annual-list").get_attribute("class")


def _log_in_again(dashboard, message):
    """The login form the page fell back to, filled in where it stands (no reload)."""
    dashboard.text_in("#login-message", message)
    dashboard.find("#username").clear()
    dashboard.find("#username").send_keys("office")
    dashboard.find("#password").send_keys("demo1234")
    dashboard.find("#login-button").click()


def _drafts(driver) -> list[str]:
    return driver.execute_script(
        "return Object.keys(sessionStorage).filter((k) => k.includes('annual'))"
        ".map((k) => sessionStorage.getItem(k)).filter((v) => v !== '{}')"
    )


def test_unsaved_edits_outlive_an_ended_login_and_are_saved_after_logging_in(served, dashboard):
    from selenium.webdriver.support.ui import Select

    from models import ApiToken

    driver = dashboard.driver
    year = clock.local_today().year
    _open(dashboard, year)
    first, second = dashboard.all("section.annual-team tr[data-member-id]")[:2]
    ids = [r.get_attribute("data-member-id") for r in (first, second)]
    Select(first.find_element("css selector", 'select[name="grade"]')).select_by_value("excellent")
    first.find_element("css selector", 'input[name="commended"]').click()
    first.find_element("css selector", 'input[name="note"]').send_keys("全年坚持走访")
    second.find_element("css selector", 'input[name="note"]').send_keys("待核实")

    # the login is revoked on the server: the save is refused and the login form shows
    with served.app.app_context():
        ApiToken.update(revoked_at=clock.now_utc()).execute()
    first.find_element("css selector", "button.save").click()
    _log_in_again(dashboard, "登录")
    dashboard.text_in('#annual-list [data-field="restored"]', "已恢复 2 条未保存的修改")
    rows = [dashboard.find(f'tr[data-member-id="{i}"]') for i in ids]
    for row in rows:
        assert "unsaved" in row.get_attribute("class")
        assert row.find_element("css selector", '[data-field="saved"]').text == "未保存"
    grade = Select(rows[0].find_element("css selector", 'select[name="grade"]'))
    assert grade.first_selected_option.get_attribute("value") == "excellent"
    assert rows[0].find_element("css selector", 'input[name="commended"]').is_selected()
    notes = [r.find_element("css selector", 'input[name="note"]') for r in rows]
    assert [n.get_attribute("value") for n in notes] == ["全年坚持走访", "待核实"]

    for row, member in zip(rows, ids, strict=True):
        row.find_element("css selector", "button.save").click()
        dashboard.text_in(f'tr[data-member-id="{member}"] [data-field="saved"]', "已保存")
    with served.app.app_context():
        kept = {
            str(a.member_id): (a.grade, a.commended, a.note)
            for a in Assessment.select().where(Assessment.year == year)
        }
    assert kept[ids[0]] == ("excellent", True, "全年坚持走访")
    assert kept[ids[1]][2] == "待核实"
    assert _drafts(driver) == []  # saved: nothing kept aside any more
    driver.refresh()
    dashboard.shown("section.annual-team tr[data-member-id]")
    assert not dashboard.all('[data-field="restored"]')


def test_unsaved_edits_outlive_a_log_out_in_another_tab(served, dashboard):
    driver = dashboard.driver
    year = clock.local_today().year
    _open(dashboard, year)
    row = dashboard.all("section.annual-team tr[data-member-id]")[0]
    member = row.get_attribute("data-member-id")
    row.find_element("css selector", 'input[name="note"]').send_keys("下次补记")
    annual_tab = driver.current_window_handle
    driver.switch_to.new_window("tab")
    driver.get(f"{served.url}/office")
    dashboard.shown("#logout").click()
    dashboard.shown("#username")
    driver.close()
    driver.switch_to.window(annual_tab)
    _log_in_again(dashboard, "其他标签页退出登录")
    note = dashboard.shown(f'tr[data-member-id="{member}"] input[name="note"]')
    assert note.get_attribute("value") == "下次补记"
    dashboard.text_in('[data-field="restored"]', "已恢复 1 条未保存的修改")

    # the clerk who logs out here, agreeing to lose them, leaves nothing behind
    dashboard.find("#logout").click()
    _answer(dashboard, accept=True)
    dashboard.shown("#username")
    assert _drafts(driver) == []


def test_a_decision_saved_meanwhile_is_named_at_every_restore(served, dashboard):
    """Another clerk decided the member while this clerk's edit waited: the restored row says
    so, and still says so after the edit is restored a second time."""
    from models import ApiToken
    from models.oversight import ASSESSMENT_GRADES

    year = clock.local_today().year
    _open(dashboard, year)
    row = dashboard.all("section.annual-team tr[data-member-id]")[0]
    member = row.get_attribute("data-member-id")
    row.find_element("css selector", 'input[name="note"]').send_keys("我的意见")
    with served.app.app_context():
        Assessment.create(
            year=year,
            member=int(member),
            grade=ASSESSMENT_GRADES[1],
            note="他人的决定",
            decided_at=clock.now_utc(),
            version=1,
        )
        ApiToken.update(revoked_at=clock.now_utc()).execute()
    row.find_element("css selector", "button.save").click()
    changed = f'tr[data-member-id="{member}"] [data-field="changed-since"]'
    for _ in range(2):
        _log_in_again(dashboard, "登录")
        dashboard.text_in(changed, "其间已被其他人改为：合格")
        note = dashboard.find(f'tr[data-member-id="{member}"] input[name="note"]')
        assert note.get_attribute("value") == "我的意见"
        with served.app.app_context():
            ApiToken.update(revoked_at=clock.now_utc()).execute()
        dashboard.driver.refresh()
