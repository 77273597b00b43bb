"""WeChat's input rules the emulator enforces, so code that breaks them fails in tests too."""

from __future__ import annotations

import io
import re

import segno

from .protocol import WeChatError

OPENID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: getwxacodeunlimit: at most 32 visible characters from this set (no %, no Chinese).
SCENE = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$")
DEFAULT_PAGE = "pages/index/index"

#: Words msg_sec_check answers "risky" for, with WeChat's label (20006 crime, 20002 porn,
#: 20008 fraud, 21000 other). "[review]" yields "review". Tests and demos rely on these.
RISKY_WORDS = {"赌博": 20006, "毒品": 20006, "色情": 20002, "代开发票": 20008, "[risky]": 21000}
REVIEW_WORDS = {"[review]": 21000}

CUSTOM_MSGTYPES = {
    "text",
    "image",
    "voice",
    "video",
    "music",
    "news",
    "mpnews",
    "mpnewsarticle",
    "msgmenu",
    "miniprogrampage",
    "wxcard",
}

_TYPED_KEY = re.compile(r"^([a-z_]+?)(\d+)$")
_VALUE_RULES = {
    "thing": lambda v: 0 < len(v) <= 20,
    "number": lambda v: len(v) <= 32 and re.fullmatch(r"-?\d+(\.\d+)?", v) is not None,
    "letter": lambda v: re.fullmatch(r"[A-Za-z]{1,32}", v) is not None,
    "symbol": lambda v: 0 < len(v) <= 5,
    "character_string": lambda v: re.fullmatch(r"[\x21-\x7e]{1,32}", v) is not None,
    "time": lambda v: len(v) <= 64 and re.search(r"\d", v) is not None,
    "date": lambda v: len(v) <= 64 and re.search(r"\d", v) is not None,
    "amount": lambda v: re.fullmatch(r"[¥￥$]?\d{1,10}(\.\d{1,2})?元?", v) is not None,
    "phone_number": lambda v: re.fullmatch(r"[\d+\-() ]{1,17}", v) is not None,
    "car_number": lambda v: 0 < len(v) <= 8,
    "name": lambda v: 0 < len(v) <= (20 if v.isascii() else 10),
    "phrase": lambda v: re.fullmatch(r"[\u4e00-\u9fff]{1,5}", v) is not None,
}


def check_openid(openid) -> str:
    if not isinstance(openid, str) or not OPENID.match(openid):
        raise WeChatError(40003)
    return openid


def check_template_data(data) -> None:
    """Check `data` like subscribe messages do: {key: {"value": str}}, typed keys by their rule.

    Untyped keys (first, keyword1, remark) of old OA templates take any string.
    """
    if not isinstance(data, dict) or not data:
        raise WeChatError(47003, "data invalid")
    for key, item in data.items():
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(value, str) or not _value_ok(key, value):
            raise WeChatError(47003, f"data.{key}.value invalid")


def _value_ok(key: str, value: str) -> bool:
    typed = _TYPED_KEY.match(key)
    rule = _VALUE_RULES.get(typed.group(1)) if typed else None
    return rule(value) if rule else True


def check_custom_message(body: dict) -> None:
    msgtype = body.get("msgtype")
    if msgtype not in CUSTOM_MSGTYPES or not isinstance(body.get(msgtype), dict):
        raise WeChatError(40008)
    if msgtype == "text" and not body["text"].get("content"):
        raise WeChatError(44004)
    if msgtype == "news" and len(body["news"].get("articles") or []) != 1:
        raise WeChatError(45008)


def check_page(page) -> str:
    """A mini-program page path: no leading slash, no query string."""
    if page is None:
        return DEFAULT_PAGE
    if not isinstance(page, str) or not page or page.startswith("/") or "?" in page:
        raise WeChatError(41030)
    return page


def wxacode_png(scene: str, page: str, width: int) -> bytes:
    """A real QR code encoding '<page>?scene=<scene>', about `width` pixels wide."""
    qr = segno.make(f"{page}?scene={scene}", error="m", micro=False)
    width = min(max(width, 280), 1280)
    scale = max(1, width // qr.symbol_size(scale=1, border=4)[0])
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def sec_check_verdict(content: str) -> tuple[str, int, str | None]:
    """(suggest, label, keyword) for a text: risky words first, then review markers."""
    for words, suggest in ((RISKY_WORDS, "risky"), (REVIEW_WORDS, "review")):
        for word, label in words.items():
            if word in content:
                return suggest, label, word
    return "pass", 100, None
