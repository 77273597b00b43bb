"""/office's 居民意见 and 队伍通知 views in a real headless Chromium against the demo programme
served over HTTP (the fixtures are conftest's, the clerk's moves dashboard's)."""

from datetime import timedelta

import pytest
import segno
from peewee import fn

from models import Feedback, FeedbackCode, Member
from services import broadcast, clock
from services.feedback_cards import page_url, public_base
from services.outbox_delivery import Policy
from tests.api.test_feedback import read_qr
from tests.factories import quiet_hours_around_now
from tests.web.browser import screenshot
from tests.web.dashboard import allow_downloads, downloaded

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", ["filters.js", "feedback.js", "broadcasts.js"])
def test_the_view_files_are_served(client, name):
    response = client.get(f"/office/static/{name}")
    assert response.status_code == 200 and response.get_data()
    response.close()


def test_the_menu_lists_the_new_views(client):
    html = client.get("/office").get_data(as_text=True)
    assert 'data-view="feedback">居民意见</a>' in html
    assert 'data-view="broadcasts">队伍通知</a>' in html


# --- 居民意见 -------------------------------------------------------------------------------


def _open_feedback(dashboard, hash_="#feedback"):
    dashboard.log_in()
    dashboard.shown("#teams")
    dashboard.open(hash_)
    dashboard.text_in("#feedback-page-info", "共")


def _cards(dashboard):
    return dashboard.all("#feedback-list [data-feedback-id]")


def _card(dashboard, feedback_id):
    return f'#feedback-list [data-feedback-id="{feedback_id}"]'


def test_the_demo_ratings_are_listed_the_held_ones_first(served, dashboard):
    oldest = Feedback.select(fn.MIN(Feedback.created_at)).scalar()
    aged = Feedback.select().where(Feedback.moderation == "pending").first()
    aged.created_at = oldest - timedelta(days=1)  # older than all: held, it still leads
    aged.save()
    _open_feedback(dashboard)
    screenshot(dashboard.driver, "office-feedback.png")
    every = {f.id: f for f in Feedback.select()}
    held = {f.id for f in every.values() if f.moderation == "pending"}
    cards = _cards(dashboard)
    shown = [int(c.get_attribute("data-feedback-id")) for c in cards]
    assert sorted(shown) == sorted(every) and len(held) == 3  # one held per demo team
    assert set(shown[: len(held)]) == held
    assert dashboard.find("#feedback-page-info").text.startswith(f"共 {len(every)} 条")
    for card in cards:
        row = every[int(card.get_attribute("data-feedback-id"))]
        rating = card.find_element("css selector", '[data-field="rating"]')
        assert rating.get_attribute("data-rating") == str(row.rating)
        assert f"{row.rating} 分" in rating.text
        if row.comment:
            assert card.find_element("css selector", '[data-field="comment"]').text == row.comment
    first = cards[0]
    assert "待办公室审阅" in first.find_element("css selector", '[data-field="moderation"]').text
    assert "留言含有不宜展示的词语" in first.text
    assert first.find_element("css selector", '[data-decision="approve"]').is_displayed()
    member_card = next(c for c in cards if every[int(c.get_attribute("data-feedback-id"))].member)
    target = member_card.find_element("css selector", '[data-field="target"]').text
    rated = every[int(member_card.get_attribute("data-feedback-id"))].member
    assert target == f"结对党员：{rated.name}"


def test_a_held_comment_is_rejected_with_a_note_and_another_approved(served, dashboard):
    _open_feedback(dashboard, "#feedback?moderation=pending")
    held = [f.id for f in Feedback.select().where(Feedback.moderation == "pending")]
    first, second = sorted(held)[:2]
    card = _card(dashboard, first)
    dashboard.find(f'{card} [data-decision="reject"]').click()
    ask = dashboard.text_in(f"{card} .verdict-status", "请写明原因")
    assert "{" not in ask.text
    assert Feedback.get_by_id(first).moderation == "pending"  # nothing sent without a note

    dashboard.find(f"{card} textarea").send_keys("广告，与服务无关")
    dashboard.find(f'{card} [data-decision="reject"]').click()
    dashboard.text_in(card, "已保存：未通过")
    saved = Feedback.get_by_id(first)
    assert (saved.moderation, saved.moderation_note) == ("rejected", "广告，与服务无关")
    assert saved.moderated_by is not None and saved.moderated_at is not None
    assert "说明：广告，与服务无关" in dashboard.find(card).text

    dashboard.find(f'{_card(dashboard, second)} [data-decision="approve"]').click()
    dashboard.text_in(_card(dashboard, second), "已保存：已通过")
    assert Feedback.get_by_id(second).moderation == "approved"
    screenshot(dashboard.driver, "office-feedback-moderated.png")


