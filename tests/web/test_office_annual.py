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
    assert book.sheetnames == ["年度考核", "表彰名单"]
    names = [r[1] for r in book["年度考核"].iter_rows(min_row=2, values_only=True)]
    assert first.name in names

    dashboard.find("#annual-final-start").click()
    dashboard.shown("#annual-final-confirm").click()
    dashboard.text_in("#annual-final", "还没有结束")
    assert dashboard.find("#annual-final-start").is_enabled()
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
