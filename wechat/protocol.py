"""WeChat's Official Account push protocol: signatures, AES envelopes, parsing and replies.

Plain functions over bytes and strings (no Flask), so every rule of the protocol can be
tested directly. See research/wechat-platform.md §1, §2 and §7: wechatpy compares
signatures with `!=`, knows one EncodingAESKey, leaves `]]>` in reply text and parses
new events as UnknownMessage; each of those is handled here.

A push is a flat `<xml>` of a few fields, read here with the standard library's expat
(ElementTree) and mapped as wechatpy's parse_message maps it (lower-case type and event, the
`qrscene_` prefix taken off a QR-code subscribe's key): a third of the time that
xmltodict, under parse_message, takes, for the part of every push nobody can skip. Nothing
but an XML declaration may come before the root (check_body), so no DTD is ever read and no
entity ever declared.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from xml.etree import ElementTree

from wechatpy.crypto import PrpCrypto, WeChatCrypto

from .inbound import Inbound

#: Pushes signed further than this from now are refused (replayed or a wrong clock).
REPLAY_WINDOW_SECONDS = 300
#: WeChat's pushes are a few KB; anything bigger is not from WeChat.
MAX_BODY_BYTES = 64 * 1024
#: WeChat cuts passive text replies near 2048 bytes; stay under with room to spare.
TEXT_LIMIT_BYTES = 2000
ELLIPSIS = "…"

# All that may come before a push's root element: a byte-order mark, an XML declaration and
# white space. A DOCTYPE (and with it any ENTITY) can only be declared before the root.
_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<\?xml\s[^?>]*\?>)?\s*")
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


class Refused(Exception):
    """A push that is not answered: `status` is the HTTP status to give instead."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Account:
    """What the endpoint needs of the Official Account's settings."""

    token: str
    app_id: str
    aes_keys: tuple[str, ...]  # current first, then the previous one
    mode: str  # 'plain', 'compatible' or 'safe'

    @classmethod
    def from_settings(cls, oa) -> Account:
        keys = (oa.encoding_aes_key, oa.previous_encoding_aes_key)
        return cls(oa.token, oa.app_id, tuple(k for k in keys if k), oa.message_mode)


def sign(token: str, *parts: str) -> str:
    """WeChat's signature: sha1 over the sorted token, timestamp, nonce (and Encrypt)."""
    return hashlib.sha1("".join(sorted([token, *parts])).encode()).hexdigest()


def is_signed(signature: str, token: str, *parts: str) -> bool:
    """Whether `signature` signs the parts, compared in constant time."""
    return bool(token) and hmac.compare_digest(sign(token, *parts).encode(), signature.encode())


def check_timestamp(timestamp: str, now: float, window: float = REPLAY_WINDOW_SECONDS) -> None:
    """Refuse a push whose timestamp is not a number within the replay window."""
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise Refused(403, "timestamp is not a number of seconds")
    if abs(int(timestamp) - now) > window:
        raise Refused(403, "timestamp outside the replay window")


def check_body(body: bytes) -> str:
    """The body as text, refusing empty, non-UTF-8 and DTD-carrying bodies before parsing."""
    if not body.strip():
        raise Refused(400, "empty body")
    if _has_markup_before_root(body):
        raise Refused(400, "markup before the root (DOCTYPE, ENTITY, comment, PI) not allowed")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None


def _has_markup_before_root(body: bytes) -> bool:
    """Whether anything but the XML declaration comes before the first element: a DOCTYPE,
    a comment or a processing instruction (one can hide a DOCTYPE from a looser check). WeChat
    sends none of them; text in the document may say '<!DOCTYPE' freely (a member can type
    it), it is CDATA there, and expat refuses a DOCTYPE anywhere after the root begins."""
    after = body[_PROLOG.match(body).end() :]
    return after.startswith((b"<!", b"<?"))


def envelope(text: str) -> dict:
    """The top-level fields of a push as {tag: text}, refusing anything that is not
    `<xml>...</xml>`. As xmltodict gives them: a field with fields of its own (a subscribe_msg
    event's list) is a dict, and a tag that comes twice a list, which no rule reads as text."""
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:  # expat's errors, whatever the input (§7)
        raise Refused(400, "malformed XML") from None
    if root.tag != "xml":
        raise Refused(400, "not a push")
    try:
        return _fields(root)
    except RecursionError:  # thousands of nested tags: no push is shaped like that
        raise Refused(400, "nested too deep") from None


def _fields(element: ElementTree.Element) -> dict:
    """Children as {tag: text (stripped, as xmltodict does) or fields}; repeats as a list."""
    fields: dict = {}
    for child in element:
        value = _fields(child) if len(child) else (child.text or "").strip()
        if child.tag not in fields:
            fields[child.tag] = value
        elif isinstance(fields[child.tag], list):
            fields[child.tag].append(value)
        else:
            fields[child.tag] = [fields[child.tag], value]
    return fields


