"""The resident's feedback page /r/<code>: a plain form that works without JavaScript, a
thank-you page once the rating is stored, polite Chinese pages for every refusal; and the
whole thing in headless Chromium."""

import re
import time
from datetime import timedelta

import pytest

from models import Feedback, Member
from services import clock
from services.feedback_targets import code_for
from tests.factories import make_activity, make_member, make_team
from tests.web.browser import Served, chromium, console_errors, screenshot

WAIT_SECONDS = 20
REPLACED = "您今天早些时候的评价已更新为这一次的，只算一次。"


@pytest.fixture(autouse=True)
def no_reading_time(settings_overrides):
    """These tests (and Chromium) post as soon as the page is open; the least age a form must
    have is tested on its own, with the default setting."""
    settings_overrides["feedback"] = {"min_form_seconds": 0}


@pytest.fixture
def member(app):
    return make_member(name="王建国", phone="13812345678", team=make_team(name="第一服务队"))


@pytest.fixture
def code(member):
    return code_for("member", member.id, clock.now_utc())


def form_id(html: str) -> str:
    return re.search(r'name="form_id" value="([^"]+)"', html)[1]


def send(client, path: str, data: dict):
    """Post the form as a browser does: every post is answered with a 303 (never kept) to a
    plain page, which the browser then opens."""
    answer = client.post(path, data=data)
    assert answer.status_code == 303 and answer.headers["Cache-Control"] == "no-store"
    return client.get(answer.headers["Location"])


def open_form(client, code) -> str:
    page = client.get(f"/r/{code}")
    assert page.status_code == 200
    return form_id(page.get_data(as_text=True))


