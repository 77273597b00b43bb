"""Quick-start command 1 end to end: `python app.py` in an empty folder serves the demo."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str, deadline: float):
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return json.load(response)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def start(tmp_path):
    processes = []

    def start_service():
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("XIANFENG_")}
        env["XIANFENG_SERVER_PORT"] = str(port)
        process = subprocess.Popen(
            [sys.executable, str(APP)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        processes.append(process)
        return process, f"http://127.0.0.1:{port}"

    yield start_service
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()


def stop(process) -> str:
    """Stop the service the way a service manager does (SIGTERM: SIGINT may be ignored when
    the test run itself was started in the background)."""
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)  # generous: CI machines are shared
    return output


def test_python_app_py_serves_the_demo_in_an_empty_folder(start, tmp_path):
    process, url = start()
    health = get_json(url + "/healthz", time.monotonic() + 30)
    assert health["status"] == "ok" and health["demo"] is True
    assert health["scheduler"] == "running"
    token = get_json(
        url + "/_emulator/cgi-bin/token?grant_type=client_credential"
        "&appid=wx_demo_oa&secret=demo-oa-secret",
        time.monotonic() + 5,
    )
    assert token["expires_in"] == 7200
    output = stop(process)
    assert "office / demo1234" in output
    assert output.count("绑定码") == 3
    assert (tmp_path / "instance" / "xianfeng.db").exists()
    assert any((tmp_path / "instance" / "photos").rglob("*.jpg"))

    process, url = start()
    get_json(url + "/healthz", time.monotonic() + 30)
    assert "未重复载入" in stop(process)
