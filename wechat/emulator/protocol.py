"""The emulated APIs' names and paths, and WeChat's error answers."""

from __future__ import annotations

import secrets

#: errmsg texts as WeChat sends them (WeChat also appends " rid: ..."; see WeChatError.body).
ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40007: "invalid media_id",
    40008: "invalid message type",
    40013: "invalid appid",
    40014: "invalid access_token",
    40016: "invalid button size",
    40018: "invalid button name size",
    40019: "invalid button key size",
    40023: "invalid sub button size",
    40025: "invalid sub button name size",
    40029: "invalid code",
    40037: "invalid template_id",
    40097: "invalid args",
    40125: "invalid appsecret",
    40129: "invalid scene",
    40163: "code been used",
    40169: "invalid length for scene, or the data is not json string",
    40226: "high risk user",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    41030: "invalid page",
    42001: "access_token expired",
    43004: "require subscribe",
    43101: "user refuse to accept the msg",
    44002: "empty post data",
    44004: "empty content",
    45008: "article size out of limit",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit mustslower retry next minute",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    47001: "data format error",
    47003: "argument invalid!",
    48001: "api unauthorized",
    87014: "risky content",
}


#: The emulated APIs: name (used by calls_to and inject) -> path below the base URL.
API_PATHS = {
    "token": "cgi-bin/token",
    "stable_token": "cgi-bin/stable_token",
    "jscode2session": "sns/jscode2session",
    "getuserphonenumber": "wxa/business/getuserphonenumber",
    "custom_send": "cgi-bin/message/custom/send",
    "template_send": "cgi-bin/message/template/send",
    "bizsend": "cgi-bin/message/subscribe/bizsend",
    "subscribe_send": "cgi-bin/message/subscribe/send",
    "media_get": "cgi-bin/media/get",
    "getwxacodeunlimit": "wxa/getwxacodeunlimit",
    "msg_sec_check": "wxa/msg_sec_check",
    "menu_create": "cgi-bin/menu/create",
}
_NAMES_BY_PATH = {path: name for name, path in API_PATHS.items()}


def api_name(name_or_path: str) -> str:
    """The API name for a name or a path ('subscribe_send' or 'cgi-bin/message/subscribe/send')."""
    key = name_or_path.strip("/")
    if key in API_PATHS:
        return key
    if key in _NAMES_BY_PATH:
        return _NAMES_BY_PATH[key]
    raise ValueError(f"the emulator has no API named {name_or_path!r}")


class WeChatError(Exception):
    """An error answer, raised anywhere in a handler and rendered as WeChat's JSON."""

    def __init__(self, errcode: int, detail: str = ""):
        super().__init__(errcode, detail)
        self.errcode = errcode
        self.errmsg = ERRMSG.get(errcode, "unknown error") + (f" {detail}" if detail else "")

    def body(self) -> dict:
        return {"errcode": self.errcode, "errmsg": f"{self.errmsg} rid: {secrets.token_hex(6)}"}
