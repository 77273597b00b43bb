"""Each outbound channel against the emulator: what it sends, what it checks first, and how
WeChat's answers become outbox outcomes. `FlakyWechat` stands between a client and the
emulator to spoil answers in ways the emulator cannot: a connection reset after WeChat got the
request, an HTML page instead of JSON."""

import http.client
import os
import socket
import socketserver
import struct
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from models import SubscriptionGrant
from services import clock, grants
from services.notification_texts import channels_set_up
from services.outbox_delivery import (
    BLOCKED,
    REFUSED,
    RETRY,
    SENT,
    UNREACHABLE,
    Delivery,
    Recipient,
)
from settings import load_settings
from tests.factories import make_member
from wechat.channels import build_channels
from wechat.client import make_clients
from wechat.emulator.protocol import API_PATHS

MP_TEMPLATE, OA_TEMPLATE = "tmpl-mp-notice", "tmpl-oa-notice"
PAYLOAD = {
    "title": "结对家庭走访提醒（本月第二次提醒，请尽快安排）",
    "lines": {"结对家庭": "张**家", "上次走访": "10月20日"},
    "page": "/pages/visit/index?id=3",
    "time": "2026-12-01T02:00:00",
}


@pytest.fixture
def settings_overrides(settings_overrides):
    notes = {"mp_template_id": MP_TEMPLATE, "oa_template_id": OA_TEMPLATE}
    return settings_overrides | {"notifications": notes}


@pytest.fixture
def member(app):
    now = clock.now_utc()
    return make_member(mp_openid="mp-ann", oa_openid="oa-ann", last_interaction_at=now)


def delivery(member, now=None, **changes) -> Delivery:
    now = now or clock.now_utc()
    fields = {
        "member_id": member.id,
        "name": member.name,
        "mp_openid": member.mp_openid,
        "oa_openid": member.oa_openid,
        "oa_reachable": member.oa_reachable,
        "last_interaction_at": member.last_interaction_at,
        "has_grant": left(member) > 0,
    }
    recipient = Recipient(**(fields | changes))
    return Delivery(1, "visit_reminder", PAYLOAD, now, recipient, now)


def left(member) -> int:
    row = SubscriptionGrant.get_or_none(member=member.id, template_id=MP_TEMPLATE)
    return row.remaining if row else 0


def test_mp_subscribe_spends_one_grant_per_send(channels, member, emulator):
    grants.add(member.id, MP_TEMPLATE, clock.now_utc())
    mp = channels["mp_subscribe"]
    assert mp.send(delivery(member)).outcome == SENT
    assert mp.send(delivery(member)) == mp.send(delivery(member))  # no grant: refused, no call
    assert mp.send(delivery(member)).reason == "no_grant"
    (call,) = emulator.calls_to("subscribe_send")
    assert call.body == {
        "touser": "mp-ann",
        "template_id": MP_TEMPLATE,
        "page": "pages/visit/index?id=3",
        "data": {
            "thing1": {"value": "结对家庭走访提醒（本月第二次提醒，请尽…"},
            "thing2": {"value": "结对家庭：张**家；上次走访：10月2…"},
            "time3": {"value": "2026年12月1日 10:00"},
        },
    }
    assert left(member) == 0


def test_oa_template_sends_with_the_mini_program_page_and_keeps_the_msgid(
    channels, member, emulator
):
    result = channels["oa_template"].send(delivery(member))
    assert result.outcome == SENT and result.msgid.isdigit()
    (call,) = emulator.calls_to("template_send")
    assert call.body["template_id"] == OA_TEMPLATE and call.body["touser"] == "oa-ann"
    assert call.body["miniprogram"] == {"appid": "wx_test_mp", "pagepath": "pages/visit/index?id=3"}
    assert call.body["data"]["thing1"]["value"] == "结对家庭走访提醒（本月第二次提醒，请尽…"


def test_oa_custom_sends_the_whole_text_within_48_hours(channels, member, emulator):
    assert channels["oa_custom"].send(delivery(member)).outcome == SENT
    (call,) = emulator.calls_to("custom_send")
    assert call.body["text"]["content"] == (
        "【结对家庭走访提醒（本月第二次提醒，请尽快安排）】\n"
        "结对家庭：张**家\n上次走访：10月20日\n2026年12月1日 10:00"
    )


