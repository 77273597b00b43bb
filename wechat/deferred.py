"""Work done after WeChat has its answer: slow steps whose result goes by customer-service message.

WeChat waits 5 s for a passive reply, so a handler may return `Reply.after` jobs (download
a photo, check in with it, tell the member). They start once the response is closed, in a
small thread pool shared by the process (test runs create many apps; a pool each would leave
idle threads behind), each with an app context and its own database connection.
"""

from __future__ import annotations

import logging
import threading
from concurrent import futures

from flask import Flask, current_app
from wechatpy.exceptions import WeChatClientException

from models import db

from . import get_clients

log = logging.getLogger(__name__)

#: Customer-service messages WeChat won't deliver now: outside the 48 h window, quota used.
UNDELIVERABLE = frozenset({45015, 45047})
WORKERS = 4
PENDING = "wechat_deferred"
ERRORS = "wechat_deferred_errors"

_pool: futures.ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> futures.ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = futures.ThreadPoolExecutor(WORKERS, thread_name_prefix="wechat-deferred")
        return _pool


def after_response(response, jobs) -> None:
    """Run the (callable, args) jobs once the response has been sent."""
    if not jobs:
        return
    app = current_app._get_current_object()
    response.call_on_close(lambda: submit(app, jobs))


def submit(app: Flask, jobs) -> list[futures.Future]:
    """Start the jobs now, in the pool; `wait_idle` waits for them."""
    pending = app.extensions.setdefault(PENDING, set())
    started = []
    for function, args in jobs:
        future = _executor().submit(_run, app, function, tuple(args))
        pending.add(future)
        future.add_done_callback(pending.discard)
        started.append(future)
    return started


def _run(app: Flask, function, args: tuple) -> None:
    """One job with an app context and a connection of its own; failures are logged."""
    try:
        with app.app_context(), db.connection_context():
            function(*args)
    except Exception as exc:
        log.exception("deferred WeChat work %s failed", getattr(function, "__name__", function))
        if app.testing:  # tests assert that deferred work did not fail
            app.extensions.setdefault(ERRORS, []).append(exc)


def wait_idle(app: Flask, timeout: float = 10.0) -> bool:
    """Wait until the app's deferred work is done; False if some is still running."""
    _, running = futures.wait(list(app.extensions.get(PENDING, ())), timeout=timeout)
    return not running


def errors(app: Flask) -> list[Exception]:
    """The exceptions deferred jobs raised (kept under app.testing only)."""
    return list(app.extensions.get(ERRORS, ()))


def send_text(openid: str, text: str) -> bool:
    """Send a customer-service text; False (logged) when WeChat won't deliver it now."""
    try:
        get_clients().official_account.message.send_text(openid, text)
    except WeChatClientException as exc:
        if exc.errcode not in UNDELIVERABLE:
            raise
        log.info("customer-service message to %s not delivered: %s", openid, exc.errcode)
        return False
    return True
