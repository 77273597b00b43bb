"""The /wechat endpoint in plain mode: URL check, signatures, bad pushes, push types, replies."""

import io
import time

import pytest
import xmltodict

from wechat import deferred
from wechat.inbound import Reply
from wechat.protocol import MAX_BODY_BYTES, REPLAY_WINDOW_SECONDS, TEXT_LIMIT_BYTES

from . import oa

OPENID = "o_member_1"


@pytest.fixture
def client_for(request):
    """A test client for settings changed by the test (ask before any `app` fixture)."""
    return lambda overrides: request.getfixturevalue("client")


@pytest.fixture
def seen(app):
    """Replace the chat with a recorder that echoes text; the list of pushes it saw."""
    calls = []

    def handler(message):
        calls.append(message)
        return Reply(text=f"echo:{message.content}" if message.kind == "text" else None)

    app.extensions["wechat_handler"] = handler
    return calls


def answer_with(app, text):
    app.extensions["wechat_handler"] = lambda message: Reply(text=text)


# --- GET: URL verification ------------------------------------------------------------------


def test_url_check_answers_the_official_vector(settings_overrides, client_for):
    settings_overrides["wechat"]["official_account"]["token"] = "AAAAA"
    client = client_for(settings_overrides)
    query = {
        "signature": "f464b24fc39322e44b38aa78f5edd27bd1441696",
        "timestamp": "1714036504",
        "nonce": "1514711492",
        "echostr": "4375120948345356249",
    }
    response = client.get("/wechat", query_string=query)
    assert response.status_code == 200
    assert response.data == b"4375120948345356249"


@pytest.mark.parametrize("field", ["signature", "timestamp", "nonce"])
def test_url_check_refuses_a_wrong_signature(client, field):
    query = oa.signed_query("test-token", echostr="12345")
    query[field] = query[field][:-1] + ("0" if query[field][-1] != "0" else "1")
    response = client.get("/wechat", query_string=query)
    assert response.status_code == 403
    assert b"12345" not in response.data


def test_url_check_echoes_exactly(client):
    query = oa.signed_query("test-token", echostr="a b+c%d")
    response = client.get("/wechat", query_string=query)
    assert response.status_code == 200
    assert response.data == b"a b+c%d"


def test_unconfigured_account_refuses_everything(settings_overrides, client_for):
    settings_overrides["wechat"]["official_account"] = {}
    client = client_for(settings_overrides)
    query = oa.signed_query("", echostr="1")
    assert client.get("/wechat", query_string=query).status_code == 404
    assert oa.post(client, query, oa.text(OPENID, "hi").encode()).status_code == 404


# --- POST: plain pushes ---------------------------------------------------------------------


def test_text_push_gets_the_handlers_reply(client, seen):
    response = oa.push(client, oa.text(OPENID, "你好", msg_id=42))
    assert response.status_code == 200
    reply = oa.reply_fields(response)
    assert reply["Content"] == "echo:你好"
    assert reply["ToUserName"] == OPENID and reply["FromUserName"] == oa.OA_USER
    assert reply["MsgType"] == "text"
    assert abs(int(reply["CreateTime"]) - time.time()) < 5
    [message] = seen
    assert (message.openid, message.kind, message.msg_id) == (OPENID, "text", 42)


def test_bad_signature_is_refused_before_the_handler(client, seen):
    response = oa.push(client, oa.text(OPENID, "hi"), token="wrong-token")
    assert response.status_code == 403
    assert response.data == b"" and seen == []


@pytest.mark.parametrize("skew", [REPLAY_WINDOW_SECONDS + 5, -(REPLAY_WINDOW_SECONDS + 5)])
def test_timestamps_outside_the_replay_window_are_refused(client, seen, skew):
    response = oa.push(client, oa.text(OPENID, "hi"), timestamp=int(time.time()) + skew)
    assert response.status_code == 403 and seen == []


@pytest.mark.parametrize("timestamp", ["²", "1" * 5000, "-5", " 17"])
def test_timestamps_that_are_not_plain_seconds_are_refused(client, seen, timestamp):
    """Signed correctly (a signature covers any text), but no number of seconds."""
    response = oa.push(client, oa.text(OPENID, "hi"), timestamp=timestamp)
    assert response.status_code == 403 and seen == []


def test_timestamps_inside_the_replay_window_are_accepted(client, seen):
    response = oa.push(client, oa.text(OPENID, "hi"), timestamp=int(time.time()) - 60)
    assert response.status_code == 200 and len(seen) == 1


def test_the_replay_window_follows_the_clock_seam(app, client, seen):
    app.config["WECHAT_CLOCK"] = lambda: 1_000_000_000
    assert oa.push(client, oa.text(OPENID, "hi")).status_code == 403
    assert oa.push(client, oa.text(OPENID, "hi"), timestamp=1_000_000_100).status_code == 200


