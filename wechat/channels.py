"""The outbox's three WeChat channels, over the project's wechatpy clients.

Each channel checks its own setup (a template), asks services.reach whether it can reach the
member (an openid, a grant, a follower, the 48-hour window: the rule a leader's broadcast
preview counts by, so the two never disagree) before calling WeChat, renders the message
(services/notification_texts.py) and turns WeChat's answer into an outbox Result: sent;
refused (this channel cannot reach the person: try the next); retry (busy, timeout, answer
lost: later); unreachable (no connection to WeChat, so nothing was sent); blocked (WeChat
refuses every call of the account: daily quota, wrong AppID/AppSecret, IP not whitelisted).
Token errors are retried once by the client itself (wechat/client.py) before they get here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, ReadTimeoutError
from wechatpy.exceptions import WeChatClientException

from services import grants, held_grants, reach
from services import notification_texts as texts
from services.outbox_delivery import (
    BLOCKED,
    REFUSED,
    RETRY,
    SENT,
    UNREACHABLE,
    Channel,
    Delivery,
    Result,
)

from .client import WechatClients

#: WeChat errcodes: what the outbox should do, and why (notification_texts.REASONS).
ERRCODES = {
    -1: (RETRY, "busy"),
    40001: (RETRY, "token"),
    40014: (RETRY, "token"),
    42001: (RETRY, "token"),
    # The whole account, not this message: every other row would get the same answer.
    40013: (BLOCKED, "credentials"),
    40125: (BLOCKED, "credentials"),
    40164: (BLOCKED, "ip_whitelist"),
    45009: (BLOCKED, "daily_quota"),
    45011: (RETRY, "quota"),  # this minute's quota: the backoff outlasts it
    40003: (REFUSED, "invalid_openid"),
    43004: (REFUSED, "not_following"),
    43101: (REFUSED, "refused"),
    45015: (REFUSED, "window_closed"),
    45047: (REFUSED, "kf_quota"),
    40037: (REFUSED, "bad_template"),
    47003: (REFUSED, "bad_data"),
    41030: (REFUSED, "bad_page"),
    48001: (REFUSED, "unauthorized"),  # this API only: the next channel may have the right
}
#: Request errors raised before anything was sent: no connection, TLS or proxy failure.
NOT_SENT = (requests.ConnectTimeout, requests.exceptions.SSLError, requests.exceptions.ProxyError)


def refused(reason: str) -> Result:
    return Result(REFUSED, reason)


def call(send: Callable[[], dict]) -> Result:
    """Call WeChat once and classify the answer."""
    try:
        answer = send()
    except WeChatClientException as exc:
        return from_errcode(exc)
    except requests.RequestException as exc:
        return from_request_error(exc)
    if not isinstance(answer, dict):
        return Result(RETRY, "http", "not JSON")
    msgid = answer.get("msgid")
    return Result(SENT, msgid=str(msgid) if msgid is not None else None)


def from_request_error(exc: requests.RequestException) -> Result:
    """Unreachable only when the request never left (refused, unresolvable, no connection in
    time, TLS or proxy failure: the same for every message, so waiting loses nothing); once
    sent, WeChat may have taken it, so a lost answer is a retry (delivery is at least once)."""
    cause = _cause(exc)
    if isinstance(exc, NOT_SENT) or isinstance(cause, ConnectTimeoutError):
        name = type(cause).__name__
        return Result(UNREACHABLE, "network", name if name in texts.DETAILS else type(exc).__name__)
    if isinstance(exc, requests.Timeout) or isinstance(cause, ReadTimeoutError):
        return Result(RETRY, "timeout", "ReadTimeout")
    if isinstance(exc, requests.ConnectionError):  # reset or closed while we read the answer
        return Result(RETRY, "connection_lost")
    return Result(RETRY, "http", type(exc).__name__)


def _cause(exc: requests.RequestException) -> object:
    """The urllib3 error requests wrapped (a connect failure sits inside a MaxRetryError)."""
    cause = exc.args[0] if exc.args else None
    return cause.reason if isinstance(cause, MaxRetryError) else cause


def from_errcode(exc: WeChatClientException) -> Result:
    """An errcode answer; no errcode means an HTTP error (WeChat's side, try again)."""
    if exc.errcode is None:
        status = getattr(exc.response, "status_code", "")
        return Result(RETRY, "http", f"HTTP {status}".strip())
    outcome, reason = ERRCODES.get(exc.errcode, (REFUSED, "error"))
    return Result(outcome, reason, str(exc.errcode))


class MiniProgramSubscribe:
    """Mini-program subscribe messages: one grant spent per send, none sent without one. A
    message queued with a grant already spent for it (a broadcast's: services/held_grants.py)
    sends on that one; the outbox row keeps it, or gives it back, as the send turns out."""

    name = "mp_subscribe"

    def __init__(self, client, settings):
        self.client, self.settings = client, settings
        self.template = texts.template_id(settings, self.name)
        self.fields = settings.notifications.fields_for(self.name)

    def send(self, d: Delivery) -> Result:
        member, openid = d.recipient.member_id, d.recipient.mp_openid
        held = bool(self.template) and held_grants.held(d.payload) == self.template
        recipient = replace(d.recipient, has_grant=True) if held else d.recipient
        message = texts.render_template(self.template, self.fields, d.kind, d.payload, d.created_at)
        if message is None:
            return refused("no_template")
        if why := reach.refusal(self.name, recipient, d.now):
            return refused(why)
        if not held and not grants.spend(member, self.template):  # the one the rule saw may be gone
            return refused("no_grant")
        result = Result(RETRY, "internal")  # what an unexpected error leaves: the grant goes back
        try:
            result = call(
                lambda: self.client.wxa.send_subscribe_message(
                    openid, message.template_id, message.data, page=message.page
                )
            )
        finally:
            self._settle_grant(member, result, d.now, held)
        return result

    def _settle_grant(self, member: int, result: Result, now, held: bool) -> None:
        """Keep the grant a send used; give back one WeChat did not take, unless it says
        none is left (43101). A held grant stays with its row (the outbox settles it)."""
        if result.reason == held_grants.VOID:
            grants.clear(member, self.template)
        elif result.outcome != SENT and not held:
            grants.refund(member, self.template, now)


class OfficialAccountTemplate:
    """Official Account template messages, to followers; the msgid is kept for the report."""

    name = "oa_template"

    def __init__(self, client, settings, mp_appid: str | None):
        self.client, self.mp_appid = client, mp_appid
        self.template = texts.template_id(settings, self.name)
        self.fields = settings.notifications.fields_for(self.name)

    def send(self, d: Delivery) -> Result:
        openid = d.recipient.oa_openid
        message = texts.render_template(self.template, self.fields, d.kind, d.payload, d.created_at)
        if message is None:
            return refused("no_template")
        if why := reach.refusal(self.name, d.recipient, d.now):
            return refused(why)
        mini_program = (
            {"appid": self.mp_appid, "pagepath": message.page}
            if message.page and self.mp_appid
            else None
        )
        return call(
            lambda: self.client.message.send_template(
                openid, message.template_id, message.data, mini_program=mini_program
            )
        )


class OfficialAccountText:
    """Official Account customer-service texts: only within 48 hours of the member's last
    message to the account, so never a call WeChat would refuse with 45015."""

    name = "oa_custom"

    def __init__(self, client):
        self.client = client

    def send(self, d: Delivery) -> Result:
        if why := reach.refusal(self.name, d.recipient, d.now):
            return refused(why)
        message = texts.render_text(d.kind, d.payload, d.created_at)
        return call(lambda: self.client.message.send_text(d.recipient.oa_openid, message.text))


def build_channels(clients: WechatClients, settings) -> dict[str, Channel]:
    """The channels the configured accounts offer, by name (a missing account: none)."""
    oa, mp = clients.official_account, clients.mini_program
    channels: dict[str, Channel] = {}
    if mp is not None:
        channels["mp_subscribe"] = MiniProgramSubscribe(mp, settings)
    if oa is not None:
        channels["oa_template"] = OfficialAccountTemplate(oa, settings, mp.appid if mp else None)
        channels["oa_custom"] = OfficialAccountText(oa)
    return channels
