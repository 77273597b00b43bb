"""The WeChat edge: clients for the WeChat server API and its local emulator."""

from __future__ import annotations

from flask import Flask, current_app
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from .client import WechatClients, make_clients

EMULATOR_PREFIX = "/_emulator"
#: app.extensions key: a callable giving the outbound notification channels by name, so the
#: jobs (a sibling transport) send through WeChat without importing it.
CHANNELS = "notification_channels"
#: app.extensions key: a callable giving the sentence an operator reads when a command could
#: not reach WeChat (where it looked, which setting picks that), for the jobs' commands.
UNREACHABLE_TEXT = "wechat_unreachable_text"
#: app.extensions key: a callable giving WeChat's content screen for the services
#: (services.content_check.Screen), or None when the mini-program is not configured.
CONTENT_SCREEN = "content_screen"


def init_app(app: Flask) -> None:
    """Create the WeChat API clients for this app; in demo mode mount the emulator too.

    Mounting the emulator at /_emulator in the same WSGI app lets a demo run on one port.
    The server must then answer requests concurrently (werkzeug's is threaded), since a
    request that calls WeChat waits for the emulator's answer from the same server.
    """
    settings = app.config["SETTINGS"]
    if settings.is_demo:
        mount_emulator(app)
    app.extensions["wechat"] = make_clients(settings)
    app.extensions[CHANNELS] = lambda: _channels(app)
    app.extensions[UNREACHABLE_TEXT] = lambda: _unreachable_text(settings)
    app.extensions[CONTENT_SCREEN] = lambda: _content_screen(app)
    from . import endpoint

    endpoint.init_app(app)


def mount_emulator(app: Flask):
    """Serve the emulator under /_emulator, knowing the demo and configured accounts."""
    from .emulator import create_emulator

    emulator = create_emulator(apps=emulator_apps(app.config["SETTINGS"]))
    app.extensions["wechat_emulator"] = emulator.extensions["wechat_emulator"]
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {EMULATOR_PREFIX: emulator})
    return emulator


def emulator_apps(settings) -> dict[str, str]:
    """The accounts an emulator should know: the demo ones and any configured ones."""
    from .emulator import DEMO_APPS

    apps = dict(DEMO_APPS)
    for account in (settings.wechat.official_account, settings.wechat.mini_program):
        if account.app_id:
            apps[account.app_id] = account.app_secret
    return apps


def _channels(app: Flask) -> dict:
    from .channels import build_channels

    return build_channels(get_clients(app), app.config["SETTINGS"])


def _content_screen(app: Flask):
    from .content_screen import make_screen

    return make_screen(get_clients(app).mini_program)


def _unreachable_text(settings) -> str:
    from .reachability import unreachable_text

    return unreachable_text(settings)


def get_clients(app: Flask | None = None) -> WechatClients:
    """The app's WeChat clients (`.official_account`, `.mini_program`, None if unconfigured)."""
    return (app or current_app).extensions["wechat"]
