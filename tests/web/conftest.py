"""Fixtures of the /office page tests: the demo programme served over HTTP, and a headless
Chromium logged out on it."""

import pytest

from commands import load_demo
from tests.web.browser import Served, chromium, console_errors
from tests.web.dashboard import Dashboard


@pytest.fixture
def served(settings_overrides, request):
    """The demo app with the demo programme, served over HTTP on a free port."""
    settings_overrides["app"]["demo"] = "true"
    server = Served()
    settings_overrides["server"] = {"host": "127.0.0.1", "port": server.port}
    settings_overrides["wechat"]["api_base_url"] = f"{server.url}/_emulator/"
    server.app = request.getfixturevalue("app")
    with server.app.app_context():
        load_demo(server.app.config["SETTINGS"])  # as serving it does: the configured rules
    yield server
    server.stop()


@pytest.fixture
def dashboard(served, tmp_path):
    with chromium(tmp_path / "profile", width=1400, height=1000) as driver:
        yield Dashboard(driver, served.url)
        # The API's refusals a test provokes show as failed loads; script errors must not.
        assert [e for e in console_errors(driver) if "Failed to load resource" not in e] == []
