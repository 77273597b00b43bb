"""The Official Account's custom menu: every button a CLICK whose key wechat.commands maps
to the same command as its keywords, pushed to WeChat with `push_menu()`.

WeChat takes at most 3 sections of at most 5 buttons; a section's name shows 4 Chinese
characters, a button's 8, the rest cut to 「...」 (the emulator refuses more, as WeChat
does). A member's own service (分散活动) sits beside 签到 and 走访 under 服务登记, where a
member who served on their own looks for it; it comes after them, so the buttons elderly
members already know keep their places."""

from .. import get_clients, texts

SECTIONS = (
    ("service", ("CHECKIN", "CHECKOUT", "VISIT", "INDIVIDUAL")),
    ("activities", ("ACTIVITIES", "MINE", "PAIRING")),
    ("more", ("HELP", "PENDING", "REPORT")),
)


def menu_definition() -> dict:
    """The menu as WeChat's menu/create API takes it (3 sections of CLICK buttons)."""
    return {
        "button": [
            {
                "name": texts.MENU_LABELS[section],
                "sub_button": [
                    {"type": "click", "name": texts.MENU_LABELS[key], "key": key} for key in keys
                ],
            }
            for section, keys in SECTIONS
        ]
    }


class NoOfficialAccount(RuntimeError):
    """No Official Account is configured (only a mini-program): there is no menu to set."""


def push_menu(clients=None) -> dict:
    """Replace the account's custom menu with ours; WeChat's answer (errcode 0) is returned,
    a refusal raises wechatpy's WeChatClientException, no connection requests' error."""
    client = (clients or get_clients()).official_account
    if client is None:
        raise NoOfficialAccount("no Official Account is configured")
    return client.menu.create(menu_definition())