def test_oversized_body_is_413(client, seen):
    xml = oa.text(OPENID, "x" * MAX_BODY_BYTES)
    response = oa.push(client, xml)
    assert response.status_code == 413 and seen == []


def test_oversized_chunked_body_is_413_after_reading_only_the_limit(client, seen):
    stream = io.BytesIO(oa.text(OPENID, "x" * (4 * MAX_BODY_BYTES)).encode())
    response = client.post(
        "/wechat",
        query_string=oa.signed_query("test-token"),
        input_stream=stream,
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413 and seen == []
    assert stream.tell() <= MAX_BODY_BYTES + 1


def test_body_just_under_the_limit_is_read(client, seen):
    padding = MAX_BODY_BYTES - len(oa.text(OPENID, "", msg_id=1).encode()) - 10
    response = oa.push(client, oa.text(OPENID, "x" * padding, msg_id=1))
    assert response.status_code == 200 and len(seen) == 1


BAD_BODIES = {
    "empty": b"",
    "blank": b"  \n",
    "not xml": b"hello",
    "truncated": b"<xml><ToUserName><![CDATA[gh]]></ToUserName>",
    "wrong root": b"<doc><MsgType>text</MsgType></doc>",
    "no type": b"<xml><FromUserName>o1</FromUserName><CreateTime>1</CreateTime></xml>",
    "no sender": b"<xml><MsgType>text</MsgType><CreateTime>1</CreateTime></xml>",
    "bad time": b"<xml><FromUserName>o1</FromUserName><MsgType>text</MsgType>"
    b"<CreateTime>soon</CreateTime></xml>",
    "time past any clock": b"<xml><FromUserName>o1</FromUserName><MsgType>text</MsgType>"
    b"<CreateTime>" + b"9" * 30 + b"</CreateTime></xml>",
    "time past a date's year": b"<xml><FromUserName>o1</FromUserName><MsgType>text</MsgType>"
    b"<CreateTime>253402300800</CreateTime></xml>",
    "time past 2100": b"<xml><FromUserName>o1</FromUserName><MsgType>text</MsgType>"
    b"<CreateTime>4102444801</CreateTime></xml>",
    "nested type": b"<xml><FromUserName>o1</FromUserName><MsgType><a>1</a></MsgType></xml>",
    "doubled type": b"<xml><FromUserName>o1</FromUserName><MsgType>text</MsgType>"
    b"<MsgType>image</MsgType><CreateTime>1</CreateTime></xml>",
    "not utf-8": "<xml><Content>你好</Content></xml>".encode("gbk"),
    "json": b'{"MsgType": "text"}',
    "nested thousands deep": b"<xml>" + b"<a>" * 3000 + b"</a>" * 3000 + b"</xml>",
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_bodies_get_400_and_no_reply(client, seen, body):
    response = oa.post(client, oa.signed_query("test-token"), body)
    assert response.status_code == 400
    assert response.data == b"" and seen == []


# A push that would be answered if its entity were expanded.
DECLARES_E = '<!DOCTYPE xml [<!ENTITY e "boom">]>'
USES_E = (
    "<xml><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>&e;</Content></xml>"
)
XXE = {
    "internal entity": '<!DOCTYPE xml [<!ENTITY e "boom">]>'
    "<xml><FromUserName>o1</FromUserName><MsgType>text</MsgType><Content>&e;</Content></xml>",
    "external entity": '<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    "<xml><FromUserName>o1</FromUserName><MsgType>text</MsgType><Content>&e;</Content></xml>",
    "billion laughs": '<!DOCTYPE xml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    "<xml><MsgType>text</MsgType><Content>&b;</Content></xml>",
    "bare doctype": '<!DOCTYPE xml SYSTEM "http://127.0.0.1:9/x.dtd"><xml><MsgType>text'
    "</MsgType></xml>",
    "lower case": "<!doctype xml><xml><MsgType>text</MsgType></xml>",
    "hidden behind a processing instruction": f"<?pi <a?>{DECLARES_E}{USES_E}",
    "after a comment": f"<!-- x -->{DECLARES_E}{USES_E}",
    "after a byte-order mark": f"\ufeff{DECLARES_E}{USES_E}",
    "after the root": USES_E.replace("&e;", "") + DECLARES_E,
    "an undeclared entity": USES_E,
}


@pytest.mark.parametrize("body", XXE.values(), ids=XXE.keys())
def test_doctype_and_entities_are_refused(client, seen, body):
    response = oa.post(client, oa.signed_query("test-token"), body.encode())
    assert response.status_code == 400
    assert b"boom" not in response.data and b"root" not in response.data
    assert seen == []


def test_cdata_content_is_not_mistaken_for_a_declaration(client, seen):
    response = oa.push(client, oa.text(OPENID, "<!DOCTYPE is just text here>"))
    assert response.status_code == 200
    assert oa.reply_text(response) == "echo:<!DOCTYPE is just text here>"


# --- every message and event type -----------------------------------------------------------

PUSHES = {
    "text": (oa.text(OPENID, "签到"), {"kind": "text", "content": "签到"}),
    "image": (oa.image(OPENID, "MEDIA1"), {"kind": "image", "media_id": "MEDIA1"}),
    "voice": (oa.message(OPENID, "voice", MediaId="V1", Format="amr"), {"kind": "voice"}),
    "voice heard": (
        oa.message(OPENID, "voice", MediaId="V4", Format="amr", Recognition="我要签到。"),
        {"kind": "voice", "content": "我要签到。"},
    ),
    "video": (oa.message(OPENID, "video", MediaId="V2", ThumbMediaId="T"), {"kind": "video"}),
    "shortvideo": (
        oa.message(OPENID, "shortvideo", MediaId="V3", ThumbMediaId="T"),
        {"kind": "shortvideo", "media_id": "V3"},
    ),
    "location": (
        oa.location(OPENID, 31.2304, 121.4737, label="人民广场"),
        {"kind": "location", "lat": 31.2304, "lng": 121.4737, "label": "人民广场"},
    ),
    "link": (oa.message(OPENID, "link", Title="t", Description="d", Url="u"), {"kind": "link"}),
    "file (unknown)": (oa.message(OPENID, "file", Title="f"), {"kind": "file"}),
    "subscribe": (oa.event(OPENID, "subscribe"), {"event": "subscribe", "event_key": ""}),
    "subscribe qrscene": (
        oa.event(OPENID, "subscribe", "qrscene_bind42", Ticket="T"),
        {"event": "subscribe", "event_key": "bind42"},
    ),
    "unsubscribe": (oa.event(OPENID, "unsubscribe"), {"event": "unsubscribe"}),
    "SCAN": (oa.event(OPENID, "SCAN", "bind42", Ticket="T"), {"event": "scan"}),
    "LOCATION": (
        oa.event(OPENID, "LOCATION", Latitude=23.1, Longitude=113.3, Precision=30.0),
        {"event": "location", "lat": 23.1, "lng": 113.3, "precision": 30.0},
    ),
    "CLICK": (oa.event(OPENID, "CLICK", "MENU_CHECKIN"), {"event_key": "MENU_CHECKIN"}),
    "VIEW": (oa.event(OPENID, "VIEW", "https://x.example/a", MenuId=1), {"event": "view"}),
    "TEMPLATESENDJOBFINISH": (
        oa.event(OPENID, "TEMPLATESENDJOBFINISH", MsgID=200163836, Status="failed:user block"),
        {"event": "templatesendjobfinish", "msg_id": 200163836, "status": "failed:user block"},
    ),
    "subscribe_msg_popup_event one": (
        oa.event(
            OPENID,
            "subscribe_msg_popup_event",
            SubscribeMsgPopupEvent=oa.Raw(
                "<List>"
                "<TemplateId>T1</TemplateId><SubscribeStatusString>accept"
                "</SubscribeStatusString></List>"
            ),
        ),
        {"event": "subscribe_msg_popup_event"},
    ),
    "subscribe_msg_change_event list": (
        oa.event(
            OPENID,
            "subscribe_msg_change_event",
            SubscribeMsgChangeEvent=oa.Raw(
                "<List><TemplateId>T1</TemplateId></List><List><TemplateId>T2</TemplateId></List>"
            ),
        ),
        {"event": "subscribe_msg_change_event"},
    ),
    "subscribe_msg_sent_event": (
        oa.event(OPENID, "subscribe_msg_sent_event"),
        {"event": "subscribe_msg_sent_event"},
    ),
    "unknown event": (oa.event(OPENID, "PUBLISHJOBFINISH"), {"event": "publishjobfinish"}),
    "scancode_push": (oa.event(OPENID, "scancode_push", "K"), {"event": "scancode_push"}),
}


@pytest.mark.parametrize("xml, expected", PUSHES.values(), ids=PUSHES.keys())
def test_every_push_type_is_answered_200(client, seen, xml, expected):
    started = time.monotonic()
    response = oa.push(client, xml)
    assert response.status_code == 200
    assert time.monotonic() - started < 1
    assert response.data == b"success" or oa.reply_text(response)
    [message] = seen
    assert message.openid == OPENID
    if "event" in expected:
        assert message.kind == "event"
    for name, value in expected.items():
        assert getattr(message, name) == value, name
    assert message.create_time == int(xmltodict.parse(xml)["xml"]["CreateTime"])


def test_white_space_around_fields_is_not_part_of_them(client, seen):
    xml = (
        f"<xml>\n  <FromUserName> {OPENID} </FromUserName>\n  <CreateTime> 1 </CreateTime>\n"
        "  <MsgType>\n text </MsgType><Content>  帮助 </Content><MsgId> 42 </MsgId>\n</xml>"
    )
    assert oa.push(client, xml).status_code == 200
    [message] = seen
    assert (message.openid, message.kind, message.content, message.msg_id) == (
        OPENID,
        "text",
        "帮助",
        42,
    )


def test_odd_field_values_are_dropped_not_fatal(client, seen):
    response = oa.push(client, oa.location(OPENID, "nan", "east", label="?"))
    assert response.status_code == 200
    [message] = seen
    assert (message.lat, message.lng, message.label) == (None, None, "?")


def test_nested_children_stay_in_raw(client, seen):
    xml = oa.event(
        OPENID,
        "subscribe_msg_popup_event",
        SubscribeMsgPopupEvent=oa.Raw(
            "<List><TemplateId>T1</TemplateId></List><List><TemplateId>T2</TemplateId></List>"
        ),
    )
    oa.push(client, xml)
    [message] = seen
    items = message.raw["SubscribeMsgPopupEvent"]["List"]
    assert [item["TemplateId"] for item in items] == ["T1", "T2"]


# --- rendering --------------------------------------------------------------------------------


def test_cdata_injection_in_reply_stays_text(app, client):
    evil = "a]]></Content><MsgType><![CDATA[image]]></MsgType><Content><![CDATA[b"
    answer_with(app, evil)
    response = oa.push(client, oa.text(OPENID, "hi"))
    reply = oa.reply_fields(response)
    assert reply["MsgType"] == "text"
    assert reply["Content"] == evil


def test_long_reply_is_cut_on_a_character_boundary(app, client):
    answer_with(app, "签到成功" * 400)  # 4800 bytes
    content = oa.reply_text(oa.push(client, oa.text(OPENID, "hi")))
    assert len(content.encode()) <= TEXT_LIMIT_BYTES
    assert content.endswith("…") and content.startswith("签到成功签到")
    assert "\ufffd" not in content


def test_short_reply_is_not_cut(app, client):
    text = "好" * (TEXT_LIMIT_BYTES // 3)
    answer_with(app, text)
    assert oa.reply_text(oa.push(client, oa.text(OPENID, "hi"))) == text


@pytest.mark.parametrize("text", [None, ""])
def test_empty_reply_is_success(app, client, text):
    answer_with(app, text)
    response = oa.push(client, oa.text(OPENID, "hi"))
    assert response.status_code == 200 and response.data == b"success"


def test_handler_exception_answers_success(app, client):
    app.config["PROPAGATE_TEST_ERRORS"] = False

    def broken(message):
        raise RuntimeError("bug in the chat")

    app.extensions["wechat_handler"] = broken
    response = oa.push(client, oa.text(OPENID, "hi", msg_id=77))
    assert response.status_code == 200 and response.data == b"success"
    retry = oa.push(client, oa.text(OPENID, "hi", msg_id=77))
    assert retry.data == b"success"


def test_handler_exception_propagates_under_testing(app, client):
    def broken(message):
        raise RuntimeError("bug in the chat")

    app.extensions["wechat_handler"] = broken
    with pytest.raises(RuntimeError):
        oa.push(client, oa.text(OPENID, "hi"))


# --- deferred work ----------------------------------------------------------------------------


def test_after_work_runs_after_the_answer_and_sends_a_message(app, client, emulator):
    def handler(message):
        return Reply(text="收到", after=((deferred.send_text, (message.openid, "处理完毕")),))

    app.extensions["wechat_handler"] = handler
    response = oa.push(client, oa.text(OPENID, "hi"))
    assert oa.reply_text(response) == "收到"
    assert deferred.wait_idle(app, 10)
    assert deferred.errors(app) == []
    [call] = emulator.calls_to("custom_send")
    assert call.body["touser"] == OPENID and call.body["text"]["content"] == "处理完毕"


def test_undeliverable_customer_service_message_is_not_an_error(app, client, emulator):
    emulator.inject("custom_send", 45015)
    with app.app_context():
        assert deferred.send_text(OPENID, "hello") is False


def test_failing_after_work_is_logged_not_raised(app, client):
    def explode():
        raise ValueError("deferred bug")

    app.extensions["wechat_handler"] = lambda message: Reply(text="ok", after=((explode, ()),))
    response = oa.push(client, oa.text(OPENID, "hi"))
    assert oa.reply_text(response) == "ok"
    assert deferred.wait_idle(app, 10)
    assert [type(exc) for exc in deferred.errors(app)] == [ValueError]


def test_by_default_the_chat_router_answers(client):
    """No handler replaced: the push reaches wechat.router and gets some useful text."""
    response = oa.push(client, oa.text("o_stranger", "帮助"))
    assert response.status_code == 200
    assert oa.reply_text(response)