@pytest.mark.parametrize(
    ("hours_ago", "outcome"), [(None, REFUSED), (47.9, SENT), (48, REFUSED), (72, REFUSED)]
)
def test_the_48_hour_window(channels, member, emulator, hours_ago, outcome):
    now = clock.now_utc()
    last = None if hours_ago is None else now - timedelta(hours=hours_ago)
    result = channels["oa_custom"].send(delivery(member, now, last_interaction_at=last))
    assert result.outcome == outcome
    assert len(emulator.calls_to("custom_send")) == (outcome == SENT)
    if outcome == REFUSED:
        assert result.reason == "window_closed"


@pytest.mark.parametrize(
    ("channel", "changes", "reason"),
    [
        ("mp_subscribe", {"mp_openid": None}, "no_openid"),
        ("oa_template", {"oa_openid": None}, "no_openid"),
        ("oa_template", {"oa_reachable": False}, "not_following"),
        ("oa_custom", {"oa_reachable": False}, "not_following"),
    ],
)
def test_channels_refuse_without_calling_wechat(
    channels, member, emulator, channel, changes, reason
):
    grants.add(member.id, MP_TEMPLATE, clock.now_utc())
    result = channels[channel].send(delivery(member, **changes))
    assert (result.outcome, result.reason) == (REFUSED, reason)
    assert emulator.calls == []
    assert left(member) == 1


@pytest.mark.parametrize(
    ("errcode", "outcome", "reason"),
    [
        (-1, RETRY, "busy"),
        (45011, RETRY, "quota"),
        (45009, BLOCKED, "daily_quota"),
        (40164, BLOCKED, "ip_whitelist"),
        (40013, BLOCKED, "credentials"),
        (43101, REFUSED, "refused"),
        (40003, REFUSED, "invalid_openid"),
        (47003, REFUSED, "bad_data"),
        (48001, REFUSED, "unauthorized"),
        (40099, REFUSED, "error"),
    ],
)
def test_mp_errors_are_classified_and_the_grant_kept_unless_wechat_says_none(
    channels, member, emulator, errcode, outcome, reason
):
    grants.add(member.id, MP_TEMPLATE, clock.now_utc())
    emulator.inject("subscribe_send", errcode)
    result = channels["mp_subscribe"].send(delivery(member))
    assert (result.outcome, result.reason, result.detail) == (outcome, reason, str(errcode))
    assert left(member) == (0 if errcode == 43101 else 1)


@pytest.mark.parametrize(
    ("api", "channel", "errcode", "reason"),
    [
        ("template_send", "oa_template", 43004, "not_following"),
        ("template_send", "oa_template", 40037, "bad_template"),
        ("custom_send", "oa_custom", 45015, "window_closed"),
        ("custom_send", "oa_custom", 45047, "kf_quota"),
    ],
)
def test_oa_refusals_pass_to_the_next_channel(
    channels, member, emulator, api, channel, errcode, reason
):
    emulator.inject(api, errcode)
    result = channels[channel].send(delivery(member))
    assert (result.outcome, result.reason) == (REFUSED, reason)


def test_an_expired_token_is_refreshed_once_and_the_send_goes_through(channels, member, emulator):
    assert channels["oa_template"].send(delivery(member)).outcome == SENT
    emulator.expire_tokens()
    assert channels["oa_template"].send(delivery(member)).outcome == SENT
    assert [c.injected for c in emulator.calls_to("template_send")] == [None, None, None]
    assert len(emulator.calls_to("stable_token")) == 2


def test_a_token_wechat_keeps_refusing_is_retried_later_not_forever(channels, member, emulator):
    emulator.inject("custom_send", 40001, times=None)
    result = channels["oa_custom"].send(delivery(member))
    assert (result.outcome, result.reason) == (RETRY, "token")
    assert len(emulator.calls_to("custom_send")) == 2  # the first try and one after a refetch


