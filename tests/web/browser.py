"""A real browser for page tests: Debian's headless Chromium driven through Selenium, and the
app served over HTTP on a free port in a thread.

Without /usr/bin/chromium a browser test is skipped with the reason, except under CI (the
CI variable set), where a missing browser fails the test instead of silently passing.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def require_chromium() -> None:
    """Skip when Chromium or its driver is missing; fail instead when running in CI."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if not missing:
        return
    reason = (
        f"headless Chromium is not installed ({', '.join(missing)} missing); "
        "install it with: apt-get install chromium chromium-driver"
    )
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@contextmanager
def chromium(profile_dir: Path, width: int = 1100, height: int = 1000):
    """A headless Chromium with a fresh profile, quit on exit; keeps the console's errors."""
    require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile_dir}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver) -> list[str]:
    """The page's severe console messages, leaving out the favicon the browser asks for."""
    return [e["message"] for e in driver.get_log("browser") if "favicon.ico" not in e["message"]]


def screenshot(driver, name: str) -> Path:
    """Save a PNG of the window in test-artifacts/ (ignored by git, kept by the test run)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    driver.save_screenshot(str(path))
    return path


class Served:
    """A threaded HTTP server on a free local port for a WSGI app that is set later.

    The port must be known before the app is built (its settings name the address where the
    app calls itself and its emulator), hence `app` is assigned after `url` is read."""

    def __init__(self):
        self.app = None
        self._server = make_server("127.0.0.1", 0, self._call, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _call(self, environ, start_response):
        return self.app(environ, start_response)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
