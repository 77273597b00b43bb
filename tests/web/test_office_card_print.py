"""居民意见's 批量打印评价卡 in a real headless Chromium against the demo programme: the clerk
picks a team's paired members and downloads one A4 PDF; a pick with no card says so in
Chinese."""

import math

from PIL.PdfParser import PdfParser
from selenium.webdriver.support.ui import Select

from models import Member, Pairing, Team
from services import clock
from services.feedback_card_pick import CARDS_MAX
from tests.web.browser import screenshot
from tests.web.dashboard import allow_downloads, downloaded


def _open_panel(dashboard):
    dashboard.log_in()
    dashboard.shown("#teams")
    dashboard.open("#feedback")
    dashboard.text_in("#feedback-page-info", "共")
    dashboard.find("#cards-panel summary").click()
    return dashboard.shown("#cards-form")


def _paired(team_id: int) -> int:
    return (
        Member.select()
        .join(Pairing, on=(Pairing.member == Member.id))
        .where(Member.active & (Member.team == team_id) & Pairing.ended_on.is_null())
        .count()
    )


def test_a_teams_paired_members_cards_download_as_one_a4_pdf(served, dashboard, tmp_path):
    folder = allow_downloads(dashboard.driver, tmp_path / "downloads")
    _open_panel(dashboard)
    assert f"一次最多 {CARDS_MAX} 张" in dashboard.find("#cards-panel").text
    team = Team.get_by_id(1)
    Select(dashboard.find("#cards-team")).select_by_value(str(team.id))
    Select(dashboard.find("#cards-kind")).select_by_value("member")
    dashboard.find("#cards-pdf").click()
    dashboard.text_in("#cards-status", "已下载")
    screenshot(dashboard.driver, "office-feedback-cards.png")
    path = downloaded(dashboard, folder, ".pdf")
    today = clock.local_today().isoformat()
    assert path.name == f"评价卡_{team.name}_结对党员_{today}.pdf"
    parser = PdfParser(buf=path.read_bytes())
    paired = _paired(team.id)
    assert paired > 0 and len(parser.pages) == math.ceil(paired / 6)
    box = parser.read_indirect(parser.pages[0])[b"MediaBox"]
    assert round(box[2]) == 595 and round(box[3]) == 842  # A4 in points


def test_a_pick_without_cards_is_refused_in_chinese(served, dashboard):
    form = _open_panel(dashboard)
    Select(dashboard.find("#cards-kind")).select_by_value("activity")
    for name, value in (("from", "2001-01-01"), ("to", "2001-01-31")):
        field = form.find_element("css selector", f'input[name="{name}"]')
        dashboard.driver.execute_script("arguments[0].value = arguments[1]", field, value)
    dashboard.find("#cards-zip").click()
    refusal = dashboard.shown("#cards-status .notice.error")
    assert refusal.text.startswith("没有符合条件的评价卡")
