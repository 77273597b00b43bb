"""The project's wechatpy clients, one per WeChat account, with shared token storage.

wechatpy 1.8.18 falls short in ways that matter here (see research/wechat-platform.md §6):
its token URL is fixed to api.weixin.qq.com, it fetches tokens without a timeout and with
the plain token API (each fetch kills every other worker's token), it retries 40001
forever, and it keeps a token's expiry per instance. `WechatApiClient` fixes those:
every URL below a configured base, the stable-token API with a timeout, the expiry kept
in the shared storage next to the token, and at most one refresh-and-retry per call.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import redis
import requests
from wechatpy import WeChatClient
from wechatpy.client.api.base import BaseWeChatAPI
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.session.redisstorage import RedisStorage

from settings import Settings

log = logging.getLogger(__name__)

WECHAT_API_BASE = "https://api.weixin.qq.com/"
#: errcodes meaning "this access_token is no good": invalid/not latest, invalid, expired.
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
#: Fetch a new token when less than this is left, as wechatpy does.
REFRESH_MARGIN_SECONDS = 60


class WechatApiClient(WeChatClient):
    """wechatpy's client on a configurable base URL, with stable tokens and one bounded retry."""

    def __init__(self, appid: str, secret: str, base_url: str, timeout: float, session):
        super().__init__(appid, secret, session=session, timeout=timeout, auto_retry=False)
        self.base_url = base_url
        self.API_BASE_URL = base_url + "cgi-bin/"
        self._token_lock = threading.Lock()
        _rebase_api_groups(self, base_url)

    @property
    def expires_at_key(self) -> str:
        """Where the token's expiry lives, beside wechatpy's `{appid}_access_token` key."""
        return f"{self.appid}_access_token_expires_at"

    @property
    def access_token(self) -> str:
        """A token with more than a minute left, from the shared storage or freshly fetched."""
        token = self._cached_token()
        if token:
            return token
        with self._token_lock:
            return self._cached_token() or self.fetch_access_token()["access_token"]

    def _cached_token(self) -> str | None:
        token = self.session.get(self.access_token_key)
        expires_at = self.session.get(self.expires_at_key)
        if token and expires_at and expires_at - time.time() > REFRESH_MARGIN_SECONDS:
            return token
        return None

    def fetch_access_token(self) -> dict:
        """Fetch a token from the stable-token API and store it with its expiry.

        Normal mode (no force_refresh) hands every worker the same token while it is valid,
        so a fetch by one worker never invalidates another's.
        """
        payload = {
            "grant_type": "client_credential",
            "appid": self.appid,
            "secret": self.secret,
            "force_refresh": False,
        }
        log.info("fetching the stable access token for %s", self.appid)
        url = self.base_url + "cgi-bin/stable_token"
        result = self._checked(self._http.post(url, json=payload, timeout=self.timeout))
        expires_in = int(result.get("expires_in", 7200))
        self.expires_at = int(time.time()) + expires_in
        self.session.set(self.access_token_key, result["access_token"], expires_in)
        self.session.set(self.expires_at_key, self.expires_at, expires_in)
        return result

    def _checked(self, res: requests.Response) -> dict:
        """The JSON of an answer, or WeChatClientException for an HTTP error or an errcode."""
        try:
            res.raise_for_status()
        except requests.RequestException as exc:
            raise WeChatClientException(
                None, None, client=self, request=exc.request, response=exc.response
            ) from exc
        return self._handle_result(res)

    def _request(self, method, url_or_endpoint, **kwargs):
        """Call once; on a token error refetch the token and call once more, then give up.

        A call whose params already name an access_token (or None, for token-less APIs)
        is made exactly once.
        """
        params = kwargs.get("params")
        if not isinstance(params, dict | None) or "access_token" in (params or {}):
            return super()._request(method, url_or_endpoint, **kwargs)
        try:
            return super()._request(method, url_or_endpoint, **_fresh(kwargs))
        except WeChatClientException as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
            log.warning("WeChat refused the access token (%s); refetching once", exc.errcode)
        self.fetch_access_token()
        return super()._request(method, url_or_endpoint, **_fresh(kwargs))