def test_a_slow_wechat_is_a_timeout_to_retry(settings_overrides, member, emulator):
    overrides = settings_overrides | {
        "wechat": settings_overrides["wechat"] | {"timeout_seconds": 0.3}
    }
    settings = load_settings(os.devnull, env={}, overrides=overrides)
    clients = make_clients(settings)
    channels = build_channels(clients, settings)
    channels["oa_custom"].send(delivery(member))  # a token first, so the send is what stalls
    emulator.inject("custom_send", "timeout")
    result = channels["oa_custom"].send(delivery(member))
    clients.close()
    assert (result.outcome, result.reason) == (RETRY, "timeout")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_wechat_is_told_apart(settings_overrides, member):
    base = f"http://127.0.0.1:{closed_port()}/"
    overrides = settings_overrides | {
        "wechat": settings_overrides["wechat"] | {"api_base_url": base}
    }
    settings = load_settings(os.devnull, env={}, overrides=overrides)
    grants.add(member.id, MP_TEMPLATE, clock.now_utc())
    clients = make_clients(settings)
    for channel in build_channels(clients, settings).values():
        result = channel.send(delivery(member))
        assert (result.outcome, result.reason) == (UNREACHABLE, "network")
        assert result.detail == "NewConnectionError"  # refused: nothing was sent
    clients.close()
    assert left(member) == 1  # the grant spent on the failed try was given back


def test_no_template_configured_means_the_channel_is_not_used(settings_overrides, member, emulator):
    overrides = settings_overrides | {"notifications": {}}
    settings = load_settings(os.devnull, env={}, overrides=overrides)
    clients = make_clients(settings)
    channels = build_channels(clients, settings)
    for name in ("mp_subscribe", "oa_template"):
        assert channels[name].send(delivery(member)).reason == "no_template"
    clients.close()
    assert emulator.calls == []


def test_only_configured_accounts_give_channels(settings_overrides):
    wechat = settings_overrides["wechat"] | {"mini_program": {"app_id": "", "app_secret": ""}}
    settings = load_settings(os.devnull, env={}, overrides=settings_overrides | {"wechat": wechat})
    clients = make_clients(settings)
    assert set(build_channels(clients, settings)) == {"oa_template", "oa_custom"}
    clients.close()


NO_ACCOUNT = {"app_id": "", "app_secret": ""}
BOTH = {"mp_template_id": MP_TEMPLATE, "oa_template_id": OA_TEMPLATE}


@pytest.mark.parametrize(
    ("accounts", "notes", "demo", "expected"),
    [
        ({}, BOTH, "false", {"mp_subscribe", "oa_template", "oa_custom"}),
        ({}, {}, "false", {"oa_custom"}),
        ({}, {"mp_template_id": MP_TEMPLATE}, "false", {"mp_subscribe", "oa_custom"}),
        ({}, {"oa_template_id": OA_TEMPLATE}, "false", {"oa_template", "oa_custom"}),
        ({"mini_program": NO_ACCOUNT}, BOTH, "false", {"oa_template", "oa_custom"}),
        ({"official_account": NO_ACCOUNT}, BOTH, "false", {"mp_subscribe"}),
        ({}, {}, "true", {"mp_subscribe", "oa_template", "oa_custom"}),  # demo templates
    ],
)
def test_the_channels_a_preview_counts_on_are_those_the_sender_can_use(
    settings_overrides, emulator, accounts, notes, demo, expected
):
    """notification_texts.channels_set_up, which a broadcast preview counts by, names the
    channels build_channels makes that do not refuse everyone for want of a template."""
    overrides = settings_overrides | {
        "app": settings_overrides["app"] | {"demo": demo},
        "wechat": settings_overrides["wechat"] | accounts,
        "notifications": notes,
    }
    settings = load_settings(os.devnull, env={}, overrides=overrides)
    clients = make_clients(settings)
    nobody = Recipient(1, "王芳", None, None, False, None, False)
    now = clock.now_utc()
    answers = {
        name: channel.send(Delivery(1, "broadcast", PAYLOAD, now, nobody, now)).reason
        for name, channel in build_channels(clients, settings).items()
    }
    clients.close()
    usable = {name for name, reason in answers.items() if reason != "no_template"}
    assert channels_set_up(settings) == usable == expected
    assert emulator.calls == []


# --- answers spoilt between WeChat and us ---------------------------------------------------


