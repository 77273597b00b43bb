"""The project's wechatpy clients against the emulator: URLs, tokens, storage, bounded retries."""

import os
import threading
import time

import pytest
import redis
import requests
from wechatpy.exceptions import APILimitedException, WeChatClientException
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.session.redisstorage import RedisStorage

from settings import load_settings
from tests.conftest import MP, OA
from wechat.client import (
    WechatApiClient,
    api_base_url,
    download_media,
    make_clients,
    make_token_storage,
    redis_prefix,
)


def settings_with(overrides, **wechat):
    """Settings from the test overrides with some wechat.* keys changed."""
    return load_settings(
        os.devnull, env={}, overrides={**overrides, "wechat": {**overrides["wechat"], **wechat}}
    )


@pytest.fixture
def clients(settings):
    clients = make_clients(settings)
    yield clients
    clients.close()


@pytest.fixture
def oa(clients):
    return clients.official_account


def send(client, openid="o-user-1"):
    return client.message.send_text(openid, "志愿服务提醒")


def test_clients_are_built_without_calling_wechat(clients, emulator, emulator_server):
    assert clients.official_account.appid == OA["app_id"]
    assert clients.mini_program.appid == MP["app_id"]
    assert clients.official_account.API_BASE_URL == emulator_server.url + "cgi-bin/"
    assert clients.mini_program.wxa.API_BASE_URL == emulator_server.url
    assert clients.mini_program.datacube.API_BASE_URL == emulator_server.url + "datacube/"
    assert clients.official_account.timeout == 5.0
    assert emulator.calls == []


def test_an_unconfigured_account_has_no_client(settings_overrides):
    settings = settings_with(settings_overrides, mini_program={"app_id": "", "app_secret": ""})

    clients = make_clients(settings)

    assert clients.mini_program is None
    assert clients.official_account is not None


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        ("", "https://api.weixin.qq.com/"),
        ("http://127.0.0.1:9/wx", "http://127.0.0.1:9/wx/"),
        ("http://127.0.0.1:9/wx/", "http://127.0.0.1:9/wx/"),
    ],
)
def test_api_base_url_defaults_to_wechat(settings_overrides, configured, expected):
    assert api_base_url(settings_with(settings_overrides, api_base_url=configured)) == expected


def test_first_call_fetches_a_stable_token_once(oa, emulator):
    send(oa)
    send(oa)

    (fetch,) = emulator.calls_to("stable_token")
    assert fetch.body == {
        "grant_type": "client_credential",
        "appid": OA["app_id"],
        "secret": OA["app_secret"],
        "force_refresh": False,
    }
    assert emulator.calls_to("token") == []
    tokens = {call.query["access_token"] for call in emulator.calls_to("custom_send")}
    assert len(tokens) == 1


@pytest.mark.parametrize("errcode", [40001, 40014, 42001])
def test_a_token_error_refetches_and_retries_once(oa, emulator, errcode):
    send(oa)
    emulator.inject("custom_send", errcode)

    assert send(oa) == {"errcode": 0, "errmsg": "ok"}
    assert len(emulator.calls_to("stable_token")) == 2
    assert len(emulator.calls_to("custom_send")) == 3


def test_a_lasting_token_error_is_bounded(oa, emulator):
    emulator.inject("custom_send", 40001, times=None)

    with pytest.raises(WeChatClientException) as raised:
        send(oa)

    assert raised.value.errcode == 40001
    assert len(emulator.calls_to("stable_token")) == 2
    assert len(emulator.calls_to("custom_send")) == 2


def test_an_expired_token_is_replaced(oa, emulator):
    send(oa)
    emulator.expire_tokens()

    assert send(oa)["errcode"] == 0
    first, second, third = emulator.calls_to("custom_send")
    assert second.query["access_token"] == first.query["access_token"]
    assert third.query["access_token"] != first.query["access_token"]


@pytest.mark.parametrize(
    ("errcode", "exception"),
    [(45009, APILimitedException), (-1, WeChatClientException), (45015, WeChatClientException)],
)
def test_other_errors_raise_without_retry(oa, emulator, errcode, exception):
    emulator.inject("custom_send", errcode)

    with pytest.raises(exception) as raised:
        send(oa)

    assert raised.value.errcode == errcode
    assert len(emulator.calls_to("custom_send")) == 1
    assert len(emulator.calls_to("stable_token")) == 1


@pytest.mark.parametrize(
    ("appid", "secret", "errcode"),
    [(OA["app_id"], "wrong-secret", 40125), ("wx_nobody", "some-secret", 40013)],
)
def test_bad_credentials_raise_on_the_token_fetch(
    settings_overrides, emulator, appid, secret, errcode
):
    account = {**OA, "app_id": appid, "app_secret": secret}
    clients = make_clients(settings_with(settings_overrides, official_account=account))

    with pytest.raises(WeChatClientException) as raised:
        send(clients.official_account)

    assert raised.value.errcode == errcode
    assert emulator.calls_to("custom_send") == []
    assert len(emulator.calls_to("stable_token")) == 1


