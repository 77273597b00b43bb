"""/dev/chat: the demo page that talks to the Official Account through the real /wechat."""

import json
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest

from models import Enrollment, Member, ServiceRecord
from services import clock
from services.demo import load_demo
from tests.factories import make_activity
from tests.web.browser import Served, chromium, console_errors, screenshot

WAIT_SECONDS = 20


@pytest.fixture
def demo_overrides(settings_overrides):
    settings_overrides["app"]["demo"] = "true"
    return settings_overrides


def _load_demo(app) -> None:
    settings = app.config["SETTINGS"]
    with app.app_context():
        load_demo(Path(settings.storage.photo_dir), clock.now_utc())


@pytest.fixture
def demo_app(demo_overrides, request):
    app = request.getfixturevalue("app")
    _load_demo(app)
    return app


@pytest.fixture
def served(demo_overrides, request):
    """The demo app with the demo programme, served over HTTP: /dev/chat posts to its /wechat,
    and its WeChat clients call its own emulator at /_emulator/."""
    server = Served()
    demo_overrides["server"] = {"host": "127.0.0.1", "port": server.port}
    demo_overrides["wechat"]["api_base_url"] = f"{server.url}/_emulator/"
    server.app = request.getfixturevalue("app")
    _load_demo(server.app)
    yield server
    server.stop()


def post_json(url: str, body: dict) -> tuple[int, dict]:
    data = json.dumps(body).encode()
    call = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(call, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as refused:
        with refused:
            return refused.code, json.load(refused)


# --- the page, without a browser ----------------------------------------------------------


def test_the_page_lists_demo_members_and_how_to_bind(demo_app):
    page = demo_app.test_client().get("/dev/chat")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    data = json.loads(html.split('id="devchat-data">')[1].split("</script>")[0])
    members = {m["phone"][-2:]: m for m in data["members"]}
    assert len(members) == 36 and members["01"]["openid"] == "oa-demo-01"
    assert members["01"]["leader"] and members["01"]["bound"]
    assert not members["34"]["bound"] and len(members["34"]["bind_code"]) == 6
    assert members["34"]["openid"] not in {f"oa-demo-{n:02d}" for n in range(1, 34)}
    assert len(data["places"]) == 3 and "lat" in members["02"]["household"]
    assert "公众号对话演示" in html and "test-token" not in html  # the token stays on the server
    assert "未配置 token" not in html


def test_the_page_says_when_wechat_would_refuse_every_push(demo_overrides, request):
    demo_overrides["wechat"]["official_account"] = {}  # the demo account, whatever its token
    app = request.getfixturevalue("app")
    html = app.test_client().get("/dev/chat").get_data(as_text=True)
    refused = app.test_client().get("/wechat", query_string={"echostr": "x"}).status_code == 404
    assert ("未配置 token" in html) == refused


def test_the_page_scripts_are_served(demo_app):
    client = demo_app.test_client()
    for name in ("devchat.js", "devchat.css"):
        response = client.get(f"/dev/chat/static/{name}")
        assert response.status_code == 200 and response.get_data()
        response.close()


@pytest.mark.parametrize("path", ["/dev/chat", "/dev/chat/static/devchat.js"])
def test_there_is_no_page_outside_demo_mode(client, path):
    assert client.get(path).status_code == 404


def test_nothing_is_pushed_outside_demo_mode(client):
    answer = client.post(
        "/dev/chat/send", json={"openid": "oa-x", "type": "text", "content": "帮助"}
    )
    assert answer.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"openid": "oa-demo-01", "type": "voice"},
        {"openid": "", "type": "text", "content": "帮助"},
        {"openid": "oa demo<01>", "type": "text", "content": "帮助"},
        {"openid": "oa-demo-01", "type": "text", "content": "  "},
        {"openid": "oa-demo-01", "type": "text", "content": "长" * 601},
        {"openid": "oa-demo-01", "type": "location", "lat": "北", "lng": 113.6},
        {"openid": "oa-demo-01", "type": "location", "lat": 91, "lng": 113.6},
        {"openid": "oa-demo-01", "type": "image", "media_id": "../etc/passwd"},
    ],
)
def test_malformed_messages_are_refused_before_any_push(demo_app, body):
    answer = demo_app.test_client().post("/dev/chat/send", json=body)
    assert answer.status_code == 400 and answer.json["error"]


# --- through /wechat over HTTP ------------------------------------------------------------


def test_a_text_goes_through_the_signed_endpoint(served):
    status, answer = post_json(
        f"{served.url}/dev/chat/send", {"openid": "oa-demo-01", "type": "text", "content": "帮助"}
    )
    assert status == 200 and answer["status"] == 200
    assert "签到" in answer["reply"] and "<FromUserName><![CDATA[oa-demo-01]]>" in answer["pushed"]


