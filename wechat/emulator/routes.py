"""The emulated WeChat server APIs, answering with WeChat's shapes and error codes.

Each view is wrapped by `api()`, which records the call, applies an injected outcome and
checks the access_token, so a handler only holds the API's own rules.
"""

from __future__ import annotations

import base64
import itertools
import json
import secrets
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, current_app, request

from . import rules
from .protocol import API_PATHS, WeChatError
from .state import STABLE_RENEW_SECONDS, TOKEN_TTL, Call, EmulatorState

bp = Blueprint("wechat_emulator", __name__)
_msgids = itertools.count(1_000_000_001)


@dataclass(frozen=True)
class ApiRequest:
    """What a handler gets: the caller's appid (None before a token exists), query, JSON body."""

    appid: str | None
    query: dict
    body: Any


def state() -> EmulatorState:
    return current_app.extensions["wechat_emulator"]


def json_response(payload: dict, status: int = 200) -> Response:
    """JSON as WeChat sends it: UTF-8 unescaped, its own content type."""
    text = json.dumps(payload, ensure_ascii=False)
    return Response(text, status, content_type="application/json; encoding=utf-8")


def ok(**fields) -> dict:
    return {"errcode": 0, "errmsg": "ok", **fields}


def api(name: str, method: str = "POST", token: bool = True):
    """Register a handler for one emulated API."""

    def decorate(handler):
        def view():
            return _serve(name, method, token, handler)

        bp.add_url_rule("/" + API_PATHS[name], endpoint=name, view_func=view, methods=[method])
        return handler

    return decorate


def _serve(name, method, token, handler) -> Response:
    emulator, raw = state(), request.get_data()
    query, body = request.args.to_dict(), _decode(raw)
    outcome = emulator.take_injection(name)
    emulator.record(Call(name, method, request.path, query, body, emulator.now(), outcome))
    if outcome == "timeout":
        emulator.stall()
    try:
        if isinstance(outcome, int):
            raise WeChatError(outcome)
        appid = emulator.appid_for_token(query.get("access_token")) if token else None
        if method == "POST":
            _require_object(raw, body)
        result = handler(ApiRequest(appid, query, body))
    except WeChatError as error:
        return json_response(error.body())
    return result if isinstance(result, Response) else json_response(result)


def _decode(raw: bytes):
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def _require_object(raw: bytes, body) -> None:
    if not raw:
        raise WeChatError(44002)
    if not isinstance(body, dict):
        raise WeChatError(47001)


# --- access tokens -------------------------------------------------------------------------


@api("token", method="GET", token=False)
def get_access_token(req: ApiRequest) -> dict:
    if req.query.get("grant_type") != "client_credential":
        raise WeChatError(40002)
    appid = req.query.get("appid")
    state().check_credentials(appid, req.query.get("secret"))
    return {"access_token": state().issue_token(appid).value, "expires_in": TOKEN_TTL}


@api("stable_token", token=False)
def get_stable_access_token(req: ApiRequest) -> dict:
    body = req.body
    if body.get("grant_type") != "client_credential":
        raise WeChatError(40002)
    state().check_credentials(body.get("appid"), body.get("secret"))
    force = body.get("force_refresh", False)
    if not isinstance(force, bool):
        raise WeChatError(47001)
    issued = state().stable_token(body["appid"], force_refresh=force)
    expires_in = max(round(issued.expires_at - state().now()), STABLE_RENEW_SECONDS)
    return {"access_token": issued.value, "expires_in": expires_in}


# --- mini-program login and phone number ---------------------------------------------------


@api("jscode2session", method="GET", token=False)
def code_to_session(req: ApiRequest) -> dict:
    """A js_code 'code:<openid>' (or 'code:<openid>:<unionid>') logs that user in.

    A code with a '#<nonce>' suffix works once, as a real wx.login code does; the bare form
    can be used again and again, so a demo user can log in as often as they like. No
    access_token is needed; one sent anyway (as wechatpy does) is ignored.
    """
    appid, code = req.query.get("appid"), req.query.get("js_code")
    state().check_credentials(appid, req.query.get("secret"))
    if req.query.get("grant_type") != "authorization_code":
        raise WeChatError(40002)
    if not code:
        raise WeChatError(41008)
    body, once, _ = code.partition("#")
    prefix, _, rest = body.partition(":")
    openid, _, unionid = rest.partition(":")
    if prefix != "code" or not rules.OPENID.match(openid):
        raise WeChatError(40029)
    if once and not state().use_code(f"js_code:{appid}:{code}"):
        raise WeChatError(40163)
    session_key = base64.b64encode(secrets.token_bytes(16)).decode()
    answer = {"session_key": session_key, "openid": openid}
    return answer | {"unionid": unionid} if unionid else answer


@api("getuserphonenumber")
def get_phone_number(req: ApiRequest) -> dict:
    """A code 'phone:<digits>' yields that number; with a '#<nonce>' suffix it works once
    (reuse answers 40029 like WeChat), without one it can be used again (for the demo)."""
    code = req.body.get("code")
    if not code:
        raise WeChatError(41008)
    body, once, _ = str(code).partition("#")
    prefix, _, number = body.partition(":")
    if prefix != "phone" or not (number.isdigit() and 5 <= len(number) <= 20):
        raise WeChatError(40029)
    if once and not state().use_code(f"phone:{req.appid}:{code}"):
        raise WeChatError(40029)
    watermark = {"timestamp": int(state().now()), "appid": req.appid}
    info = {"phoneNumber": number, "purePhoneNumber": number, "countryCode": "86"}
    return ok(phone_info=info | {"watermark": watermark})


