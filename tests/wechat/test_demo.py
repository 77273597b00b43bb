"""Demo mode: the emulator mounted in the service's own WSGI app at /_emulator."""

import threading

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server

from wechat import get_clients
from wechat.emulator import DEMO_APPS
from wechat.miniprogram import code_to_session


@pytest.fixture
def demo_overrides(settings_overrides):
    settings_overrides["app"]["demo"] = "true"
    return settings_overrides


def test_demo_app_serves_the_emulator(demo_overrides, request):
    app = request.getfixturevalue("app")
    client = app.test_client()

    answer = client.get(
        "/_emulator/cgi-bin/token",
        query_string={
            "grant_type": "client_credential",
            "appid": "wx_demo_oa",
            "secret": DEMO_APPS["wx_demo_oa"],
        },
    )

    assert answer.json["expires_in"] == 7200
    assert client.get("/_emulator/_control/calls").json["calls"][0]["api"] == "token"
    assert app.extensions["wechat_emulator"].calls_to("token")


def test_demo_emulator_says_what_it_does_not_implement(demo_overrides, request):
    app = request.getfixturevalue("app")

    answer = app.test_client().get("/_emulator/cgi-bin/user/info")

    assert answer.status_code == 404
    assert answer.json["errmsg"] == "the emulator does not implement GET /cgi-bin/user/info"


def test_non_demo_app_has_no_emulator(app):
    assert "wechat_emulator" not in app.extensions
    assert not isinstance(app.wsgi_app, DispatcherMiddleware)


def test_demo_clients_talk_to_the_mounted_emulator_over_http(demo_overrides, request):
    """The whole loop on one port: the service's client calls the service's emulator."""
    holder = {}
    server = make_server(
        "127.0.0.1", 0, lambda env, start: holder["app"](env, start), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}/_emulator/"
    demo_overrides["wechat"]["api_base_url"] = base
    app = holder["app"] = request.getfixturevalue("app")
    try:
        clients = get_clients(app)
        assert code_to_session(clients.mini_program, "code:mp-demo-01").openid == "mp-demo-01"
        assert clients.official_account.message.send_text("oa-demo-01", "你好")["errcode"] == 0
        assert len(app.extensions["wechat_emulator"].calls_to("custom_send")) == 1
        clients.close()
    finally:
        server.shutdown()
        server.server_close()


def test_demo_without_accounts_uses_the_demo_credentials(demo_overrides, request):
    demo_overrides["wechat"]["official_account"] = {}
    demo_overrides["wechat"]["mini_program"] = {}
    demo_overrides["wechat"]["api_base_url"] = ""
    app = request.getfixturevalue("app")

    clients = get_clients(app)

    assert clients.official_account.appid == "wx_demo_oa"
    assert clients.mini_program.secret == DEMO_APPS["wx_demo_mp"]
    assert clients.mini_program.wxa.API_BASE_URL == "http://127.0.0.1:5000/_emulator/"
