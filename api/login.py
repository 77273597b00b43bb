"""Logging in: wx.login code → token; binding the WeChat to the roster; office login; logout."""

from dataclasses import dataclass

from flask import g, jsonify
from requests import RequestException
from wechatpy.exceptions import WeChatClientException

from services import auth, clock
from services.bind_limits import CALLER_LIMITS, CODE_DAY_TRIES, CODE_LIFE_TRIES
from services.errors import DomainError, Invalid
from wechat import get_clients
from wechat.miniprogram import code_to_session, get_phone_number

from . import bp, openapi, serialize
from .auth import requires, token_ttl
from .request import field, json_body

# WeChat's answers to a bad wx.login code, in words for the user.
LOGIN_CODE_ERRORS = {
    40029: "登录凭证无效，请重新打开小程序。",
    41008: "缺少登录凭证，请重新打开小程序。",
    40163: "登录凭证已使用，请重新打开小程序。",
    40226: "该微信账号存在风险，暂时无法登录。",
    45011: "操作太频繁，请稍后再试。",
}
# ... and to a bad getPhoneNumber code: the phone authorisation failed (not the login), and
# binding with the office's code is still open.
PHONE_RETRY = "手机号授权失败，请重新授权，或填写手机号和办公室发放的绑定码。"
PHONE_CODE_ERRORS = {
    40029: PHONE_RETRY,
    41008: PHONE_RETRY,
    40163: PHONE_RETRY,
    40226: "该微信账号存在风险，暂时无法授权手机号，请填写手机号和办公室发放的绑定码。",
    45011: "操作太频繁，请稍后再试。",
}


@dataclass(frozen=True)
class Refusals:
    """How WeChat's refusal of one kind of code is told: a message per errcode, one code."""

    messages: dict[int, str]
    code: str


LOGIN_REFUSED = Refusals(LOGIN_CODE_ERRORS, "wechat_code_rejected")
PHONE_REFUSED = Refusals(PHONE_CODE_ERRORS, "phone_code_rejected")


class WechatUnavailable(DomainError):
    status, code = 503, "wechat_unavailable"


def _ask_wechat(call, code: str, refused: Refusals):
    """Call WeChat with a code; its refusals become Invalid, its silence WechatUnavailable."""
    client = get_clients().mini_program
    if client is None:
        raise WechatUnavailable("小程序尚未配置，请联系办公室。", "mini_program_not_configured")
    try:
        return call(client, code)
    except WeChatClientException as exc:
        message = refused.messages.get(exc.errcode)
        if message is None:
            raise WechatUnavailable("微信服务暂时不可用，请稍后再试。") from exc
        raise Invalid(message, refused.code) from exc
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
    session = _ask_wechat(code_to_session, code, LOGIN_REFUSED)
    result = auth.login_with_openid(
        session.openid, session.session_key, clock.now_utc(), token_ttl()
    )
    return jsonify(serialize.login(result))


@bp.post("/auth/bind")
@requires("bind", "member")  # a bound member is told so by the service: already_bound
def bind():
    auth.require_bind_token(g.token)  # before WeChat is asked about a phone_code
    data, now = json_body(), clock.now_utc()
    phone_code = field(data, "phone_code", str, required=False)
    _one_way(phone_code, data)
    if phone_code:
        phone = _ask_wechat(get_phone_number, phone_code, PHONE_REFUSED).pure_phone_number
        result = auth.bind_verified_phone(g.token, phone, now, token_ttl())
    else:
        phone, code = _phone_and_bind_code(data)
        result = auth.bind_with_code(g.token, phone, code, now, token_ttl())
    return jsonify(serialize.login(result))


BOTH_WAYS = "请只选一种绑定方式：授权手机号，或填写手机号和绑定码，不要同时提交。"


def _one_way(phone_code: str | None, data: dict) -> None:
    """Refuse a phone_code sent with a bind code: one of them would be ignored unseen (a
    wrong code answered as if it were right)."""
    bind_code = field(data, "bind_code", str, required=False, default="")
    if phone_code and bind_code.strip():
        raise Invalid(BOTH_WAYS, "bad_field")


# What to ask for when a bind names no authorised phone: by (phone missing, code missing).
MISSING_BIND_FIELDS = {
    (True, True): "请授权手机号，或填写手机号和办公室发放的绑定码。",
    (True, False): "请填写党员名册上登记的手机号。",
    (False, True): "请填写办公室发放的绑定码。",
}


def _phone_and_bind_code(data: dict) -> tuple[str, str]:
    """The phone and bind code of a bind without phone_code, or Invalid saying what is
    missing (not counted as a wrong try)."""
    phone = field(data, "phone", str, required=False, default="")
    code = field(data, "bind_code", str, required=False, default="")
    missing = MISSING_BIND_FIELDS.get((not phone.strip(), not code.strip()))
    if missing:
        raise Invalid(missing, "missing_field")
    return phone, code


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
CALLER_RULE = "、".join(f"{words}最多输错 {n} 次" for _, n, words in CALLER_LIMITS)
BIND_DESCRIPTION = (
    "phone_code：getPhoneNumber 返回的 code；微信拒绝该 code 为 400 phone_code_rejected，"
    "手机号不在党员名册中为 400 phone_not_on_roster。"
    "或 phone + bind_code：办公室发放的一次性绑定码，只有最新发放的一个有效；两者都不给为 "
    "400 missing_field。手机号不正确、绑定码不正确、绑定码被暂时锁定一律为 400 bad_bind_code"
    "（不透露手机号是否在名册中、绑定码是否锁定）。"
    f"同一微信用户（openid，不论哪次登录）{CALLER_RULE}："
    "用完次数的那一次及此后的尝试为 403 too_many_attempts，"
    "message 说明何时可以再试；登录令牌仍然有效。"
    f"一个绑定码 24 小时内最多核对 {CODE_DAY_TRIES} 次（任何人、小程序和公众号合计），"
    f"超过后暂时锁定，到时自动恢复；累计核对 {CODE_LIFE_TRIES} 次后作废，此后再输入这个码为 "
    "400 bind_code_void（过期或已更换的码也是），须向办公室重新获取。"
    "用 phone_code 绑定不计入这些次数。"
)
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
            "description": BIND_DESCRIPTION,
            "requestBody": openapi.json_body(
                {
                    "type": "object",
                    "description": "二选一：phone_code，或 phone + bind_code；"
                    "phone_code 与 bind_code 同时提交为 400 bad_field",
                    "properties": {
                        "phone_code": {"type": "string"},
                        "phone": {"type": "string"},
                        "bind_code": {"type": "string"},
                    },
                    "oneOf": [
                        {"required": ["phone_code"], "not": {"required": ["bind_code"]}},
                        {"required": ["phone", "bind_code"], "not": {"required": ["phone_code"]}},
                    ],
                }
            ),
            "responses": openapi.ok("绑定成功，返回党员令牌", LOGIN_SCHEMA)
            | {
                "409": openapi.error(
                    "already_bound：已绑定党员身份的登录无需再次绑定；openid_taken：该微信已绑定其他党员"
                ),
                "503": openapi.error("微信服务不可用"),
            },
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
