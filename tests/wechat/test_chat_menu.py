"""The custom menu: its CLICK keys are the command table's, its names within what WeChat
takes and shows, the own service (分散活动) on it, and it is pushed through wechatpy."""

import pytest
from wechatpy.exceptions import WeChatClientException

from tests.wechat import oa
from tests.wechat.test_chat_support import chat_user, conversation_state
from wechat import commands, get_clients, texts
from wechat.chat import menu

member, user = chat_user("oa-menu", "孟大爷")


def _keys(definition: dict) -> list[str]:
    return [b["key"] for section in definition["button"] for b in section["sub_button"]]


def test_every_menu_button_is_a_click_the_router_knows():
    definition = menu.menu_definition()
    assert 1 <= len(definition["button"]) <= 3
    assert all(1 <= len(s["sub_button"]) <= 5 for s in definition["button"])
    assert set(_keys(definition)) == set(commands.MENU_KEYS)
    for section in definition["button"]:
        assert len(section["name"].encode()) <= 16  # WeChat's limit for a top-level name
        for button in section["sub_button"]:
            assert button["type"] == "click" and len(button["name"].encode()) <= 60


def test_push_menu_sends_it_through_the_official_account(app, emulator):
    with app.app_context():
        assert menu.push_menu()["errcode"] == 0
    (call,) = emulator.calls_to("menu_create")
    assert _keys(call.body) == _keys(menu.menu_definition())


def test_a_refused_menu_raises(app, emulator):
    emulator.inject("menu_create", 40016)
    with app.app_context(), pytest.raises(WeChatClientException):
        menu.push_menu()


# What WeChat shows of a name before cutting it to 「...」: 4 characters for a section, 8 for
# a button (the API's byte limits, 16 and 60, the emulator enforces).
SHOWN = {"section": 4, "button": 8}
SPARE = {"type": "click", "name": "备用", "key": "SPARE"}


def test_every_name_shows_whole_on_a_phone():
    for section in menu.menu_definition()["button"]:
        assert len(section["name"]) <= SHOWN["section"]
        assert all(len(b["name"]) <= SHOWN["button"] for b in section["sub_button"])


def test_the_own_service_is_under_service_registration_after_the_known_buttons():
    service = menu.menu_definition()["button"][0]
    assert service["name"] == "服务登记"
    names = [b["name"] for b in service["sub_button"]]
    assert names == ["签到", "签退", "走访", "分散活动"]


def test_clicking_the_own_service_asks_for_its_location(user, member):
    click = oa.event("oa-menu", "CLICK", menu_key("分散活动"))
    reply = oa.reply_text(oa.push(user.client, click))
    assert reply == texts.ASK_CHECKIN_LOCATION.format(title=texts.INDIVIDUAL_TITLE)
    assert conversation_state("oa-menu") == "checkin_location"


@pytest.mark.parametrize(
    ("change", "errcode"),
    [
        (lambda d: d["button"].append(d["button"][0]), 40016),  # a fourth section
        (lambda d: d["button"][0]["sub_button"].extend([SPARE] * 2), 40023),  # six buttons
        (lambda d: d["button"][0].update(name="服务登记登记"), 40018),  # 18 bytes
        (lambda d: d["button"][0]["sub_button"][0].update(name="长" * 21), 40025),  # 63 bytes
        (lambda d: d["button"][0]["sub_button"][0].update(key="K" * 129), 40019),
    ],
)
def test_the_emulator_refuses_a_menu_beyond_wechats_limits(app, emulator, change, errcode):
    """The menu's test is only as strict as the emulator: it refuses what WeChat refuses."""
    definition = menu.menu_definition()
    change(definition)
    with app.app_context():
        client = get_clients().official_account
        with pytest.raises(WeChatClientException) as refused:
            client.menu.create(definition)
    assert refused.value.errcode == errcode


def menu_key(name: str) -> str:
    for section in menu.menu_definition()["button"]:
        for button in section["sub_button"]:
            if button["name"] == name:
                return button["key"]
    raise LookupError(name)
