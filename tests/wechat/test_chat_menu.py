"""The custom menu: its CLICK keys are the command table's, and it is pushed through wechatpy."""

import pytest
from wechatpy.exceptions import WeChatClientException

from wechat import commands
from wechat.chat import menu


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
