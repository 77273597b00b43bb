"""What the emulated WeChat server remembers: apps, tokens, codes, media, calls, injections.

One lock guards everything because the server answers on many threads while a test reads
and changes the same state from its own thread.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .protocol import WeChatError, api_name

TOKEN_TTL = 7200
#: WeChat keeps a replaced token working this long ("5分钟内新老 access_token 都可用").
OVERLAP_SECONDS = 300
#: A stable token is renewed by WeChat when less than this is left (so expires_in >= 300).
STABLE_RENEW_SECONDS = 300


@dataclass(frozen=True)
class Call:
    """One request the emulator received."""

    api: str
    method: str
    path: str
    query: dict
    body: Any
    time: float
    injected: int | str | None = None


@dataclass
class Token:
    value: str
    appid: str
    stable: bool
    expires_at: float
    #: From this moment on the token answers 40001 (replaced by a newer one).
    revoked_at: float | None = None


@dataclass
class Injection:
    outcome: int | str
    times: int | None


@dataclass
class Media:
    content: bytes
    content_type: str


@dataclass
class EmulatorState:
    """The emulated server's memory; `apps` maps appid to secret and survives reset()."""

    apps: dict[str, str] = field(default_factory=dict)
    #: How long a 'timeout' injection stalls before answering: longer than the 5 s default client
    #: timeout. reset() (run before every test) cuts a stall short.
    stall_seconds: float = 10.0
    calls: list[Call] = field(default_factory=list)
    offset: float = 0.0
    _tokens: dict[str, Token] = field(default_factory=dict, repr=False)
    _injections: dict[str, list[Injection]] = field(default_factory=dict, repr=False)
    _used_codes: set[str] = field(default_factory=set, repr=False)
    _media: dict[str, Media] = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _wake: threading.Event = field(default_factory=threading.Event, repr=False)

    def now(self) -> float:
        """The emulator's clock: wall time moved by advance()."""
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the emulator's clock forward, e.g. past a token's expiry."""
        with self._lock:
            self.offset += seconds

    def reset(self) -> None:
        """Forget calls, injections, tokens, used codes and media; keep the apps."""
        with self._lock:
            self.calls.clear()
            self._tokens.clear()
            self._injections.clear()
            self._used_codes.clear()
            self._media.clear()
            self.offset = 0.0
            self._wake.set()
            self._wake = threading.Event()

    def add_app(self, appid: str, secret: str) -> None:
        with self._lock:
            self.apps[appid] = secret

    # --- calls and injections -------------------------------------------------------------

    def record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def calls_to(self, api: str) -> list[Call]:
        """The calls received by one API, by its name (see API_PATHS) or path."""
        name = api_name(api)
        with self._lock:
            return [call for call in self.calls if call.api == name]

    def inject(self, api: str, outcome: int | str, times: int | None = 1) -> None:
        """Make the next `times` calls (None: all) to `api` fail with an errcode or 'timeout'."""
        if outcome != "timeout" and not isinstance(outcome, int):
            raise ValueError(f"outcome must be an errcode or 'timeout', got {outcome!r}")
        with self._lock:
            self._injections.setdefault(api_name(api), []).append(Injection(outcome, times))

    def take_injection(self, api: str) -> int | str | None:
        """The outcome injected for this call, consuming one use of it."""
        with self._lock:
            queue = self._injections.get(api) or []
            if not queue:
                return None
            head = queue[0]
            if head.times is not None:
                head.times -= 1
                if head.times <= 0:
                    queue.pop(0)
            return head.outcome

    def stall(self) -> None:
        """Wait as a slow WeChat would; reset() cuts the wait short."""
        self._wake.wait(self.stall_seconds)

    # --- credentials and tokens -----------------------------------------------------------

    def check_credentials(self, appid: str | None, secret: str | None) -> None:
        if not appid:
            raise WeChatError(41002)
        if not secret:
            raise WeChatError(41004)
        if appid not in self.apps:
            raise WeChatError(40013)
        if not secrets.compare_digest(self.apps[appid], secret):
            raise WeChatError(40125)

    def issue_token(self, appid: str) -> Token:
        """getAccessToken: a new token each time; the previous one lives 5 more minutes."""
        with self._lock:
            now = self.now()
            for token in self._current(appid, stable=False):
                token.revoked_at = now + OVERLAP_SECONDS
            return self._new_token(appid, stable=False, now=now)

    def stable_token(self, appid: str, force_refresh: bool) -> Token:
        """getStableAccessToken: the same token while valid; force_refresh kills the old one."""
        with self._lock:
            now = self.now()
            current = self._current(appid, stable=True)
            if force_refresh:
                for token in current:
                    token.revoked_at = now
            elif current and current[-1].expires_at - now >= STABLE_RENEW_SECONDS:
                return current[-1]
            return self._new_token(appid, stable=True, now=now)

    def _current(self, appid: str, stable: bool) -> list[Token]:
        now = self.now()
        return [
            token
            for token in self._tokens.values()
            if token.appid == appid
            and token.stable == stable
            and token.revoked_at is None
            and token.expires_at > now
        ]

    def _new_token(self, appid: str, stable: bool, now: float) -> Token:
        token = Token(secrets.token_urlsafe(48), appid, stable, now + TOKEN_TTL)
        self._tokens[token.value] = token
        return token

    def expire_tokens(self) -> None:
        """Let every issued token run out, so the next call with one answers 42001."""
        with self._lock:
            now = self.now()
            for token in self._tokens.values():
                token.expires_at = min(token.expires_at, now)

    def appid_for_token(self, value: str | None) -> str:
        """The appid an access_token belongs to, or the WeChatError WeChat would answer.

        Unknown or replaced tokens answer 40001 and run-out tokens 42001, as WeChat does.
        """
        if not value:
            raise WeChatError(41001)
        with self._lock:
            token = self._tokens.get(value)
            now = self.now()
            if token is None:
                raise WeChatError(40001)
            if token.revoked_at is not None and now >= token.revoked_at:
                raise WeChatError(40001)
            if now >= token.expires_at:
                raise WeChatError(42001)
            return token.appid

    # --- single-use codes and media -------------------------------------------------------

    def use_code(self, code: str) -> bool:
        """Mark a login or phone code used; False when it had been used already."""
        with self._lock:
            if code in self._used_codes:
                return False
            self._used_codes.add(code)
            return True

    def add_media(self, media_id: str, content: bytes, content_type: str = "image/jpeg") -> None:
        """Make cgi-bin/media/get answer these bytes for this media_id."""
        with self._lock:
            self._media[media_id] = Media(content, content_type)

    def media(self, media_id: str) -> Media | None:
        with self._lock:
            return self._media.get(media_id)
