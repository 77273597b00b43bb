"""Logging in: wx.login code → token; binding the WeChat to the roster; office login; logout."""

from flask import g, jsonify
from requests import RequestException
from wechatpy.exceptions import WeChatClientException

from services import auth, clock
from services.errors import DomainError, Invalid
from wechat import get_clients
from wechat.miniprogram import code_to_session, get_phone_number

from . import bp, openapi, serialize
from .auth import requires, token_ttl
from .request import field, json_body

# WeChat's answers to a bad code, in words for the user.
WECHAT_CODE_ERRORS = {
    40029: "登录凭证无效，请重新打开小程序。",
    41008: "缺少登录凭证，请重新打开小程序。",
    40163: "登录凭证已使用，请重新打开小程序。",
    40226: "该微信账号存在风险，暂时无法登录。",
    45011: "操作太频繁，请稍后再试。",
}


class WechatUnavailable(DomainError):
    status, code = 503, "wechat_unavailable"


def _ask_wechat(call, *args):
    """Call WeChat; its refusals become Invalid, its silence WechatUnavailable."""
    client = get_clients().mini_program
    if client is None:
        raise WechatUnavailable("小程序尚未配置，请联系办公室。", "mini_program_not_configured")
    try:
        return call(client, *args)
    except WeChatClientException as exc:
        message = WECHAT_CODE_ERRORS.get(exc.errcode)
        if message is None:
            raise WechatUnavailable("微信服务暂时不可用，请稍后再试。") from exc
        raise Invalid(message, "wechat_code_rejected") from exc
    except RequestException as exc:
        raise WechatUnavailable("微信服务暂时不可用，请稍后再试。") from exc


# wx.login codes are 32 characters; anything much longer is not one, and WeChat would refuse
# it as a malformed request rather than as a bad code.
LONGEST_CODE = 128


@bp.post("/auth/login")
def login():
    code = field(json_body(), "code", str)
    if not 0 < len(code) <= LONGEST_CODE:
        raise Invalid("登录凭证无效，请重新打开小程序。", "bad_code")
    session = _ask_wechat(code_to_session, code)
    result = auth.login_with_openid(
        session.openid, session.session_key, clock.now_utc(), token_ttl()
    )
    return jsonify(serialize.login(result))


@bp.post("/auth/bind")
@requires("bind")
def bind():
    data, now = json_body(), clock.now_utc()
    phone_code = field(data, "phone_code", str, required=False)
    if phone_code:
        phone = _ask_wechat(get_phone_number, phone_code).pure_phone_number
        result = auth.bind_verified_phone(g.token, phone, now, token_ttl())
    else:
        phone, code = field(data, "phone", str), field(data, "bind_code", str)
        result = auth.bind_with_code(g.token, phone, code, now, token_ttl())
    return jsonify(serialize.login(result))


@bp.post("/auth/office")
def office_login():
    data = json_body()
    username, password = field(data, "username", str), field(data, "password", str)
    result = auth.login_office(username, password, clock.now_utc(), token_ttl())
    return jsonify(serialize.login(result) | {"account": result.account.display_name})


@bp.post("/auth/logout")
@requires("member", "office", "bind")
def logout():
    auth.revoke(g.token, clock.now_utc())
    return jsonify({"ok": True})


LOGIN_SCHEMA = {
    "type": "object",
    "required": ["token", "expires_at", "scope", "bind_required"],
    "properties": {
        "token": {"type": "string"},
        "expires_at": {"type": "string", "format": "date-time"},
        "scope": {"type": "string", "enum": ["member", "bind", "office"]},
        "bind_required": {"type": "boolean"},
        "member": {"type": "object", "nullable": True},
        "account": {"type": "string"},
    },
}
OPENAPI = {
    "/auth/login": {
        "post": {
            "summary": "用 wx.login 的 code 登录；未绑定时返回 bind_required 和仅可绑定的令牌",
            "security": [],
            "requestBody": openapi.json_body(
                {
                    "type": "object",
                    "required": ["code"],
                    "properties": {"code": {"type": "string", "maxLength": LONGEST_CODE}},
                }
            ),
            "responses": openapi.ok("登录成功", LOGIN_SCHEMA)
            | {"503": openapi.error("微信服务不可用")},
        }
    },
    "/auth/bind": {
        "post": {
            "summary": "绑定党员身份：getPhoneNumber 的 phone_code，或手机号 + 办公室发放的绑定码",
            "requestBody": openapi.json_body(
                {
                    "type": "object",
                    "properties": {
                        "phone_code": {"type": "string"},
                        "phone": {"type": "string"},
                        "bind_code": {"type": "string"},
                    },
                }
            ),
            "responses": openapi.ok("绑定成功，返回党员令牌", LOGIN_SCHEMA)
            | {"409": openapi.error("冲突"), "503": openapi.error("微信服务不可用")},
        }
    },
    "/auth/office": {
        "post": {
            "summary": "办公室账号登录",
            "security": [],
            "requestBody": openapi.json_body(
                {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
                }
            ),
            "responses": openapi.ok("登录成功", LOGIN_SCHEMA),
        }
    },
    "/auth/logout": {
        "post": {
            "summary": "注销当前令牌",
            "responses": openapi.ok("已注销", {"type": "object"}),
        }
    },
}