def test_an_unbound_member_binds_from_the_page(served):
    with served.app.app_context():
        page = served.app.test_client().get("/dev/chat").get_data(as_text=True)
    data = json.loads(page.split('id="devchat-data">')[1].split("</script>")[0])
    newcomer = next(m for m in data["members"] if m["phone"].endswith("34"))
    content = f"绑定 {newcomer['phone']} {newcomer['bind_code']}"
    body = {"openid": newcomer["openid"], "type": "text", "content": content}
    status, answer = post_json(f"{served.url}/dev/chat/send", body)
    assert status == 200 and "绑定成功" in answer["reply"]
    assert Member.get(Member.phone == newcomer["phone"]).oa_openid == newcomer["openid"]


# --- in a real browser --------------------------------------------------------------------


def happening_now(openid: str):
    """An activity of the member's team running now, with the member enrolled."""
    member = Member.get(Member.oa_openid == openid)
    now = clock.now_utc()
    community = member.team.community
    activity = make_activity(
        member.team,
        starts_at=now - timedelta(minutes=10),
        title="浏览器测试：社区义诊",
        lat=community.lat + 0.0012,
        lng=community.lng + 0.001,
    )
    Enrollment.create(activity=activity, member=member, created_at=now)
    return member, activity


def test_a_full_check_in_from_headless_chromium(served, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    member, activity = happening_now("oa-demo-02")
    with chromium(tmp_path / "profile") as driver:
        chat = ChatWindow(driver)
        driver.get(f"{served.url}/dev/chat")
        Select(driver.find_element(By.ID, "member")).select_by_value("oa-demo-02")
        try:
            asked = chat.say("签到", expect=("请发送您的当前位置", "请回复序号"))
            if "请回复序号" in asked:
                chat.say(_number_of(asked, activity.title), expect=("请发送您的当前位置",))
            driver.find_element(By.ID, "toggle-location").click()
            marker = driver.find_element(By.CSS_SELECTOR, f'[data-activity-id="{activity.id}"]')
            chat.expecting(lambda: ActionChains(driver).move_to_element(marker).click().perform())
            chat.wait_for("佩戴党徽")
            screenshot(driver, "devchat-map.png")
            driver.find_element(By.ID, "toggle-photo").click()
            chat.expecting(lambda: driver.find_element(By.CSS_SELECTOR, "#samples img").click())
            chat.wait_for("正在核验照片")
            chat.wait_for("签到成功", tag="客服消息")
        finally:
            screenshot(driver, "devchat-checkin.png")
        assert console_errors(driver) == []
    record = ServiceRecord.get((ServiceRecord.member == member) & (ServiceRecord.source == "chat"))
    assert (record.activity_id, record.status, record.flags) == (activity.id, "verified", [])
    assert record.distance_m < 30  # the click on the map landed on the activity's marker


def _number_of(listing: str, title: str) -> str:
    line = next(line for line in listing.splitlines() if title in line)
    return line.split(".")[0].strip()


class ChatWindow:
    """The page's message list: say something, then wait for a bubble from the bot."""

    def __init__(self, driver):
        self.driver = driver
        self.seen = 0

    def bubbles(self) -> list[str]:
        """The bot's bubbles, read in one go (the page redraws the list on every message)."""
        script = "return [...document.querySelectorAll('.row.in .bubble')].map(b => b.innerText)"
        return self.driver.execute_script(script)

    def expecting(self, action) -> None:
        """Do something on the page; later waits look only at bubbles that come after it."""
        self.seen = len(self.bubbles())
        action()

    def say(self, text: str, expect: tuple[str, ...]) -> str:
        from selenium.webdriver.common.by import By

        box = self.driver.find_element(By.ID, "text")
        self.expecting(lambda: (box.send_keys(text), box.send_keys("\n")))
        return self.wait_for(*expect)

    def wait_for(self, *words: str, tag=None) -> str:
        """The first new bot bubble holding one of the words (notes count as failures)."""
        from selenium.webdriver.support.ui import WebDriverWait

        def found(_driver):
            self._fail_on_error_note()
            new = self.bubbles()[self.seen :]
            return next((b for b in new if any(w in b for w in words) and _tagged(b, tag)), None)

        return WebDriverWait(self.driver, WAIT_SECONDS, poll_frequency=0.2).until(
            found, message=f"no reply with {words}; bubbles: {self.bubbles()}"
        )

    def _fail_on_error_note(self) -> None:
        script = "return [...document.querySelectorAll('.note.error')].map(n => n.innerText)"
        errors = self.driver.execute_script(script)
        assert not errors, errors


def _tagged(text: str, tag) -> bool:
    return tag is None or text.startswith(tag)


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_a_missing_browser_fails_under_ci_and_skips_elsewhere(monkeypatch, tmp_path, ci, outcome):
    from tests.web import browser

    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="apt-get install chromium chromium-driver"):
        browser.require_chromium()
