"""The mini-program helpers wechatpy lacks, against the emulator."""

import io

import pytest
from PIL import Image
from wechatpy.exceptions import WeChatClientException

from tests.conftest import MP
from wechat.client import make_clients
from wechat.miniprogram import (
    SCENE_FORUM,
    LoginSession,
    PhoneNumber,
    code_to_session,
    get_phone_number,
    get_unlimited_wxacode,
    msg_sec_check,
)


@pytest.fixture
def mp(settings):
    clients = make_clients(settings)
    yield clients.mini_program
    clients.close()


def errcode_of(call, *args, **kwargs):
    with pytest.raises(WeChatClientException) as raised:
        call(*args, **kwargs)
    return raised.value.errcode


def test_code_to_session_maps_the_code_to_its_openid(mp, emulator):
    session = code_to_session(mp, "code:mp-demo-01")

    assert isinstance(session, LoginSession)
    assert session.openid == "mp-demo-01"
    assert session.unionid is None
    assert len(session.session_key) == 24


def test_code_to_session_needs_no_access_token(mp, emulator):
    code_to_session(mp, "code:mp-demo-02")

    assert emulator.calls_to("stable_token") == []
    (call,) = emulator.calls_to("jscode2session")
    assert call.query == {
        "appid": MP["app_id"],
        "secret": MP["app_secret"],
        "js_code": "code:mp-demo-02",
        "grant_type": "authorization_code",
    }


def test_code_to_session_can_carry_a_unionid(mp, emulator):
    assert code_to_session(mp, "code:mp-demo-03:union-77").unionid == "union-77"


def test_wechatpys_own_code_to_session_is_accepted_too(mp, emulator):
    answer = mp.wxa.code_to_session("code:mp-demo-04")

    assert answer["openid"] == "mp-demo-04"
    assert "access_token" in emulator.calls_to("jscode2session")[0].query


def test_a_login_code_with_a_nonce_works_once(mp, emulator):
    code_to_session(mp, "code:mp-demo-05#1")

    assert errcode_of(code_to_session, mp, "code:mp-demo-05#1") == 40163
    assert code_to_session(mp, "code:mp-demo-05#2").openid == "mp-demo-05"


def test_a_bare_demo_login_code_can_be_used_again(mp, emulator):
    assert code_to_session(mp, "code:mp-demo-05").openid == "mp-demo-05"
    assert code_to_session(mp, "code:mp-demo-05").openid == "mp-demo-05"


@pytest.mark.parametrize("code", ["0x1a2b3c", "code:", "code:bad openid", "phone:13800138000"])
def test_other_login_codes_are_invalid(mp, emulator, code):
    assert errcode_of(code_to_session, mp, code) == 40029


@pytest.mark.parametrize("errcode", [40226, 45011, -1])
def test_login_errors_surface(mp, emulator, errcode):
    emulator.inject("jscode2session", errcode)

    assert errcode_of(code_to_session, mp, "code:mp-demo-06") == errcode
    assert len(emulator.calls_to("jscode2session")) == 1


def test_phone_number_comes_from_the_code(mp, emulator):
    phone = get_phone_number(mp, "phone:13800138000")

    assert phone == PhoneNumber("13800138000", "13800138000", "86")
    assert emulator.calls_to("getuserphonenumber")[0].body == {"code": "phone:13800138000"}


@pytest.mark.parametrize("code", ["13800138000", "phone:abc", "phone:", "code:mp-demo-01"])
def test_other_phone_codes_are_invalid(mp, emulator, code):
    assert errcode_of(get_phone_number, mp, code) == 40029


def test_a_phone_code_with_a_nonce_works_once(mp, emulator):
    get_phone_number(mp, "phone:13900139000#a")

    assert errcode_of(get_phone_number, mp, "phone:13900139000#a") == 40029
    assert get_phone_number(mp, "phone:13900139000").pure_phone_number == "13900139000"


def test_phone_number_retries_once_on_a_refused_token(mp, emulator):
    emulator.inject("getuserphonenumber", 40001)

    assert get_phone_number(mp, "phone:13700137000").pure_phone_number == "13700137000"
    assert len(emulator.calls_to("stable_token")) == 2


def test_wxacode_is_a_png_of_the_asked_width(mp, emulator):
    png = get_unlimited_wxacode(mp, "a=17&t=3", page="pages/feedback/index", width=430)

    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert 280 <= image.width <= 430
    body = emulator.calls_to("getwxacodeunlimit")[0].body
    assert body["scene"] == "a=17&t=3"
    assert body["check_path"] is True
    assert body["env_version"] == "release"


def test_wxacode_is_deterministic(mp, emulator):
    first = get_unlimited_wxacode(mp, "m=42", page="pages/checkin/index")

    assert get_unlimited_wxacode(mp, "m=42", page="pages/checkin/index") == first
    assert get_unlimited_wxacode(mp, "m=43", page="pages/checkin/index") != first


def test_wechatpys_wxacode_call_works_too(mp, emulator):
    answer = mp.wxa.get_wxa_code_unlimited("m=1")

    assert Image.open(io.BytesIO(answer.content)).format == "PNG"


@pytest.mark.parametrize(
    ("scene", "page", "env_version", "errcode"),
    [
        ("x" * 33, None, "release", 40169),
        ("中文场景", None, "release", 40169),
        ("a%20b", None, "release", 40169),
        ("", None, "release", 40169),
        ("ok", "/pages/index/index", "release", 41030),
        ("ok", "pages/index/index?a=1", "release", 41030),
        ("ok", None, "beta", 40097),
    ],
)
def test_wxacode_arguments_are_checked(mp, emulator, scene, page, env_version, errcode):
    call = get_unlimited_wxacode
    assert errcode_of(call, mp, scene, page=page, env_version=env_version) == errcode


@pytest.mark.parametrize(
    ("content", "suggest", "label"),
    [
        ("今天帮助张大爷打扫了院子", "pass", 100),
        ("有人在社区组织赌博", "risky", 20006),
        ("请人工看看 [review]", "review", 21000),
    ],
)
def test_msg_sec_check_gives_a_verdict(mp, emulator, content, suggest, label):
    result = msg_sec_check(mp, "mp-demo-01", content)

    assert (result.suggest, result.label) == (suggest, label)
    assert result.is_pass == (suggest == "pass")
    assert result.trace_id
    body = emulator.calls_to("msg_sec_check")[0].body
    assert body == {"version": 2, "openid": "mp-demo-01", "scene": 2, "content": content}


def test_msg_sec_check_passes_the_scene(mp, emulator):
    msg_sec_check(mp, "mp-demo-01", "社区论坛发言", scene=SCENE_FORUM)

    assert emulator.calls_to("msg_sec_check")[0].body["scene"] == 3


@pytest.mark.parametrize(("openid", "scene", "errcode"), [("", 2, 40003), ("mp-demo-01", 9, 40129)])
def test_msg_sec_check_arguments_are_checked(mp, emulator, openid, scene, errcode):
    assert errcode_of(msg_sec_check, mp, openid, "文本", scene=scene) == errcode


def test_msg_sec_check_v1_answers_87014_when_risky(mp, emulator):
    assert mp.wxa.check_text_security("普通留言")["errcode"] == 0
    assert errcode_of(mp.wxa.check_text_security, "毒品") == 87014


def test_msg_sec_check_busy_raises(mp, emulator):
    emulator.inject("msg_sec_check", -1)

    assert errcode_of(msg_sec_check, mp, "mp-demo-01", "文本") == -1