# --- outbound messages ---------------------------------------------------------------------


@api("custom_send")
def send_custom_message(req: ApiRequest) -> dict:
    rules.check_openid(req.body.get("touser"))
    rules.check_custom_message(req.body)
    return ok()


def _check_template_message(body: dict) -> None:
    rules.check_openid(body.get("touser"))
    if not isinstance(body.get("template_id"), str) or not body["template_id"]:
        raise WeChatError(40037)
    rules.check_template_data(body.get("data"))


@api("template_send")
def send_template_message(req: ApiRequest) -> dict:
    _check_template_message(req.body)
    return ok(msgid=next(_msgids))


@api("bizsend")
def send_oa_subscribe_message(req: ApiRequest) -> dict:
    _check_template_message(req.body)
    return ok()


@api("subscribe_send")
def send_mp_subscribe_message(req: ApiRequest) -> dict:
    _check_template_message(req.body)
    if req.body.get("miniprogram_state", "formal") not in ("developer", "trial", "formal"):
        raise WeChatError(47003, "miniprogram_state invalid")
    if "page" in req.body:
        rules.check_page(str(req.body["page"]).split("?", 1)[0])
    return ok(msgid=next(_msgids))


# menu/create's limits: 1-3 sections of 1-5 buttons, names within 16 (section) and 60
# (button) UTF-8 bytes, keys within 128; each breach has its own errcode.
MENU_SECTIONS, MENU_BUTTONS = 3, 5
SECTION_NAME_BYTES, BUTTON_NAME_BYTES, KEY_BYTES = 16, 60, 128


@api("menu_create")
def create_menu(req: ApiRequest) -> dict:
    buttons = req.body.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MENU_SECTIONS:
        raise WeChatError(40016)
    for section in buttons:
        _check_menu_section(section)
    return ok()


def _check_menu_section(section: dict) -> None:
    if not 1 <= len(str(section.get("name", "")).encode()) <= SECTION_NAME_BYTES:
        raise WeChatError(40018)
    subs = section.get("sub_button")
    if subs is None:
        return _check_menu_button(section, SECTION_NAME_BYTES, 40018)
    if not isinstance(subs, list) or not 1 <= len(subs) <= MENU_BUTTONS:
        raise WeChatError(40023)
    for button in subs:
        _check_menu_button(button, BUTTON_NAME_BYTES, 40025)


def _check_menu_button(button: dict, name_bytes: int, name_error: int) -> None:
    if not 1 <= len(str(button.get("name", "")).encode()) <= name_bytes:
        raise WeChatError(name_error)
    if (
        button.get("type") == "click"
        and not 1 <= len(str(button.get("key", "")).encode()) <= KEY_BYTES
    ):
        raise WeChatError(40019)


# --- media, codes, content security --------------------------------------------------------


@api("media_get", method="GET")
def get_media(req: ApiRequest) -> Response:
    media_id = req.query.get("media_id", "")
    media = state().media(media_id)
    if media is None:
        raise WeChatError(40007)
    disposition = f'attachment; filename="{media_id}.jpg"'
    return Response(
        media.content, content_type=media.content_type, headers={"Content-disposition": disposition}
    )


@api("getwxacodeunlimit")
def get_unlimited_wxacode(req: ApiRequest) -> Response:
    scene = req.body.get("scene")
    if not isinstance(scene, str) or not rules.SCENE.match(scene):
        raise WeChatError(40169)
    page = rules.check_page(req.body.get("page"))
    if req.body.get("env_version", "release") not in ("release", "trial", "develop"):
        raise WeChatError(40097)
    width = req.body.get("width", 430)
    width = width if isinstance(width, int) else 430
    return Response(rules.wxacode_png(scene, page, width), content_type="image/png")


@api("msg_sec_check")
def check_message_security(req: ApiRequest) -> dict:
    """v2 (version=2, openid, scene 1-4) answers a verdict; v1 answers 87014 when risky."""
    content = req.body.get("content")
    if not isinstance(content, str):
        raise WeChatError(47001)
    suggest, label, keyword = rules.sec_check_verdict(content)
    if req.body.get("version") != 2:
        if suggest == "risky":
            raise WeChatError(87014)
        return ok()
    rules.check_openid(req.body.get("openid"))
    if req.body.get("scene") not in (1, 2, 3, 4):
        raise WeChatError(40129)
    return ok(
        result={"suggest": suggest, "label": label},
        detail=_sec_check_detail(suggest, label, keyword),
        trace_id=secrets.token_hex(12),
    )


def _sec_check_detail(suggest: str, label: int, keyword: str | None) -> list[dict]:
    detail = [
        {"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90}
    ]
    if keyword:
        detail.append(
            {
                "strategy": "keyword",
                "errcode": 0,
                "suggest": suggest,
                "label": label,
                "level": 90,
                "keyword": keyword,
            }
        )
    return detail
