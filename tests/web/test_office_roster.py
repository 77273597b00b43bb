"""名单导入 on the office dashboard, in a real headless Chromium: the clerk downloads the template,
fills it (openpyxl plays Excel), checks it, sees the bad row named, fixes it, checks again and
imports; the members are then in the database."""

from pathlib import Path

import openpyxl

from models import AuditLog, Member, Team
from tests.web.dashboard import Dashboard, allow_downloads, downloaded


def test_the_view_module_is_served(client):
    response = client.get("/office/static/roster.js")
    assert response.status_code == 200 and b"roster/import" in response.get_data()
    response.close()


def _fill(template: Path, path: Path, phone: str) -> Path:
    """The template with a community, a team and two members, as a clerk types them."""
    book = openpyxl.load_workbook(template)
    book["社区"].append(["测试社区", "测试路1号", 34.75, 113.63, "gcj02", 300])
    book["服务队"].append(["第九服务队", "测试社区", "13900000001"])
    book["党员"].append(["王一", "13900000001", "机关第一党支部", "第九服务队", "队长"])
    book["党员"].append(["王二", phone, "机关第一党支部", "第九服务队", "队员"])
    book.save(path)
    return path


def _choose(page: Dashboard, path: Path) -> None:
    page.find("#roster-file").send_keys(str(path))
    page.wait.until(lambda d: page.find("#roster-check").is_enabled())


def _problem_rows(page: Dashboard) -> list[dict]:
    rows = page.all("#roster-problems tbody tr")
    fields = ("sheet", "row", "column", "message")
    return [
        {f: row.find_element("css selector", f'[data-field="{f}"]').text for f in fields}
        for row in rows
    ]


def test_the_clerk_checks_fixes_and_imports_the_roster(served, dashboard, tmp_path):
    downloads = allow_downloads(dashboard.driver, tmp_path / "downloads")
    dashboard.log_in()
    dashboard.shown("#nav a[data-view='roster']").click()
    dashboard.shown("#roster-template").click()
    template = downloaded(dashboard, downloads, ".xlsx")
    assert openpyxl.load_workbook(template)["党员"]["B1"].value == "手机号*"
    assert not dashboard.find("#roster-import").is_enabled()

    # A phone with a letter in it: the check names the cell, and nothing can be imported.
    _choose(dashboard, _fill(template, tmp_path / "名单.xlsx", "1390000000x"))
    dashboard.find("#roster-check").click()
    dashboard.text_in("#roster-verdict", "1 个错误")
    (problem,) = _problem_rows(dashboard)
    assert (problem["sheet"], problem["row"], problem["column"]) == ("党员", "4", "B 列「手机号*」")
    assert "1390000000x" in problem["message"]
    assert not dashboard.find("#roster-import").is_enabled()

    # Fixed and saved again: a clean check lists the additions and lets the clerk import.
    _choose(dashboard, _fill(template, tmp_path / "名单（改）.xlsx", "13900000002"))
    assert dashboard.find("#roster-result").text == ""
    dashboard.find("#roster-check").click()
    dashboard.text_in("#roster-verdict", "检查通过")
    labels = [cell.text for cell in dashboard.all("#roster-changes [data-field='label']")]
    assert any("13900000002" in label and "王二" in label for label in labels)
    assert Member.select().where(Member.phone == "13900000002").count() == 0
    dashboard.wait.until(lambda d: dashboard.find("#roster-import").is_enabled())
    dashboard.find("#roster-import").click()
    dashboard.text_in("#roster-verdict", "已导入")

    team = Team.get(Team.name == "第九服务队")
    members = {m.phone: (m.name, m.role) for m in team.members}
    assert members == {"13900000001": ("王一", "leader"), "13900000002": ("王二", "member")}
    assert AuditLog.get(AuditLog.action == "roster_import").detail["file"] == "名单（改）.xlsx"
    assert not dashboard.find("#roster-import").is_enabled()  # one import per check


def test_a_file_that_is_not_a_workbook_is_told_in_chinese(served, dashboard, tmp_path):
    fake = tmp_path / "名单.xlsx"
    fake.write_text("姓名,手机号\n<b>张三</b>,13800000001\n", encoding="utf-8")
    dashboard.log_in()
    dashboard.shown("#nav a[data-view='roster']").click()
    _choose(dashboard, fake)
    dashboard.find("#roster-check").click()
    message = dashboard.text_in("#roster-result .notice.error", "不是 Excel 工作簿").text
    assert "名单.xlsx" in message
    assert not dashboard.find("#roster-import").is_enabled()
