"""What an operator's command says when it cannot reach WeChat (or the demo's emulator).

Commands run apart from the service: in demo mode they look for the emulator the service
mounts on the port *they* are given (XIANFENG_SERVER_PORT, server.port), which is not the
service's when only the service was started with another one. So a failed connection is told
as one Chinese sentence naming the address tried and the setting that picks it, instead of
requests' traceback.
"""

from __future__ import annotations

import requests
from wechatpy.exceptions import WeChatClientException

from services.notification_texts import DETAILS
from settings import Settings

from .channels import from_request_error
from .client import api_base_url

DEMO = (
    "无法连接演示用的微信接口模拟器 {url}{reason}；请确认服务正在运行，并让本命令使用服务的端口"
    "（环境变量 XIANFENG_SERVER_PORT 或配置项 server.port：服务以 XIANFENG_SERVER_PORT=5077 "
    "启动时，本命令前也要加上 XIANFENG_SERVER_PORT=5077）。"
)
WECHAT = (
    "无法连接微信接口 {url}{reason}；请检查本机的网络和代理，以及配置项 wechat.api_base_url"
    "（环境变量 XIANFENG_WECHAT_API_BASE_URL）。"
)
NOT_WECHAT = "HTTP {status}，应答的不是微信接口"


def uses_demo_emulator(settings: Settings) -> bool:
    """Whether the commands look for the emulator inside the service (demo, no base URL set)."""
    return settings.is_demo and not settings.wechat.api_base_url


def unreachable_text(settings: Settings, reason: str = "") -> str:
    """The sentence for WeChat not reached at the configured address (reason in brackets)."""
    template = DEMO if uses_demo_emulator(settings) else WECHAT
    return template.format(url=api_base_url(settings), reason=f"（{reason}）" if reason else "")


def trouble_reason(exc: Exception) -> str | None:
    """Why a call did not reach WeChat, in Chinese: no connection, no answer in time, or an
    answer that is not WeChat's (an HTTP error, another program on the port); None for an
    errcode, which is WeChat's own answer and says itself what is wrong."""
    if isinstance(exc, requests.RequestException):
        detail = from_request_error(exc).detail
        return DETAILS.get(detail, detail)
    if isinstance(exc, WeChatClientException) and exc.errcode is None:
        status = getattr(exc.response, "status_code", None)
        return NOT_WECHAT.format(status=status) if status else DETAILS["not JSON"]
    return None


def trouble_text(settings: Settings, exc: Exception) -> str | None:
    """The sentence for an exception that means WeChat was not reached; None otherwise."""
    reason = trouble_reason(exc)
    return None if reason is None else unreachable_text(settings, reason)