class FlakyWechat:
    """A proxy to the emulator spoiling the next answers of chosen APIs, e.g.
    {"template_send": ["reset"]}: "reset" passes the request on (WeChat gets it, the emulator
    records it) and resets the connection instead of answering; "garbage" answers 200 with an
    HTML page instead of JSON. Every other call passes through."""

    def __init__(self, upstream: str, spoil: dict[str, list[str]]):
        self.upstream = urlsplit(upstream)
        self.spoil = {"/" + API_PATHS[api]: list(actions) for api, actions in spoil.items()}
        self.lock = threading.Lock()
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _ProxyHandler)
        self.server.daemon_threads, self.server.proxy = True, self
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def take(self, path: str) -> str | None:
        with self.lock:
            actions = self.spoil.get(path)
            return actions.pop(0) if actions else None

    def forward(self, method: str, target: str, headers: dict, body: bytes):
        upstream = http.client.HTTPConnection(
            self.upstream.hostname, self.upstream.port, timeout=10
        )
        passed = {k: v for k, v in headers.items() if k.lower() not in ("host", "connection")}
        upstream.request(method, target, body, passed)
        answer = upstream.getresponse()
        result = answer.status, answer.read(), answer.getheader("Content-Type", "")
        upstream.close()
        return result


class _ProxyHandler(socketserver.StreamRequestHandler):
    def handle(self):
        method, target, _ = self.rfile.readline().decode("latin-1").split(" ", 2)
        headers = {}
        while (line := self.rfile.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip()] = value.strip()
        body = self.rfile.read(int(headers.get("Content-Length") or 0))
        action = self.server.proxy.take(urlsplit(target).path)
        if action == "garbage":
            return self.answer(200, b"<html><body>502 Bad Gateway</body></html>", "text/html")
        status, content, content_type = self.server.proxy.forward(method, target, headers, body)
        if action == "reset":  # WeChat has it; the answer never comes back
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return None
        return self.answer(status, content, content_type)

    def answer(self, status: int, content: bytes, content_type: str) -> None:
        head = (
            f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(content)}\r\nConnection: close\r\n\r\n"
        )
        self.wfile.write(head.encode("latin-1") + content)


def settings_at(settings_overrides, base_url: str):
    """The test settings with the WeChat API at another base URL."""
    wechat = settings_overrides["wechat"] | {"api_base_url": base_url}
    return load_settings(os.devnull, env={}, overrides=settings_overrides | {"wechat": wechat})


def test_an_answer_lost_after_wechat_got_the_request_is_a_retry(
    settings_overrides, member, emulator, emulator_server
):
    grants.add(member.id, MP_TEMPLATE, clock.now_utc())
    with FlakyWechat(emulator_server.url, {"subscribe_send": ["reset"]}) as proxy:
        settings = settings_at(settings_overrides, proxy.url)
        clients = make_clients(settings)
        result = build_channels(clients, settings)["mp_subscribe"].send(delivery(member))
        clients.close()
    assert (result.outcome, result.reason) == (RETRY, "connection_lost")
    assert len(emulator.calls_to("subscribe_send")) == 1  # WeChat did get it
    assert left(member) == 1


def test_a_grant_is_given_back_when_the_send_fails_unexpectedly(
    settings_overrides, member, emulator, emulator_server
):
    grants.add(member.id, MP_TEMPLATE, clock.now_utc())
    with FlakyWechat(emulator_server.url, {"stable_token": ["garbage"]}) as proxy:
        settings = settings_at(settings_overrides, proxy.url)
        clients = make_clients(settings)
        with pytest.raises(Exception):  # noqa: B017 (wechatpy chokes on a token page of HTML)
            build_channels(clients, settings)["mp_subscribe"].send(delivery(member))
        clients.close()
    assert emulator.calls_to("subscribe_send") == []
    assert left(member) == 1


def test_an_answer_that_is_not_json_is_retried(settings_overrides, member, emulator_server):
    with FlakyWechat(emulator_server.url, {"template_send": ["garbage"]}) as proxy:
        settings = settings_at(settings_overrides, proxy.url)
        clients = make_clients(settings)
        result = build_channels(clients, settings)["oa_template"].send(delivery(member))
        clients.close()
    assert (result.outcome, result.reason, result.detail) == (RETRY, "http", "not JSON")


@pytest.mark.parametrize("errcode", [40164, 40013, 40125])
def test_a_token_refused_for_the_whole_account_blocks(channels, member, emulator, errcode):
    emulator.inject("stable_token", errcode, times=None)
    result = channels["oa_template"].send(delivery(member))
    assert (result.outcome, result.detail) == (BLOCKED, str(errcode))
    assert emulator.calls_to("template_send") == []