@pytest.mark.parametrize("api", ["custom_send", "stable_token"])
def test_a_stalled_wechat_times_out_promptly(settings_overrides, emulator, api):
    clients = make_clients(settings_with(settings_overrides, timeout_seconds=0.3))
    emulator.inject(api, "timeout")
    started = time.monotonic()

    with pytest.raises(requests.Timeout):
        send(clients.official_account)

    assert time.monotonic() - started < 2
    clients.close()


def test_a_token_about_to_expire_is_refetched(oa, emulator):
    send(oa)
    oa.session.set(oa.expires_at_key, time.time() + 30)

    send(oa)

    assert len(emulator.calls_to("stable_token")) == 2


def test_a_token_without_known_expiry_is_refetched(oa, emulator):
    oa.session.set(oa.access_token_key, "token-from-elsewhere")
    oa.session.delete(oa.expires_at_key)

    send(oa)

    assert len(emulator.calls_to("stable_token")) == 1
    assert emulator.calls_to("custom_send")[0].query["access_token"] != "token-from-elsewhere"


def two_workers(settings, kind, redis_url):
    """Two clients of one account as two workers would hold them, sharing token storage."""
    if kind == "redis":
        if not redis_url:
            pytest.skip("needs XIANFENG_TEST_REDIS_URL")
        return make_clients(settings).official_account, make_clients(settings).official_account
    storage = MemoryStorage()
    base, timeout = api_base_url(settings), 5

    def worker():
        return WechatApiClient(OA["app_id"], OA["app_secret"], base, timeout, storage)

    return worker(), worker()


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_workers_share_one_token(settings, emulator, redis_url, kind):
    first, second = two_workers(settings, kind, redis_url)

    send(first)
    send(second)

    assert len(emulator.calls_to("stable_token")) == 1
    one, two = emulator.calls_to("custom_send")
    assert one.query["access_token"] == two.query["access_token"]


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_a_worker_picks_up_a_token_another_refreshed(settings, emulator, redis_url, kind):
    first, second = two_workers(settings, kind, redis_url)
    send(first)
    emulator.expire_tokens()
    send(first)

    send(second)

    assert len(emulator.calls_to("stable_token")) == 2
    last_two = [call.query["access_token"] for call in emulator.calls_to("custom_send")[-2:]]
    assert last_two[0] == last_two[1]


def test_concurrent_first_calls_fetch_one_token(oa, emulator):
    threads = [threading.Thread(target=send, args=(oa,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(emulator.calls_to("custom_send")) == 8
    assert len(emulator.calls_to("stable_token")) == 1


@pytest.mark.parametrize(
    ("token_storage", "with_redis", "expected"),
    [
        ("memory", True, MemoryStorage),
        ("auto", False, MemoryStorage),
        ("auto", True, RedisStorage),
        ("redis", True, RedisStorage),
    ],
)
def test_token_storage_follows_config(settings_overrides, token_storage, with_redis, expected):
    overrides = {
        **settings_overrides,
        "redis": {"url": "redis://127.0.0.1:1/0" if with_redis else ""},
    }

    storage = make_token_storage(settings_with(overrides, token_storage=token_storage))

    assert isinstance(storage, expected)


def test_redis_storage_holds_the_token_with_its_ttl(settings_overrides, emulator, redis_url):
    if not redis_url:
        pytest.skip("needs XIANFENG_TEST_REDIS_URL")
    settings = settings_with(settings_overrides, token_storage="redis")
    oa = make_clients(settings).official_account

    send(oa)

    connection = redis.Redis.from_url(redis_url)
    key = f"{redis_prefix(settings)}:{OA['app_id']}_access_token"
    token = emulator.calls_to("custom_send")[0].query["access_token"]
    assert connection.get(key).decode() == f'"{token}"'
    assert 7100 < connection.ttl(key) <= 7200
    assert 7100 < connection.ttl(key + "_expires_at") <= 7200


def test_media_download_returns_the_bytes(oa, emulator):
    emulator.add_media("media-1", b"\xff\xd8\xff\xe0jpeg-bytes", "image/jpeg")

    assert download_media(oa, "media-1") == (b"\xff\xd8\xff\xe0jpeg-bytes", "image/jpeg")
    assert emulator.calls_to("media_get")[0].query["media_id"] == "media-1"


def test_unknown_media_raises_40007(oa, emulator):
    with pytest.raises(WeChatClientException) as raised:
        oa.media.download("no-such-media")

    assert raised.value.errcode == 40007


def test_menu_create_is_accepted_and_recorded(oa, emulator):
    menu = {"button": [{"type": "click", "name": "我的服务", "key": "MY_HOURS"}]}

    assert oa.menu.create(menu) == {"errcode": 0, "errmsg": "ok"}
    assert emulator.calls_to("menu_create")[0].body == menu


def test_menu_create_checks_button_count(oa, emulator):
    buttons = [{"type": "click", "name": f"菜单{i}", "key": f"K{i}"} for i in range(4)]

    with pytest.raises(WeChatClientException) as raised:
        oa.menu.create({"button": buttons})

    assert raised.value.errcode == 40016