def test_the_page_names_the_member_by_surname_and_never_shows_the_phone(client, code):
    page = client.get(f"/r/{code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "王同志" in html and "第一服务队" in html
    assert "王建国" not in html and "13812345678" not in html and "1381" not in html
    assert html.count('type="radio" name="rating"') == 5 and "<script" not in html
    assert 'method="post"' in html and 'name="comment"' in html
    cookie = page.headers["Set-Cookie"]
    assert "xf_rater=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_comment_example_fits_the_card(client, member):
    now = clock.now_utc()
    li = make_member(name="李红", team=member.team)
    activity = make_activity(member.team, starts_at=now - timedelta(hours=1), title="义诊")
    pages = {
        "member": ("member", li.id),
        "activity": ("activity", activity.id),
        "team": ("team", member.team_id),
    }
    for kind, target in pages.items():
        html = client.get(f"/r/{code_for(*target, now)}").get_data(as_text=True)
        example = re.search(r'placeholder="([^"]+)"', html)[1]
        assert "王同志" not in example and example.startswith("例如")
        assert ("李同志" in example) == (kind == "member"), example


def test_a_post_is_thanked_and_recorded_once(client, code, member):
    fid = open_form(client, code)
    body = {"form_id": fid, "rating": "5", "comment": "很热心"}
    first = send(client, f"/r/{code}", data=body)
    again = send(client, f"/r/{code}", data=body)  # a double tap
    for answer in (first, again):
        html = answer.get_data(as_text=True)
        assert answer.status_code == 200 and "感谢您的评价" in html and "5 分" in html
    row = Feedback.get()
    assert (Feedback.select().count(), row.member_id, row.rating) == (1, member.id, 5)
    assert row.comment == "很热心" and row.moderation == "approved"


def test_the_thanks_shows_again_on_reload_and_only_for_its_own_card(
    client, code, member, monkeypatch
):
    """The thanks page's address carries the rating, signed: a reload (or Back, Forward)
    shows it again; altered, moved to another card or a day old, it is the card's form."""
    answer = client.post(f"/r/{code}", data={"form_id": open_form(client, code), "rating": "5"})
    thanks = answer.headers["Location"]
    assert answer.status_code == 303 and thanks.startswith(f"/r/{code}/thanks?t=")
    for _ in range(2):
        page = client.get(thanks)
        assert page.status_code == 200 and "5 分" in page.get_data(as_text=True)
    token = thanks.split("t=")[1]
    other = code_for("team", member.team_id, clock.now_utc())
    altered = token[:-1] + ("0" if token[-1] != "0" else "1")
    for card, path in [
        (other, f"/r/{other}/thanks?t={token}"),
        (code, f"/r/{code}/thanks?t={altered}"),
        (code, f"/r/{code}/thanks"),
    ]:
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["Location"] == f"/r/{card}"
    later = clock.now_utc() + timedelta(hours=25)
    monkeypatch.setattr(clock, "now_utc", lambda: later)
    assert client.get(thanks).headers["Location"] == f"/r/{code}"


def test_the_form_as_it_came_back_stays_out_of_addresses_and_goes_once_thanked(client, code):
    """The comment travels in the page's own signed cookie, not the address; after the next
    post is thanked, the page it came back on (Back) is the card's form afresh."""
    fid = open_form(client, code)
    answer = client.post(f"/r/{code}", data={"form_id": fid, "comment": "楼道灯坏了"})
    assert answer.status_code == 303 and answer.headers["Location"] == f"/r/{code}/again"
    cookie = answer.headers["Set-Cookie"]
    assert "xf_again=" in cookie and "HttpOnly" in cookie and "Path=/r" in cookie
    for _ in range(2):  # the page, and a reload of it
        page = client.get(f"/r/{code}/again")
        assert page.status_code == 400 and "楼道灯坏了" in page.get_data(as_text=True)
    send(client, f"/r/{code}", {"form_id": fid, "rating": "4", "comment": "楼道灯坏了"})
    back = client.get(f"/r/{code}/again")
    assert back.status_code == 303 and back.headers["Location"] == f"/r/{code}"
    client.set_cookie("xf_again", "e30.1.0", path="/r")  # made up: not the service's
    assert client.get(f"/r/{code}/again").headers["Location"] == f"/r/{code}"
    assert [(r.rating, r.comment) for r in Feedback.select()] == [(4, "楼道灯坏了")]


def test_a_missing_rating_shows_the_form_again_with_what_was_typed(client, code):
    fid = open_form(client, code)
    answer = send(client, f"/r/{code}", data={"form_id": fid, "comment": "留言还在"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "请点选 1 到 5 颗星" in html and "留言还在" in html
    assert form_id(html) == fid and Feedback.select().count() == 0
    assert send(client, f"/r/{code}", data={"form_id": fid, "rating": "4"}).status_code == 200


@pytest.mark.parametrize("path", ["/r/AAAAAAAAAAAAAAAAAAAA", "/r/x", "/r/%E4%BD%A0%E5%A5%BD"])
def test_an_unknown_code_is_a_polite_404_page(client, path):
    for answer in (client.get(path), send(client, path, data={"rating": "5"})):
        html = answer.get_data(as_text=True)
        assert answer.status_code == 404 and "二维码无法识别" in html
        assert "Traceback" not in html and answer.mimetype == "text/html"


@pytest.mark.parametrize("path", ["/r", "/r/", "/r/x/y", "/R", "/R/", "/R/nosuchcode", "/R/a/"])
def test_anything_under_r_that_is_no_card_is_the_large_404_page(client, path):
    for method in (client.get, client.post):
        answer = method(path, follow_redirects=True)
        html = answer.get_data(as_text=True)
        assert answer.status_code == 404 and "二维码无法识别" in html, (path, html)
        assert answer.mimetype == "text/html"


@pytest.mark.parametrize("path", ["/r/{code}/", "/R/{code}", "/R/{code}/"])
def test_a_cards_address_with_a_slash_or_capital_r_just_works(client, code, path):
    page = client.get(path.format(code=code), follow_redirects=True)
    assert page.status_code == 200 and "王同志" in page.get_data(as_text=True)
    fid = form_id(page.get_data(as_text=True))
    answer = client.post(
        path.format(code=code), data={"form_id": fid, "rating": "5"}, follow_redirects=True
    )
    assert answer.status_code == 200 and "感谢您的评价" in answer.get_data(as_text=True)
    assert Feedback.select().count() == 1


def test_a_member_who_left_is_a_polite_page(client, code, member):
    fid = open_form(client, code)
    Member.update(active=False).where(Member.id == member.id).execute()
    for answer in (client.get(f"/r/{code}"), send(client, f"/r/{code}", data={"form_id": fid})):
        assert answer.status_code == 410 and "已不在服务队" in answer.get_data(as_text=True)
    assert Feedback.select().count() == 0


def test_a_cancelled_activity_is_a_polite_page(client, member):
    now = clock.now_utc()
    activity = make_activity(member.team, starts_at=now - timedelta(hours=1), status="cancelled")
    answer = client.get(f"/r/{code_for('activity', activity.id, now)}")
    assert answer.status_code == 410 and "已取消" in answer.get_data(as_text=True)


def test_a_post_from_elsewhere_is_refused(app, client, code):
    """Another site can post the form, but not with a form id signed for the resident's cookie."""
    fid = open_form(app.test_client(), code)  # the attacker's own form, for their own cookie
    answer = send(client, f"/r/{code}", data={"form_id": fid, "rating": "1"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 403 and "重新" in html and f'href="/r/{code}"' in html
    assert Feedback.select().count() == 0


def test_rating_again_the_same_day_replaces_the_rating(client, code):
    """Rate 4, Back (a fresh page, or the same one from the cache), rate 2: one rating, 2."""
    fid = open_form(client, code)
    assert send(client, f"/r/{code}", data={"form_id": fid, "rating": "4"}).status_code == 200
    for again in (open_form(client, code), fid):
        answer = send(client, f"/r/{code}", data={"form_id": again, "rating": "2"})
        html = answer.get_data(as_text=True)
        assert answer.status_code == 200 and "2 分" in html
        # said so it cannot be read as "your ratings before today"
        assert REPLACED in html and "今天之前" not in html
    for _ in range(5):  # changing one's mind never meets a "too many" wall
        fid = open_form(client, code)
        assert send(client, f"/r/{code}", data={"form_id": fid, "rating": "3"}).status_code == 200
    assert [r.rating for r in Feedback.select()] == [3]


def test_a_late_resend_of_the_older_page_is_thanked_and_changes_nothing(client, code):
    """Rated 4, then 2 on a fresh page; the phone then resends the first page's post (a slow
    network's retry): thanked for the rating that stands, 2, with no word of a change."""
    first = {"form_id": open_form(client, code), "rating": "4", "comment": "还行"}
    assert send(client, f"/r/{code}", data=first).status_code == 200
    newer = {"form_id": open_form(client, code), "rating": "2", "comment": "不太满意"}
    assert send(client, f"/r/{code}", data=newer).status_code == 200
    answer = send(client, f"/r/{code}", data=first)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "感谢您的评价" in html and "2 分" in html
    assert REPLACED not in html
    assert [(r.rating, r.comment) for r in Feedback.select()] == [(2, "不太满意")]


@pytest.mark.parametrize("days", [30, 7])
def test_every_page_says_plainly_what_is_kept_and_for_how_long(settings_overrides, request, days):
    """No name or phone is asked; the code kept against repeated ratings is named, with the
    days it is kept (feedback.key_keep_days): the footer of the form, the thanks and a
    refusal alike."""
    if days != 30:
        settings_overrides["feedback"] |= {"key_keep_days": days}
    client, code = request.getfixturevalue("client"), request.getfixturevalue("code")
    form = client.get(f"/r/{code}")
    thanks = send(
        client, f"/r/{code}", data={"form_id": form_id(form.get_data(as_text=True)), "rating": "5"}
    )
    refusal = client.get("/r/no-such-card")
    for page in (form, thanks, refusal):
        foot = re.search(r'<footer class="foot">(.*?)</footer>', page.get_data(as_text=True), re.S)[
            1
        ]
        assert "不收集个人信息" not in foot
        assert "不用填写姓名和电话" in foot and "重复评价" in foot
        assert f"{days} 天后自动删除" in foot


def test_a_stale_form_comes_back_with_what_was_typed_and_a_fresh_id(client, code, monkeypatch):
    fid = open_form(client, code)
    later = clock.now_utc() + timedelta(hours=13)
    monkeypatch.setattr(clock, "now_utc", lambda: later)
    body = {"form_id": fid, "rating": "2", "comment": "打字很慢，写了好久"}
    answer = send(client, f"/r/{code}", data=body)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "请再按一次" in html and "打字很慢，写了好久" in html
    assert 'value="2" id="rating-2" checked' in html and Feedback.select().count() == 0
    fresh = form_id(html)
    assert fresh != fid
    assert send(client, f"/r/{code}", data=body | {"form_id": fresh}).status_code == 200
    assert [(r.rating, r.comment) for r in Feedback.select()] == [(2, "打字很慢，写了好久")]


def test_a_browser_without_cookies_is_told_what_to_do(app, client, code):
    fid = open_form(client, code)
    cookieless = app.test_client(use_cookies=False)
    answer = send(cookieless, f"/r/{code}", data={"form_id": fid, "rating": "5"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 403 and "扫一扫" in html and "允许 Cookie" in html
    assert Feedback.select().count() == 0


def test_a_flood_from_fresh_cookies_is_held_and_never_locks_residents_out(app, code):
    """The reviewer's script: a new client, GET, POST 1 star, over and over. Past the
    hour's share (10) every rating waits for the office, and a resident still gets thanks."""
    for _ in range(25):
        bot = app.test_client()
        answer = send(bot, f"/r/{code}", data={"form_id": open_form(bot, code), "rating": "1"})
        assert answer.status_code == 200
    resident = app.test_client()
    answer = send(
        resident, f"/r/{code}", data={"form_id": open_form(resident, code), "rating": "5"}
    )
    assert answer.status_code == 200 and "感谢" in answer.get_data(as_text=True)
    approved = Feedback.select().where(Feedback.moderation == "approved").count()
    held = Feedback.select().where(
        (Feedback.moderation == "pending") & (Feedback.held_reason == "burst")
    )
    assert (approved, held.count()) == (10, 16)


def bot_post(app, code, address="127.0.0.1", comment=""):
    """A script's post: a fresh client (a new cookie), GET, POST 1 star, from `address`."""
    bot = app.test_client()
    bot.environ_base["REMOTE_ADDR"] = address
    return send(
        bot, f"/r/{code}", data={"form_id": open_form(bot, code), "rating": "1", "comment": comment}
    )


def test_past_the_days_ceiling_on_held_ratings_a_flood_is_refused_politely(
    settings_overrides, request
):
    """The flood above, past the day's ceiling on held ratings: a short page in Chinese
    (429) says to come back tomorrow, and nothing more waits for the office."""
    settings_overrides["feedback"] |= {"per_target_per_hour": 2, "held_per_target_per_day": 3}
    app, code = request.getfixturevalue("app"), request.getfixturevalue("code")
    statuses = [bot_post(app, code).status_code for _ in range(5)]
    assert statuses == [200] * 5
    answer = bot_post(app, code)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 429 and "请稍后再评价" in html and "明天" in html
    assert "感谢" not in html and "Traceback" not in html and "<form" not in html
    assert answer.headers["Cache-Control"] == "no-store"
    assert Feedback.select().count() == 5


def test_held_ratings_from_one_public_address_meet_its_ceiling(settings_overrides, request):
    """The address counts when it is the phone's own; the proxy's (loopback) never does."""
    settings_overrides["feedback"] |= {"per_target_per_hour": 1, "held_per_ip_per_day": 2}
    app, code = request.getfixturevalue("app"), request.getfixturevalue("code")
    public = [bot_post(app, code, "114.114.114.114").status_code for _ in range(4)]
    assert public == [200, 200, 200, 429]  # one approved, two held, then refused
    behind_proxy = [bot_post(app, code).status_code for _ in range(4)]
    assert behind_proxy == [200] * 4
    assert Feedback.select().count() == 7


def test_a_post_faster_than_a_person_shows_the_form_again(settings_overrides, request, monkeypatch):
    settings_overrides["feedback"] = {"min_form_seconds": 2}
    client, code = request.getfixturevalue("client"), request.getfixturevalue("code")
    fid = open_form(client, code)
    answer = send(client, f"/r/{code}", data={"form_id": fid, "rating": "4", "comment": "好"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "太快" in html and "感谢" not in html
    assert 'value="4" id="rating-4" checked' in html and Feedback.select().count() == 0
    later = clock.now_utc() + timedelta(seconds=3)
    monkeypatch.setattr(clock, "now_utc", lambda: later)
    answer = send(client, f"/r/{code}", data={"form_id": form_id(html), "rating": "4"})
    assert answer.status_code == 200 and Feedback.select().count() == 1


def test_the_pages_forbid_scripts_framing_and_posting_elsewhere(client, code):
    for answer in (client.get(f"/r/{code}"), client.get("/r/nosuchcard")):
        policy = answer.headers["Content-Security-Policy"]
        for part in ("default-src 'self'", "frame-ancestors 'none'", "form-action 'self'"):
            assert part in policy
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("public_url", "secure"), [("https://x.example.cn", True), ("", False)])
def test_the_cookie_is_secure_when_the_cards_point_at_https(
    settings_overrides, request, public_url, secure
):
    settings_overrides["feedback"] |= {"public_url": public_url}
    client, code = request.getfixturevalue("client"), request.getfixturevalue("code")
    cookie = client.get(f"/r/{code}").headers["Set-Cookie"]
    assert ("; Secure" in cookie) is secure and "HttpOnly" in cookie


def test_a_rating_the_database_did_not_take_is_never_thanked(client, code):
    """Nothing is lost once the resident sees thank you: a failed write says to try again."""
    from models import db

    fid = open_form(client, code)
    db.execute_sql("ALTER TABLE feedback RENAME TO feedback_away")
    try:
        answer = send(client, f"/r/{code}", data={"form_id": fid, "rating": "5"})
    finally:
        db.execute_sql("ALTER TABLE feedback_away RENAME TO feedback")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 503 and "没有提交成功" in html and "感谢" not in html
    assert send(client, f"/r/{code}", data={"form_id": fid, "rating": "5"}).status_code == 200
    assert Feedback.select().count() == 1


def test_the_stylesheet_is_served(client):
    answer = client.get("/r/static/feedback.css")
    assert answer.status_code == 200 and b".star" in answer.get_data()
    answer.close()


# --- in a real browser --------------------------------------------------------------------


@pytest.fixture
def served(settings_overrides, request):
    server = Served()
    settings_overrides["server"] = {"host": "127.0.0.1", "port": server.port}
    server.app = request.getfixturevalue("app")
    yield server
    server.stop()


def as_phone(driver, width: int, height: int = 844) -> None:
    """Lay pages out as a phone this wide (a headless window is never under 500 px)."""
    metrics = {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": True}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


# Measures the rate page: each line that must stay one line, the buttons, the footer's colours.
MEASURE = """
const px = (el, prop) => parseFloat(getComputedStyle(el)[prop]);
const lines = el => Math.round(el.getBoundingClientRect().height / px(el, 'lineHeight'));
const rgb = c => c.match(/[0-9.]+/g).slice(0, 3).map(Number);
const lum = c => {
  const linear = v => (v /= 255) <= .03928 ? v / 12.92 : ((v + .055) / 1.055) ** 2.4;
  const [r, g, b] = rgb(c).map(linear);
  return .2126 * r + .7152 * g + .0722 * b;
};
const labels = [...document.querySelectorAll('label.star')];
const foot = document.querySelector('.foot');
const a = lum(getComputedStyle(foot).color);
const b = lum(getComputedStyle(document.body).backgroundColor);
return {
  width: document.documentElement.clientWidth,
  heights: labels.map(l => Math.round(l.getBoundingClientRect().height)),
  rights: labels.map(l => l.getBoundingClientRect().right),
  lines: [...document.querySelectorAll('.star .word, .star .glyphs, .sub .part')].map(lines),
  wordPx: labels.map(l => px(l.querySelector('.word'), 'fontSize')),
  contrast: (Math.max(a, b) + .05) / (Math.min(a, b) + .05),
};
"""


@pytest.mark.parametrize("width", [320, 390])
def test_the_star_buttons_fit_a_small_phone(served, member, tmp_path, width):
    """Each star button's stars and words on one line each, five equal buttons, no overflow,
    the activity's day unbroken, a readable footer, and a clear mark on the chosen one."""
    from selenium.webdriver.common.by import By

    now = clock.now_utc()
    team = member.team
    team.name = "第一党员志愿者服务队"
    team.save()
    activity = make_activity(team, starts_at=now - timedelta(hours=1), title="社区环境卫生整治")
    with chromium(tmp_path / "profile", width=500, height=844) as driver:
        as_phone(driver, width)
        driver.get(f"{served.url}/r/{code_for('activity', activity.id, now)}")
        driver.find_element(By.CSS_SELECTOR, 'label[for="rating-4"]').click()
        found = driver.execute_script(MEASURE)
        screenshot(driver, f"feedback-stars-{width}.png")
        marks = driver.find_elements(By.CSS_SELECTOR, "label.star .mark")
        shown = [
            m.find_element(By.XPATH, "..").get_attribute("for") for m in marks if m.is_displayed()
        ]
        chosen = driver.find_element(By.CSS_SELECTOR, 'label[for="rating-4"]').text
    assert found["width"] == width
    assert set(found["lines"]) == {1}, found
    assert len(set(found["heights"])) == 1 and found["heights"][0] >= 60, found
    assert max(found["rights"]) <= width and min(found["wordPx"]) >= 20, found
    assert found["contrast"] >= 4.5, found
    assert shown == ["rating-4"] and "✓ 已选" in chosen


def test_a_resident_rates_from_a_phone_sized_chromium(served, code, member, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with chromium(tmp_path / "profile", width=500, height=844) as driver:
        as_phone(driver, 390)
        driver.get(f"{served.url}/r/{code}")
        assert driver.find_element(By.ID, "target-title").text == "王同志"
        five = driver.find_element(By.CSS_SELECTOR, 'label[for="rating-5"]')
        assert five.size["height"] >= 60  # a big tap target
        five.click()
        driver.find_element(By.ID, "comment").send_keys("王同志每周都来看望我们，谢谢！")
        screenshot(driver, "feedback-form.png")
        driver.find_element(By.ID, "submit").click()
        WebDriverWait(driver, WAIT_SECONDS).until(lambda d: d.find_elements(By.ID, "thanks"))
        assert "5 分" in driver.find_element(By.ID, "given-rating").text
        screenshot(driver, "feedback-thanks.png")
        assert console_errors(driver) == []
    row = Feedback.get()
    assert Feedback.select().count() == 1 and (row.member_id, row.rating) == (member.id, 5)
    assert row.comment == "王同志每周都来看望我们，谢谢！" and row.moderation == "approved"


def test_back_and_rate_again_in_chromium_replaces_the_rating(served, code, tmp_path):
    """The tester's path: rate 4, the browser's Back, rate 2, submit: one rating, 2."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with chromium(tmp_path / "profile", width=500, height=844) as driver:
        as_phone(driver, 390)
        driver.get(f"{served.url}/r/{code}")
        for rating in (4, 2):
            driver.find_element(By.CSS_SELECTOR, f'label[for="rating-{rating}"]').click()
            driver.find_element(By.ID, "submit").click()
            WebDriverWait(driver, WAIT_SECONDS).until(lambda d: d.find_elements(By.ID, "thanks"))
            if rating == 4:
                driver.back()
                WebDriverWait(driver, WAIT_SECONDS).until(
                    lambda d: d.find_elements(By.ID, "submit")
                )
        assert "2 分" in driver.find_element(By.ID, "given-rating").text
        assert driver.find_elements(By.ID, "replaced")
        screenshot(driver, "feedback-replaced.png")
    assert [r.rating for r in Feedback.select()] == [2]


def test_a_double_submit_in_chromium_records_once(served, code, tmp_path):
    """The same form posted twice (a double tap as the page leaves): one row."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with chromium(tmp_path / "profile", width=390, height=844) as driver:
        driver.get(f"{served.url}/r/{code}")
        driver.find_element(By.CSS_SELECTOR, 'label[for="rating-4"]').click()
        driver.execute_script(
            "const f = document.querySelector('form.rate');"
            "const body = new URLSearchParams(new FormData(f));"
            "window.done = Promise.all([1, 2].map(() => fetch(f.action, {method: 'POST', body})))"
            ".then(rs => rs.map(r => r.status));"
        )
        statuses = driver.execute_async_script("window.done.then(arguments[0])")
        assert statuses == [200, 200]
        driver.find_element(By.ID, "submit").click()  # and the plain submit, a third time
        WebDriverWait(driver, WAIT_SECONDS).until(lambda d: d.find_elements(By.ID, "thanks"))
    assert Feedback.select().count() == 1 and Feedback.get().rating == 4


def test_a_full_day_in_chromium_is_a_polite_page(settings_overrides, request, tmp_path):
    """What a resident's phone shows when the day's held ratings are full: no error dump."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    settings_overrides["feedback"] |= {"per_target_per_hour": 1, "held_per_target_per_day": 1}
    served, code = request.getfixturevalue("served"), request.getfixturevalue("code")
    for _ in range(2):
        assert bot_post(served.app, code).status_code == 200
    with chromium(tmp_path / "profile", width=500, height=844) as driver:
        as_phone(driver, 390)
        driver.get(f"{served.url}/r/{code}")
        driver.find_element(By.CSS_SELECTOR, 'label[for="rating-5"]').click()
        driver.find_element(By.ID, "submit").click()
        WebDriverWait(driver, WAIT_SECONDS).until(lambda d: d.find_elements(By.ID, "refused"))
        assert driver.find_element(By.TAG_NAME, "h1").text == "请稍后再评价"
        assert "明天" in driver.find_element(By.ID, "refused-message").text
        screenshot(driver, "feedback-held-full.png")
        errors = console_errors(driver)  # Chromium logs the answer's status, and nothing else
        assert len(errors) == 1 and "status of 429" in errors[0], errors
    assert Feedback.select().count() == 2


def test_a_bad_code_in_chromium_is_a_polite_page(served, app, tmp_path):
    from selenium.webdriver.common.by import By

    with chromium(tmp_path / "profile", width=390, height=844) as driver:
        driver.get(f"{served.url}/r/NoSuchCardAtAll123")
        assert driver.find_element(By.TAG_NAME, "h1").text == "二维码无法识别"
        assert "失效" in driver.find_element(By.ID, "refused-message").text
        screenshot(driver, "feedback-unknown.png")


def _submit_and_wait(driver, until_id: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.find_element(By.ID, "submit").click()
    WebDriverWait(driver, WAIT_SECONDS).until(lambda d: d.find_elements(By.ID, until_id))


def _no_browser_error(driver) -> None:
    source = driver.page_source
    assert "ERR_CACHE_MISS" not in source and "ERR_" not in driver.title, driver.title


@pytest.mark.parametrize("why", ["too_fast", "no_star"])
def test_back_after_the_form_came_back_is_never_a_browser_error(
    settings_overrides, request, tmp_path, why
):
    """The tester's path at 375x667: the form comes back (posted too fast, or without a star:
    an old browser that ignores `required`), the resident sends it again and is thanked, then
    presses Back: the form again, never Chromium's "Confirm Form Resubmission"."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    if why == "too_fast":
        settings_overrides["feedback"] = {"min_form_seconds": 2}
    served, code = request.getfixturevalue("served"), request.getfixturevalue("code")
    with chromium(tmp_path / "profile", width=500, height=667) as driver:
        as_phone(driver, 375, 667)
        driver.get(f"{served.url}/r/{code}")
        if why == "too_fast":
            driver.find_element(By.CSS_SELECTOR, 'label[for="rating-4"]').click()
        else:  # what a browser that ignores `required` sends
            driver.execute_script("document.querySelector('form.rate').noValidate = true")
        _submit_and_wait(driver, "form-error")
        assert ("太快" if why == "too_fast" else "请点选") in driver.find_element(
            By.ID, "form-error"
        ).text
        if why == "too_fast":
            time.sleep(2.2)
            assert driver.find_element(By.ID, "rating-4").is_selected()  # the choice is kept
        else:
            driver.find_element(By.CSS_SELECTOR, 'label[for="rating-4"]').click()
        _submit_and_wait(driver, "thanks")
        driver.back()
        WebDriverWait(driver, WAIT_SECONDS).until(
            lambda d: d.find_elements(By.ID, "submit") or "ERR_" in d.page_source
        )
        screenshot(driver, f"feedback-back-after-{why}.png")
        _no_browser_error(driver)
        assert driver.find_element(By.ID, "target-title").text == "王同志"
    assert [r.rating for r in Feedback.select()] == [4]
