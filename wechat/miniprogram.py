"""Mini-program server APIs that wechatpy 1.8.18 lacks or gets wrong.

Each takes the mini-program's `WechatApiClient` and raises wechatpy's
WeChatClientException (with WeChat's errcode) when WeChat says no.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

#: msgSecCheck v2 scenes: 1 profile, 2 comment, 3 forum, 4 social log.
SCENE_PROFILE, SCENE_COMMENT, SCENE_FORUM, SCENE_SOCIAL_LOG = 1, 2, 3, 4


@dataclass(frozen=True)
class LoginSession:
    """jscode2session's answer. session_key stays on the server, never sent to the client."""

    openid: str
    session_key: str
    unionid: str | None = None


@dataclass(frozen=True)
class PhoneNumber:
    phone_number: str
    pure_phone_number: str
    country_code: str


@dataclass(frozen=True)
class SecCheckResult:
    """msgSecCheck v2's verdict: suggest is 'pass', 'review' or 'risky'."""

    suggest: str
    label: int
    trace_id: str

    @property
    def is_pass(self) -> bool:
        return self.suggest == "pass"


def code_to_session(client: WeChatClient, code: str) -> LoginSession:
    """Exchange a wx.login code for the user's openid, without fetching an access token.

    wechatpy's wxa.code_to_session adds an access_token (fetching one first) that this API
    does not take; a None value makes wechatpy leave it out of the query.
    """
    params = {
        "appid": client.appid,
        "secret": client.secret,
        "js_code": code,
        "grant_type": "authorization_code",
        "access_token": None,
    }
    answer = client.get("sns/jscode2session", params=params, api_base_url=_base(client))
    return LoginSession(answer["openid"], answer["session_key"], answer.get("unionid"))


def get_phone_number(client: WeChatClient, code: str) -> PhoneNumber:
    """Exchange a getPhoneNumber button code (single use, 5 minutes) for the number."""
    answer = client.post(
        "wxa/business/getuserphonenumber", data={"code": code}, api_base_url=_base(client)
    )
    info = answer["phone_info"]
    return PhoneNumber(info["phoneNumber"], info["purePhoneNumber"], info["countryCode"])


def msg_sec_check(
    client: WeChatClient, openid: str, content: str, scene: int = SCENE_COMMENT
) -> SecCheckResult:
    """Check user text with msgSecCheck v2 (the openid must have used the app in 2 hours)."""
    data = {"version": 2, "openid": openid, "scene": scene, "content": content}
    answer = client.post("wxa/msg_sec_check", data=data, api_base_url=_base(client))
    result = answer.get("result") or {}
    return SecCheckResult(
        result.get("suggest", "review"), int(result.get("label", 0)), answer.get("trace_id", "")
    )


def get_unlimited_wxacode(
    client: WeChatClient,
    scene: str,
    page: str | None = None,
    width: int = 430,
    check_path: bool = True,
    env_version: str = "release",
) -> bytes:
    """A mini-program code (PNG) opening `page` with `scene` (at most 32 characters).

    wechatpy's version lacks check_path and env_version, needed for unreleased pages.
    """
    data = {"scene": scene, "width": width, "check_path": check_path, "env_version": env_version}
    if page:
        data["page"] = page
    answer = client.post("wxa/getwxacodeunlimit", data=data, api_base_url=_base(client))
    if not isinstance(answer, requests.Response):
        raise WeChatClientException(None, "wxacode answer is not an image", client=client)
    return answer.content


def _base(client: WeChatClient) -> str:
    return client.wxa.API_BASE_URL