def _fresh(kwargs: dict) -> dict:
    """A copy of the call's arguments without the token wechatpy added, files rewound."""
    params = dict(kwargs.get("params") or {})
    params.pop("access_token", None)
    for value in (kwargs.get("files") or {}).values():
        stream = value[1] if isinstance(value, tuple) else value
        if hasattr(stream, "seek"):
            stream.seek(0)
    return {**kwargs, "params": params}


def _rebase_api_groups(client: WeChatClient, base_url: str) -> None:
    """Point the API groups with their own absolute base (wxa, card, datacube, ...) at ours."""
    for group in vars(client).values():
        own = getattr(group, "API_BASE_URL", "") if isinstance(group, BaseWeChatAPI) else ""
        if own.startswith(WECHAT_API_BASE):
            group.API_BASE_URL = base_url + own.removeprefix(WECHAT_API_BASE)


@dataclass(frozen=True)
class WechatClients:
    """The clients of the configured accounts; None where an account is not configured."""

    official_account: WechatApiClient | None
    mini_program: WechatApiClient | None

    def close(self) -> None:
        """Close the clients' HTTP connection pools."""
        for client in (self.official_account, self.mini_program):
            if client is not None:
                client._http.close()


def make_clients(settings: Settings) -> WechatClients:
    """Build the clients from settings, without any network call."""
    base_url, storage = api_base_url(settings), make_token_storage(settings)
    timeout = settings.wechat.timeout_seconds
    oa, mp = settings.wechat.official_account, settings.wechat.mini_program

    def build(account) -> WechatApiClient | None:
        if not account.app_id:
            return None
        return WechatApiClient(account.app_id, account.app_secret, base_url, timeout, storage)

    return WechatClients(build(oa), build(mp))


def api_base_url(settings: Settings) -> str:
    """The WeChat API base URL, ending in '/'.

    Unset, it is WeChat's own, except in demo mode: then the emulator this service mounts
    at /_emulator/, so a demo never calls WeChat.
    """
    url = settings.wechat.api_base_url
    if not url and settings.is_demo:
        host = settings.server.host
        host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
        url = f"http://{host}:{settings.server.port}/_emulator/"
    url = url or WECHAT_API_BASE
    return url if url.endswith("/") else url + "/"


def redis_prefix(settings: Settings) -> str:
    """Where this deployment's WeChat tokens live in Redis."""
    return f"{settings.redis.key_prefix}:wechat"


def make_token_storage(settings: Settings) -> SessionStorage:
    """Redis (shared by every worker) when configured, else memory (this process only)."""
    mode, url = settings.wechat.token_storage, settings.redis.url
    if mode == "redis" or (mode == "auto" and url):
        connection = _redis_client(url, settings.wechat.timeout_seconds)
        return RedisStorage(connection, prefix=redis_prefix(settings))
    return MemoryStorage()


_redis_clients: dict[tuple[str, float], redis.Redis] = {}
_redis_lock = threading.Lock()


def _redis_client(url: str, timeout: float) -> redis.Redis:
    """One Redis client (one connection pool) per URL for the whole process.

    Apps are created more than once per process (tests, CLI); a pool per app would leave
    unclosed sockets behind. Creating the client opens no connection.
    """
    with _redis_lock:
        key = (url, timeout)
        if key not in _redis_clients:
            _redis_clients[key] = redis.Redis.from_url(
                url, socket_timeout=timeout, socket_connect_timeout=timeout
            )
        return _redis_clients[key]


def download_media(client: WeChatClient, media_id: str) -> tuple[bytes, str]:
    """The bytes and content type of a temporary media file (a user's photo)."""
    answer = client.media.download(media_id)
    if not isinstance(answer, requests.Response):
        raise WeChatClientException(None, "media is not a file", client=client)
    return answer.content, answer.headers.get("Content-Type", "application/octet-stream")
