"""A local emulator of the WeChat server API, for tests and demo mode.

It answers the APIs Xianfeng calls with WeChat's response shapes and error codes, records
every call for assertions, and fails on demand (`EmulatorState.inject`). `serve_emulator`
runs it on a free local port; `create_emulator` gives the bare WSGI app to mount elsewhere.

Deterministic inputs: a js_code 'code:<openid>' logs in <openid>; a phone code
'phone:<digits>' yields that number (either, with a '#<nonce>' suffix, works only once);
msg_sec_check finds text risky when it holds a word of `rules.RISKY_WORDS` and sends it
to review when it holds '[review]'. Token errors follow WeChat: no token 41001, unknown or
replaced (after the 5-minute overlap) 40001, run out 42001.
"""

from __future__ import annotations

import threading

from flask import Flask, request
from werkzeug.serving import WSGIRequestHandler, make_server

from settings import DEMO_MINI_PROGRAM, DEMO_OFFICIAL_ACCOUNT

from . import control, routes
from .protocol import API_PATHS, WeChatError, api_name
from .routes import json_response
from .state import Call, EmulatorState

__all__ = [
    "API_PATHS",
    "DEMO_APPS",
    "DEMO_MP_APPID",
    "DEMO_OA_APPID",
    "Call",
    "EmulatorServer",
    "EmulatorState",
    "WeChatError",
    "api_name",
    "create_emulator",
    "serve_emulator",
]

#: Credentials of the demo accounts: the Official Account first, then the mini-program.
DEMO_OA_APPID = DEMO_OFFICIAL_ACCOUNT["app_id"]
DEMO_MP_APPID = DEMO_MINI_PROGRAM["app_id"]
DEMO_APPS = {
    DEMO_OA_APPID: DEMO_OFFICIAL_ACCOUNT["app_secret"],
    DEMO_MP_APPID: DEMO_MINI_PROGRAM["app_secret"],
}


def create_emulator(state: EmulatorState | None = None, apps: dict | None = None) -> Flask:
    """The emulator as a small Flask app over `state` (a fresh one if None)."""
    state = state if state is not None else EmulatorState()
    for appid, secret in (apps or {}).items():
        state.add_app(appid, secret)
    app = Flask(__name__)
    app.extensions["wechat_emulator"] = state
    app.register_blueprint(routes.bp)
    app.register_blueprint(control.bp)
    app.register_error_handler(404, _not_emulated)
    app.register_error_handler(405, _not_emulated)
    return app


def _not_emulated(error):
    """An HTTP error (not WeChat JSON with status 200), so a missing API is never mistaken."""
    message = f"the emulator does not implement {request.method} {request.path}"
    return json_response({"errcode": -1, "errmsg": message}, error.code)


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without a log line per request (tests make thousands)."""

    def log_request(self, *args, **kwargs) -> None:
        pass


class EmulatorServer:
    """The emulator on a real HTTP server in a daemon thread; `url` is the API base URL."""

    def __init__(self, state: EmulatorState, host: str, port: int):
        self.state = state
        app = create_emulator(state)
        self._server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://{host}:{self._server.server_port}/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="wechat-emulator", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket; stalled answers are cut short."""
        self.state.reset()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def serve_emulator(
    apps: dict | None = None, host: str = "127.0.0.1", port: int = 0
) -> EmulatorServer:
    """Start the emulator on host:port (0: a free port) and return it running."""
    state = EmulatorState()
    for appid, secret in (apps or {}).items():
        state.add_app(appid, secret)
    return EmulatorServer(state, host, port)
