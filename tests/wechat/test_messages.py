"""Outbound messages through wechatpy's own API groups, checked by the emulator like WeChat."""

import pytest
from wechatpy.exceptions import WeChatClientException

from wechat.client import make_clients

TEMPLATE = "tmpl-visit-reminder"
DATA = {"thing1": {"value": "走访结对家庭"}, "time2": {"value": "2026年12月1日 09:00"}}


@pytest.fixture
def clients(settings):
    clients = make_clients(settings)
    yield clients
    clients.close()


@pytest.fixture
def oa(clients):
    return clients.official_account


@pytest.fixture
def mp(clients):
    return clients.mini_program


def errcode_of(call, *args, **kwargs):
    with pytest.raises(WeChatClientException) as raised:
        call(*args, **kwargs)
    return raised.value.errcode


def test_customer_service_text_is_delivered(oa, emulator):
    assert oa.message.send_text("o-member-1", "已为您登记本次服务。")["errcode"] == 0

    (call,) = emulator.calls_to("custom_send")
    assert call.body == {
        "touser": "o-member-1",
        "msgtype": "text",
        "text": {"content": "已为您登记本次服务。"},
    }


@pytest.mark.parametrize("openid", ["", "含中文的openid", "o member", "x" * 65])
def test_ill_formed_openids_are_refused(oa, mp, emulator, openid):
    assert errcode_of(oa.message.send_text, openid, "hi") == 40003
    assert errcode_of(oa.message.send_template, openid, TEMPLATE, DATA) == 40003
    assert errcode_of(oa.message.send_subscribe_message, openid, TEMPLATE, DATA) == 40003
    assert errcode_of(mp.wxa.send_subscribe_message, openid, TEMPLATE, DATA) == 40003


def test_customer_service_checks_the_message(oa, emulator):
    article = {"title": "活动", "description": "", "url": "https://example.org", "image": ""}

    assert errcode_of(oa.message.send_text, "o-member-1", "") == 44004
    assert errcode_of(oa.message.send_articles, "o-member-1", [article, article]) == 45008
    assert oa.message.send_articles("o-member-1", [article])["errcode"] == 0


@pytest.mark.parametrize("errcode", [45015, 45047])
def test_customer_service_window_errors_surface(oa, emulator, errcode):
    emulator.inject("custom_send", errcode)

    assert errcode_of(oa.message.send_text, "o-member-1", "hi") == errcode


def test_template_message_returns_a_msgid(oa, emulator):
    mini_program = {"appid": "wx_test_mp", "pagepath": "pages/visit/index"}

    answer = oa.message.send_template("o-member-1", TEMPLATE, DATA, mini_program=mini_program)

    assert answer["errcode"] == 0
    assert isinstance(answer["msgid"], int)
    assert emulator.calls_to("template_send")[0].body["miniprogram"] == mini_program


@pytest.mark.parametrize(
    ("template_id", "data", "errcode"),
    [
        ("", DATA, 40037),
        (TEMPLATE, {}, 47003),
        (TEMPLATE, {"thing1": "no value object"}, 47003),
        (TEMPLATE, {"thing1": {"value": 12}}, 47003),
    ],
)
def test_template_message_is_checked(oa, emulator, template_id, data, errcode):
    assert errcode_of(oa.message.send_template, "o-member-1", template_id, data) == errcode


def test_old_style_template_keys_take_any_text(oa, emulator):
    data = {"first": {"value": "您好"}, "keyword1": {"value": "x" * 40}, "remark": {"value": ""}}

    assert oa.message.send_template("o-member-1", TEMPLATE, data)["errcode"] == 0


def test_oa_subscribe_notice_is_delivered(oa, emulator):
    answer = oa.message.send_subscribe_message(
        "o-member-1", TEMPLATE, DATA, page="https://example.org/activities/1"
    )

    assert answer == {"errcode": 0, "errmsg": "ok"}
    assert emulator.calls_to("bizsend")[0].body["page"] == "https://example.org/activities/1"


@pytest.mark.parametrize("api", ["bizsend", "subscribe_send"])
def test_refused_subscription_raises_43101(oa, mp, emulator, api):
    emulator.inject(api, 43101)
    send = oa.message.send_subscribe_message if api == "bizsend" else mp.wxa.send_subscribe_message

    assert errcode_of(send, "o-member-1", TEMPLATE, DATA) == 43101
    assert len(emulator.calls_to(api)) == 1


def test_mini_program_subscribe_message_is_delivered(mp, emulator):
    answer = mp.wxa.send_subscribe_message("mp-member-1", TEMPLATE, DATA, page="pages/a/b?id=3")

    assert answer["errcode"] == 0
    (call,) = emulator.calls_to("subscribe_send")
    assert call.body == {
        "touser": "mp-member-1",
        "template_id": TEMPLATE,
        "page": "pages/a/b?id=3",
        "data": DATA,
    }


@pytest.mark.parametrize(
    ("key", "value", "accepted"),
    [
        ("thing1", "二十个字以内的服务内容描述文字共二十字", True),
        ("thing1", "超过二十个字的服务内容描述文字一共有二十一个字", False),
        ("thing1", "", False),
        ("phrase2", "已签到", True),
        ("phrase2", "签到1次", False),
        ("phrase2", "六个字的短语呀", False),
        ("number3", "12.5", True),
        ("number3", "十二", False),
        ("character_string4", "RPT-2026-Q4", True),
        ("character_string4", "有中文", False),
        ("amount5", "¥12.50", True),
        ("phone_number6", "0371-12345678", True),
        ("phone_number6", "电话", False),
        ("name7", "张三", True),
        ("name7", "欧阳诸葛司马上官长名字", False),
        ("letter8", "ABC", True),
        ("time9", "15:01", True),
        ("time9", "下午", False),
        ("date10", "2026年12月1日", True),
    ],
)
def test_subscribe_values_follow_wechat_rules(mp, emulator, key, value, accepted):
    data = {key: {"value": value}}

    if accepted:
        assert mp.wxa.send_subscribe_message("mp-member-1", TEMPLATE, data)["errcode"] == 0
    else:
        with pytest.raises(WeChatClientException) as raised:
            mp.wxa.send_subscribe_message("mp-member-1", TEMPLATE, data)
        assert raised.value.errcode == 47003
        assert f"data.{key}.value invalid" in raised.value.errmsg


def test_subscribe_page_must_be_a_relative_path(mp, emulator):
    send = mp.wxa.send_subscribe_message

    assert errcode_of(send, "mp-member-1", TEMPLATE, DATA, page="/pages/a/b") == 41030
