"""Test helpers that speak to /wechat as WeChat does: signed plain, compatible and safe pushes.

Build a push's XML with `text`, `event`, `location`, `image` or `message`, send it with `push`,
and read the answer with `reply_text` (decrypting it when the push was encrypted). The token,
appid and EncodingAESKey come from the test app's settings unless given.
"""

import hashlib
import secrets
import time
from itertools import count
from xml.sax.saxutils import escape

import xmltodict
from wechatpy.crypto import WeChatCrypto

OA_USER = "gh_test_oa"  # the Official Account's own id, ToUserName of every push
_msg_ids = count(7_000_000_000_000_000_001)


def next_msg_id() -> int:
    """A MsgId no other push in this test run has used."""
    return next(_msg_ids)


def signature(token: str, *parts: str) -> str:
    """WeChat's signature: sha1 of the sorted token, timestamp, nonce (and Encrypt)."""
    return hashlib.sha1("".join(sorted([token, *map(str, parts)])).encode()).hexdigest()


class Raw(str):
    """A field value put in the XML as is: nested elements such as `<List>...</List>`."""


def _xml(fields: dict) -> str:
    """A push body; strings in CDATA as WeChat sends them, numbers and Raw values bare."""
    parts = []
    for name, value in fields.items():
        if isinstance(value, str) and not isinstance(value, Raw):
            value = "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"
        parts.append(f"<{name}>{value}</{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


def message(openid: str, msg_type: str, msg_id: int | None = None, **fields) -> str:
    """A message push of any type; `fields` are its own XML fields (Content, MediaId, ...)."""
    create_time = fields.pop("CreateTime", int(time.time()))
    head = {"ToUserName": OA_USER, "FromUserName": openid, "CreateTime": create_time}
    tail = {"MsgId": msg_id if msg_id is not None else next_msg_id()}
    return _xml({**head, "MsgType": msg_type, **fields, **tail})


def text(openid: str, content: str, msg_id: int | None = None, **fields) -> str:
    return message(openid, "text", msg_id, Content=content, **fields)


def image(openid: str, media_id: str, msg_id: int | None = None, **fields) -> str:
    pic_url = fields.pop("PicUrl", f"http://mmbiz.qpic.cn/{media_id}")
    return message(openid, "image", msg_id, PicUrl=pic_url, MediaId=media_id, **fields)


def location(
    openid: str, lat: float, lng: float, msg_id: int | None = None, label: str = "", scale=15
) -> str:
    return message(
        openid, "location", msg_id, Location_X=lat, Location_Y=lng, Scale=scale, Label=label
    )


def event(openid: str, event_name: str, key: str | None = None, **fields) -> str:
    """An event push; `key` becomes EventKey, `fields` any other field (Latitude, Status...)."""
    create_time = fields.pop("CreateTime", int(time.time()))
    head = {"ToUserName": OA_USER, "FromUserName": openid, "CreateTime": create_time}
    body = {**head, "MsgType": "event", "Event": event_name}
    if key is not None:
        body["EventKey"] = key
    return _xml({**body, **fields})


def _account(client, overrides: dict) -> dict:
    oa = client.application.config["SETTINGS"].wechat.official_account
    account = {"token": oa.token, "app_id": oa.app_id, "aes_key": oa.encoding_aes_key}
    return {**account, **{k: v for k, v in overrides.items() if v is not None}}


def signed_query(token: str, timestamp=None, nonce=None, **extra) -> dict:
    """The query string of a plain push: signature, timestamp, nonce (+ extra params)."""
    timestamp = str(timestamp if timestamp is not None else int(time.time()))
    nonce = nonce or str(secrets.randbelow(10**9))
    query = {"signature": signature(token, timestamp, nonce), "timestamp": timestamp}
    return {**query, "nonce": nonce, **extra}


def encrypted_body(xml: str, mode: str, token: str, app_id: str, aes_key: str, query: dict):
    """The body and msg_signature of a compatible or safe push of `xml`."""
    sealed = WeChatCrypto(token, aes_key, app_id).encrypt_message(
        xml, query["nonce"], query["timestamp"]
    )
    parsed = xmltodict.parse(sealed)["xml"]
    encrypt = escape(parsed["Encrypt"])
    if mode == "safe":
        to_user = _field_of(xml, "ToUserName") or OA_USER
        body = (
            f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName><Encrypt>{encrypt}</Encrypt></xml>"
        )
    else:
        body = xml.replace("</xml>", f"<Encrypt>{encrypt}</Encrypt></xml>")
    return body, parsed["MsgSignature"]


def push(
    client,
    xml: str,
    mode: str = "plain",
    *,
    token=None,
    app_id=None,
    aes_key=None,
    timestamp=None,
    nonce=None,
    close: bool = True,
):
    """POST a push to /wechat as WeChat would in `mode` ('plain', 'compatible' or 'safe').
    `close=False` keeps the response open, so the reply's deferred work waits until the
    test closes it (WeChat still reading the answer while the member sends again)."""
    account = _account(client, {"token": token, "app_id": app_id, "aes_key": aes_key})
    query = signed_query(account["token"], timestamp, nonce, openid=_field_of(xml, "FromUserName"))
    body = xml
    if mode != "plain":
        body, msg_signature = encrypted_body(xml, mode, **account, query=query)
        query.update(encrypt_type="aes", msg_signature=msg_signature)
    return post(client, query, body.encode(), close)


def post(client, query: dict, body: bytes, close: bool = True):
    """POST raw bytes to /wechat and close the response as a server would once it is sent
    (closing starts the reply's deferred work; see wechat.deferred)."""
    response = client.post("/wechat", query_string=query, data=body, content_type="text/xml")
    response.get_data()
    if close:
        response.close()
    return response


def _field_of(xml: str, name: str) -> str:
    try:
        return xmltodict.parse(xml)["xml"].get(name) or ""
    except Exception:  # deliberately bad bodies have no openid
        return ""


def reply_fields(response, client=None, aes_key=None) -> dict | None:
    """The fields of a reply (decrypted when encrypted), or None for 'success' or ''."""
    body = response.get_data(as_text=True)
    if body in ("", "success"):
        return None
    fields = xmltodict.parse(body)["xml"]
    if "Encrypt" in fields:
        account = _account(client, {"aes_key": aes_key})
        crypto = WeChatCrypto(account["token"], account["aes_key"], account["app_id"])
        plain = crypto.decrypt_message(
            fields, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]
        )
        fields = xmltodict.parse(plain)["xml"]
    return fields


def reply_text(response, client=None, aes_key=None) -> str | None:
    """The text a reply carries, or None when the endpoint answered 'success'.

    Pass `client` (the test client) to read an encrypted reply."""
    fields = reply_fields(response, client, aes_key)
    return None if fields is None else fields.get("Content")