def test_an_api_refusal_of_a_decision_is_shown_in_chinese(served, dashboard):
    _open_feedback(dashboard, "#feedback?moderation=pending")
    held = Feedback.select().where(Feedback.moderation == "pending").order_by(Feedback.id).first()
    card = _card(dashboard, held.id)
    Feedback.delete().where(Feedback.id == held.id).execute()  # gone behind the page
    dashboard.find(f'{card} [data-decision="approve"]').click()
    refusal = dashboard.shown(f"{card} .verdict-status .notice.error")
    assert refusal.text == "没有这条居民评价。"


def test_a_members_qr_code_downloads_as_the_png_of_the_rating_page(served, dashboard, tmp_path):
    folder = allow_downloads(dashboard.driver, tmp_path / "downloads")
    member = Member.get((Member.team == 1) & (Member.role == "member"))
    _open_feedback(dashboard, "#feedback?team_id=1")
    row = dashboard.shown(f'#qr-members tr[data-member-id="{member.id}"]')
    assert member.name in row.text
    row.find_element("css selector", "button.qr").click()
    dashboard.text_in("#qr-status", "已下载")
    path = downloaded(dashboard, folder, ".png")
    assert path.name == f"评价二维码_结对党员{member.id}_{member.name}.png"
    png = path.read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    code = FeedbackCode.get(FeedbackCode.target_key == f"member:{member.id}").code
    url = page_url(public_base(served.app.config["SETTINGS"]), code)
    assert read_qr(png) == segno.make(url, error="m").matrix
    assert url.startswith(served.url + "/r/")
    screenshot(dashboard.driver, "office-feedback-qr.png")


def test_an_unknown_team_filter_is_refused_in_chinese_and_the_filters_stay(served, dashboard):
    dashboard.log_in()
    dashboard.shown("#teams")
    dashboard.open("#feedback?team_id=999")
    refusal = dashboard.shown("#feedback-list .notice.error")
    assert "服务队" in refusal.text and "{" not in refusal.text
    assert dashboard.find("#feedback-filters").is_displayed()


# --- 队伍通知 -------------------------------------------------------------------------------


def _send_urgent_at_night(text: str):
    """An urgent notice by team 2's leader, with the quiet hours set around now."""
    leader = Member.get((Member.team == 2) & (Member.role == "leader"))
    policy = Policy(
        orders={},
        default_order=("oa_template", "oa_custom"),
        quiet_hours=quiet_hours_around_now(-1, 2),
    )
    return broadcast.send(leader, text, "office-ui-urgent", clock.now_utc(), policy, urgent=True)


def test_the_notices_list_an_urgent_one_sent_in_the_quiet_hours(served, dashboard):
    sent = _send_urgent_at_night("今晚有暴雨，请各位党员电话联系结对家庭。")
    dashboard.log_in()
    card = f'[data-broadcast-id="{sent.broadcast.id}"]'
    dashboard.text_in("#alert-urgent-notices", "1 条未读").find_element("css selector", "a").click()
    dashboard.wait.until(lambda d: "#broadcasts?urgent=true" in d.current_url)
    dashboard.shown(card)
    dashboard.open("#broadcasts")
    dashboard.text_in(f'{card} [data-field="text"]', "今晚有暴雨")
    screenshot(dashboard.driver, "office-broadcasts.png")
    shown = dashboard.find(card)
    field = lambda name: shown.find_element("css selector", f'[data-field="{name}"]').text  # noqa: E731
    assert field("urgent") == "紧急" and field("quiet") == "免打扰时段发出"
    assert field("team") == sent.broadcast.team.name
    assert field("sender") == sent.broadcast.sender.name
    assert field("deliveries").startswith(f"接收 {sent.recipients} 人")
    assert dashboard.find('#quarter-urgent [data-team-id="2"] [data-field="urgent"]').text == "1"

    dashboard.find('#quarter-urgent [data-team-id="2"] a').click()  # that team's urgent ones
    dashboard.wait.until(lambda d: "urgent=true" in d.current_url and "team_id=2" in d.current_url)
    dashboard.text_in("#broadcasts-page-info", "共 1 条")
    assert dashboard.shown(card)
    dashboard.open("#broadcasts?urgent=true&team_id=1")
    dashboard.text_in("#broadcast-list", "没有符合条件的通知")


def test_no_notices_is_said_so_and_the_overview_has_no_urgent_link(served, dashboard):
    dashboard.log_in()
    dashboard.text_in("#alert-register", "登记簿核验")
    dashboard.open("#broadcasts")
    dashboard.text_in("#broadcasts-page-info", "共 0 条")
    assert "没有符合条件的通知" in dashboard.find("#broadcast-list").text
    dashboard.open("#overview")
    dashboard.shown("#teams")
    assert not dashboard.all("#alert-urgent-notices")
