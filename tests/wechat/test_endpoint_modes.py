"""The /wechat endpoint in compatible and safe (AES) mode: WeChat's sample, keys, tampering."""

import base64

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto

from wechat.inbound import Reply

from . import oa

OPENID = "o_member_aes"
KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
OLD_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkj"
OTHER_KEY = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"

# WeChat's own safe-mode sample (research/wechat-platform.md §1.4).
SAMPLE = {
    "token": "spamtest",
    "app_id": "wx2c2769f8efd9abc2",
    "app_secret": "sample-secret",
    "encoding_aes_key": KEY,
    "message_mode": "safe",
}
SAMPLE_QUERY = {
    "signature": "16120ec1b8dbb870f510d87ce6bc2463eae6ca1a",
    "timestamp": "1409735669",
    "nonce": "1320562132",
    "openid": "oyORnuP8q7ou2gfYjqLzSIWZf0rs",
    "encrypt_type": "aes",
    "msg_signature": "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
}
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6"
    "F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T33"
    "2jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCg"
    "avjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6Oewp"
    "usjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)
SAMPLE_BODY = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
    f"<Encrypt><![CDATA[{SAMPLE_ENCRYPT}]]></Encrypt></xml>"
)


def configure(settings_overrides, **account):
    settings_overrides["wechat"]["official_account"].update(account)


@pytest.fixture
def aes_app(request, settings_overrides):
    """An app whose mode and keys come from the test's `account` parametrization."""
    configure(settings_overrides, **getattr(request, "param", {}))
    return request.getfixturevalue("app")


@pytest.fixture
def seen(aes_app):
    calls = []

    def handler(message):
        calls.append(message)
        return Reply(text=f"echo:{message.content}")

    aes_app.extensions["wechat_handler"] = handler
    return calls


SAFE = {"encoding_aes_key": KEY, "message_mode": "safe"}
COMPATIBLE = {"encoding_aes_key": KEY, "message_mode": "compatible"}
ROTATED = {"encoding_aes_key": KEY, "previous_encoding_aes_key": OLD_KEY, "message_mode": "safe"}


