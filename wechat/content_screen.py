"""WeChat's msgSecCheck as the services' content screen (services.content_check.Screen).

The services ask through a callable that the transports take from app.extensions, so they
never import wechat/. WeChat's silence or refusal to answer is no verdict (None): the notice
then goes by the local filter alone, and the log says why.
"""

from __future__ import annotations

import logging

from requests import RequestException
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from services.content_check import Screen, Verdict

from .miniprogram import msg_sec_check

log = logging.getLogger(__name__)


def make_screen(client: WeChatClient | None) -> Screen | None:
    """The screen for the mini-program's client; None when the mini-program is not configured."""
    if client is None:
        return None

    def screen(openid: str, text: str) -> Verdict | None:
        try:
            result = msg_sec_check(client, openid, text)
        except (WeChatClientException, RequestException) as exc:
            log.warning("msgSecCheck failed, local filter only: %r", exc)
            return None
        return Verdict(result.suggest, result.label, result.trace_id)

    return screen