def open_envelope(fields: dict, query: dict, account: Account) -> tuple[str, str]:
    """Check msg_signature, decrypt the Encrypt field and check the appid.

    Returns the inner XML and the key that opened it (replies are sealed with that key).
    The previous key is tried when the current one fails, as WeChat asks during a change.
    """
    encrypt = fields.get("Encrypt")
    if not isinstance(encrypt, str) or not _BASE64.fullmatch(encrypt):
        raise Refused(400, "no Encrypt field, or not base64")
    parts = (query.get("timestamp", ""), query.get("nonce", ""), encrypt)
    if not is_signed(query.get("msg_signature", ""), account.token, *parts):
        raise Refused(403, "bad msg_signature")
    for key in account.aes_keys:
        try:
            return PrpCrypto(_aes_key(key)).decrypt(encrypt, account.app_id), key
        except Exception:  # bad padding, length, appid: try the next key
            continue
    raise Refused(400, "cannot decrypt the push")


def _aes_key(encoding_aes_key: str) -> bytes:
    return WeChatCrypto("", encoding_aes_key, "").key


def seal(xml: str, account: Account, key: str, timestamp: str) -> str:
    """The encrypted reply envelope for `xml`, signed with a fresh nonce."""
    crypto = WeChatCrypto(account.token, key, account.app_id)
    return crypto.encrypt_message(xml, str(secrets.randbelow(10**10)), timestamp)


def parse(text: str) -> Inbound:
    """The push as an Inbound, refusing anything we cannot make sense of."""
    try:
        return _inbound(envelope(text))
    except Refused:
        raise
    except Exception:  # a CreateTime that is not a number, and the like (§7)
        raise Refused(400, "unparseable push") from None


def _inbound(raw: dict) -> Inbound:
    kind = _text(raw.get("MsgType")).lower()
    openid = _text(raw.get("FromUserName"))
    if not openid or not kind:
        raise Refused(400, "push without sender or type")
    event = _text(raw.get("Event")).lower() if kind == "event" else ""
    lat = raw.get("Location_X", raw.get("Latitude"))
    lng = raw.get("Location_Y", raw.get("Longitude"))
    return Inbound(
        openid=openid,
        kind=kind,
        create_time=_seconds(_text(raw.get("CreateTime"))),
        msg_id=_number(raw.get("MsgId", raw.get("MsgID"))),
        content=_text(raw.get("Content")) or _text(raw.get("Recognition")),  # voice: as heard
        event=event,
        event_key=_event_key(event, _text(raw.get("EventKey"))),
        lat=_float(lat),
        lng=_float(lng),
        precision=_float(raw.get("Precision")),
        label=_text(raw.get("Label")),
        media_id=_text(raw.get("MediaId")),
        pic_url=_text(raw.get("PicUrl")),
        status=_text(raw.get("Status")),
        raw=raw,
    )


LAST_EPOCH = 4_102_444_800  # 2100-01-01: later CreateTimes are no clock's


def _seconds(text: str) -> int:
    """Epoch seconds as WeChat writes them; a time no push can carry (which would overflow
    turning it into a date) is refused like any other unreadable field."""
    if not (text.isascii() and text.isdigit() and len(text) <= 12 and int(text) <= LAST_EPOCH):
        raise Refused(400, "CreateTime is not a time")
    return int(text)


def _event_key(event: str, key: str) -> str:
    """A QR-code subscribe's key without its `qrscene_` prefix, so it reads as SCAN's does."""
    return key.removeprefix("qrscene_") if event == "subscribe" else key


def _text(value) -> str:
    """A scalar field as text; a missing, empty or nested (dict/list) field is ''."""
    return value if isinstance(value, str) else ""


def _number(value) -> int | None:
    text = _text(value)
    return int(text) if text.isdigit() else None


def _float(value) -> float | None:
    try:
        number = float(_text(value))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def dedupe_key(message: Inbound) -> str:
    """WeChat's retry identity: MsgId for messages, sender+time+event+key for events."""
    if message.kind != "event" and message.msg_id is not None:
        key = f"msg:{message.msg_id}"
    else:
        parts = [message.openid, str(message.create_time), message.event, message.event_key]
        if message.msg_id is not None:  # TEMPLATESENDJOBFINISH and the like carry MsgID
            parts.append(str(message.msg_id))
        key = "|".join(parts)
    if len(key) > 200:  # a VIEW event's URL may be long, a forged MsgId too
        key = "sha1:" + hashlib.sha1(key.encode()).hexdigest()
    return key


def fit(text: str, limit: int = TEXT_LIMIT_BYTES) -> str:
    """The text cut on a character boundary to `limit` UTF-8 bytes, with '…' when cut."""
    if len(text.encode()) <= limit:
        return text
    room = limit - len(ELLIPSIS.encode())
    return text.encode()[:room].decode("utf-8", errors="ignore") + ELLIPSIS


def cdata(text: str) -> str:
    """Text as a CDATA section that no `]]>` inside it can end early."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render_text(message: Inbound, text: str, now: int) -> str:
    """A passive text reply to `message`: sender and receiver swapped, text fitted."""
    return (
        "<xml>"
        f"<ToUserName>{cdata(message.openid)}</ToUserName>"
        f"<FromUserName>{cdata(_text(message.raw.get('ToUserName')))}</FromUserName>"
        f"<CreateTime>{int(now)}</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{cdata(fit(text))}</Content>"
        "</xml>"
    )