@pytest.mark.parametrize("aes_app", [SAMPLE], indirect=True)
def test_wechats_safe_mode_sample_decrypts(aes_app, seen):
    aes_app.config["WECHAT_CLOCK"] = lambda: 1409735669
    client = aes_app.test_client()
    response = oa.post(client, SAMPLE_QUERY, SAMPLE_BODY.encode())
    assert response.status_code == 200
    [message] = seen
    assert (message.openid, message.content) == ("oyORnuP8q7ou2gfYjqLzSIWZf0rs", "abcdteT")
    assert (message.msg_id, message.create_time) == (6054768590064713728, 1409735668)
    reply = oa.reply_fields(response, client)
    assert reply["Content"] == "echo:abcdteT"
    assert reply["ToUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert reply["FromUserName"] == "gh_10f6c3c3ac5a"


@pytest.mark.parametrize("aes_app", [SAMPLE], indirect=True)
def test_the_sample_is_refused_outside_the_replay_window(aes_app, seen):
    response = oa.post(aes_app.test_client(), SAMPLE_QUERY, SAMPLE_BODY.encode())
    assert response.status_code == 403 and seen == []


@pytest.mark.parametrize("aes_app", [SAMPLE], indirect=True)
def test_the_sample_with_a_wrong_msg_signature_is_refused(aes_app, seen):
    aes_app.config["WECHAT_CLOCK"] = lambda: 1409735669
    query = {**SAMPLE_QUERY, "msg_signature": "0" * 40}
    response = oa.post(aes_app.test_client(), query, SAMPLE_BODY.encode())
    assert response.status_code == 403 and seen == []


@pytest.mark.parametrize("aes_app", [SAFE], indirect=True)
def test_safe_mode_round_trip(aes_app, seen):
    client = aes_app.test_client()
    response = oa.push(client, oa.text(OPENID, "签到", msg_id=5), mode="safe")
    assert response.status_code == 200
    body = xmltodict.parse(response.data)["xml"]
    assert set(body) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert "签到" not in response.get_data(as_text=True)
    assert oa.reply_text(response, client) == "echo:签到"
    assert seen[0].content == "签到"


@pytest.mark.parametrize("aes_app", [SAFE], indirect=True)
def test_an_envelope_nested_thousands_deep_is_refused(aes_app, seen):
    query = oa.signed_query(aes_app.config["SETTINGS"].wechat.official_account.token)
    body = "<xml>" + "<a>" * 3000 + "</a>" * 3000 + "</xml>"  # 21 KB, under the size limit
    response = oa.post(aes_app.test_client(), {**query, "encrypt_type": "aes"}, body.encode())
    assert response.status_code == 400 and seen == []


@pytest.mark.parametrize("aes_app", [SAFE], indirect=True)
def test_safe_mode_refuses_plain_pushes(aes_app, seen):
    response = oa.push(aes_app.test_client(), oa.text(OPENID, "hi"))
    assert response.status_code == 403 and seen == []


@pytest.mark.parametrize("aes_app", [COMPATIBLE], indirect=True)
@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
def test_compatible_mode_takes_every_kind_and_answers_alike(aes_app, seen, mode):
    client = aes_app.test_client()
    response = oa.push(client, oa.text(OPENID, "你好"), mode=mode)
    assert response.status_code == 200
    encrypted = "Encrypt" in xmltodict.parse(response.data)["xml"]
    assert encrypted == (mode != "plain")
    assert oa.reply_text(response, client) == "echo:你好"


@pytest.mark.parametrize("aes_app", [COMPATIBLE], indirect=True)
def test_compatible_mode_trusts_the_encrypted_copy(aes_app, seen):
    """The plaintext fields beside <Encrypt> are not signed: only the encrypted ones count."""
    client = aes_app.test_client()
    query = oa.signed_query("test-token", encrypt_type="aes")
    body, msg_signature = oa.encrypted_body(
        oa.text(OPENID, "真的"), "compatible", "test-token", "wx_test_oa", KEY, query
    )
    forged = body.replace("<![CDATA[真的]]>", "<![CDATA[假的]]>", 1)
    response = oa.post(client, {**query, "msg_signature": msg_signature}, forged.encode())
    assert oa.reply_text(response, client) == "echo:真的"


@pytest.mark.parametrize("aes_app", [ROTATED], indirect=True)
@pytest.mark.parametrize("key", [KEY, OLD_KEY])
def test_previous_key_still_opens_pushes_and_seals_the_reply(aes_app, seen, key):
    client = aes_app.test_client()
    response = oa.push(client, oa.text(OPENID, "hi"), mode="safe", aes_key=key)
    assert response.status_code == 200
    assert oa.reply_text(response, client, aes_key=key) == "echo:hi"
    other = OLD_KEY if key == KEY else KEY
    with pytest.raises(Exception):  # noqa: B017 - sealed with the key that worked, not the other
        oa.reply_text(response, client, aes_key=other)


@pytest.mark.parametrize("aes_app", [ROTATED], indirect=True)
def test_unknown_key_is_refused(aes_app, seen):
    response = oa.push(aes_app.test_client(), oa.text(OPENID, "hi"), mode="safe", aes_key=OTHER_KEY)
    assert response.status_code == 400 and seen == []


@pytest.mark.parametrize("aes_app", [SAFE], indirect=True)
def test_other_appid_is_refused(aes_app, seen):
    response = oa.push(aes_app.test_client(), oa.text(OPENID, "hi"), mode="safe", app_id="wx_other")
    assert response.status_code == 400 and seen == []


def _tamper(encrypt: str, how: str) -> str:
    raw = bytearray(base64.b64decode(encrypt))
    if how == "flip a byte":
        raw[40] ^= 0x01
    elif how == "flip the last block":
        raw[-1] ^= 0x80
    elif how == "truncate":
        raw = raw[:-16]
    elif how == "not base64":
        return "!!!" + encrypt
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize("aes_app", [SAFE], indirect=True)
@pytest.mark.parametrize("how", ["flip a byte", "flip the last block", "truncate", "not base64"])
def test_tampered_ciphertext_is_refused(aes_app, seen, how):
    """A re-signed tampered ciphertext (signature valid, content broken) gets a 4xx."""
    query = oa.signed_query("test-token", encrypt_type="aes")
    sealed = WeChatCrypto("test-token", KEY, "wx_test_oa").encrypt_message(
        oa.text(OPENID, "hi"), query["nonce"], query["timestamp"]
    )
    encrypt = _tamper(xmltodict.parse(sealed)["xml"]["Encrypt"], how)
    query["msg_signature"] = oa.signature("test-token", query["timestamp"], query["nonce"], encrypt)
    body = f"<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    response = oa.post(aes_app.test_client(), query, body.encode())
    assert 400 <= response.status_code < 500
    assert response.data == b"" and seen == []


@pytest.mark.parametrize("aes_app", [SAFE], indirect=True)
def test_ciphertext_changed_after_signing_is_refused(aes_app, seen):
    query = oa.signed_query("test-token")
    body, msg_signature = oa.encrypted_body(
        oa.text(OPENID, "hi"), "safe", "test-token", "wx_test_oa", KEY, query
    )
    query.update(encrypt_type="aes", msg_signature=msg_signature)
    response = oa.post(
        aes_app.test_client(), query, body.replace("<Encrypt>", "<Encrypt>A").encode()
    )
    assert response.status_code == 403 and seen == []


@pytest.mark.parametrize("aes_app", [SAFE], indirect=True)
def test_encrypted_push_without_encrypt_field_is_refused(aes_app, seen):
    query = oa.signed_query("test-token", encrypt_type="aes", msg_signature="0" * 40)
    response = oa.post(aes_app.test_client(), query, oa.text(OPENID, "hi").encode())
    assert response.status_code == 400 and seen == []


@pytest.mark.parametrize("aes_app", [SAFE], indirect=True)
def test_encrypted_inner_doctype_is_refused(aes_app, seen):
    inner = '<!DOCTYPE xml [<!ENTITY e "boom">]>' + oa.text(OPENID, "&e;")
    response = oa.push(aes_app.test_client(), inner, mode="safe")
    assert response.status_code == 400 and seen == []


@pytest.mark.parametrize("aes_app", [SAFE], indirect=True)
def test_safe_mode_long_cdata_reply_round_trips(aes_app):
    text = "]]>" + "长" * 1000
    aes_app.extensions["wechat_handler"] = lambda message: Reply(text=text)
    client = aes_app.test_client()
    reply = oa.reply_text(oa.push(client, oa.text(OPENID, "hi"), mode="safe"), client)
    assert reply.startswith("]]>长") and reply.endswith("…")
    assert len(reply.encode()) <= 2000


@pytest.mark.parametrize("aes_app", [SAFE], indirect=True)
def test_safe_mode_empty_reply_is_plain_success(aes_app):
    aes_app.extensions["wechat_handler"] = lambda message: Reply()
    response = oa.push(aes_app.test_client(), oa.text(OPENID, "hi"), mode="safe")
    assert response.data == b"success"
