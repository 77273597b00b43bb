"""Commands that call WeChat (`wechat push-menu`, `jobs run-once drain_outbox`) when WeChat or
the demo's emulator cannot be reached: one Chinese sentence naming the address tried and the
setting that picks it, never requests' traceback."""

import socket

import pytest

import app as app_module
from services import clock
from services.outbox import Message, enqueue
from tests.factories import make_member


def free_port() -> int:
    """A local port nothing listens on (the demo service started on another one)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def settings_overrides(settings_overrides, port):
    """Demo mode, the emulator looked for inside the service on a port where none runs."""
    wechat = settings_overrides["wechat"] | {"api_base_url": ""}
    return settings_overrides | {
        "app": settings_overrides["app"] | {"demo": "true"},
        "server": {"host": "127.0.0.1", "port": port},
        "wechat": wechat,
    }


def test_push_menu_without_the_demo_service_names_the_address_and_the_port_setting(runner, port):
    result = runner.invoke(args=["wechat", "push-menu"])
    assert result.exit_code == 1
    assert result.output.startswith(
        f"Error: 菜单未更新，无法连接演示用的微信接口模拟器 http://127.0.0.1:{port}/_emulator/"
        "（连接被拒绝或网络不通）；"
    )
    assert "XIANFENG_SERVER_PORT" in result.output and "server.port" in result.output
    assert "Traceback" not in result.output and "HTTPConnectionPool" not in result.output


def test_python_app_py_push_menu_says_it_in_one_line_without_a_traceback(
    monkeypatch, capsys, settings_overrides, database_url, tmp_path, port
):
    monkeypatch.setenv("XIANFENG_CONFIG", "/dev/null")
    monkeypatch.setenv("XIANFENG_DATABASE_URL", database_url)
    monkeypatch.setenv("XIANFENG_APP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("XIANFENG_APP_DEMO", "true")
    monkeypatch.setenv("XIANFENG_SERVER_PORT", str(port))
    assert app_module.main(["wechat", "push-menu"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"错误：菜单未更新，无法连接演示用的微信接口模拟器 http://127.0.0.1:{port}/"
    )
    assert err.count("\n") == 1 and "Traceback" not in err and "Error" not in err


def push_menu(request) -> object:
    """`wechat push-menu` on an app built from the test's settings as they are now."""
    return request.getfixturevalue("runner").invoke(args=["wechat", "push-menu"])


def test_push_menu_to_a_configured_address_names_that_setting(request, settings_overrides, port):
    settings_overrides["app"]["demo"] = "false"
    settings_overrides["wechat"]["api_base_url"] = f"http://127.0.0.1:{port}/"
    result = push_menu(request)
    assert result.exit_code == 1
    assert f"无法连接微信接口 http://127.0.0.1:{port}/（连接被拒绝或网络不通）" in result.output
    assert "wechat.api_base_url" in result.output
    assert "XIANFENG_WECHAT_API_BASE_URL" in result.output


def test_push_menu_to_a_port_where_something_else_answers(
    request, settings_overrides, emulator_server
):
    """macOS's AirPlay answers on port 5000: an HTTP error, not WeChat's errcode."""
    settings_overrides["wechat"]["api_base_url"] = emulator_server.url + "not-wechat/"
    result = push_menu(request)
    assert result.exit_code == 1
    assert "HTTP 404，应答的不是微信接口" in result.output, result.output
    assert "Error code: None" not in result.output


def test_push_menu_without_an_official_account_says_which_setting(request, settings_overrides):
    settings_overrides["app"]["demo"] = "false"
    settings_overrides["wechat"]["official_account"] = {"app_id": "", "app_secret": ""}
    result = push_menu(request)
    assert result.exit_code == 1
    assert "没有配置公众号" in result.output and "wechat.official_account.app_id" in result.output


def test_push_menu_refused_by_wechat_gives_the_errcode_in_chinese(
    request, settings_overrides, emulator, emulator_server
):
    settings_overrides["wechat"]["api_base_url"] = emulator_server.url
    emulator.inject("menu_create", 40016, times=None)
    result = push_menu(request)
    assert result.exit_code == 1
    assert "菜单未更新，微信拒绝了请求（错误码 40016：" in result.output, result.output


def test_drain_outbox_run_once_names_the_address_it_could_not_reach(runner, port):
    member = make_member(oa_openid="oa-1")
    message = Message(member.id, "visit_reminder", {"title": "走访提醒"}, "v:1")
    enqueue([message], clock.now_utc(), "off")
    result = runner.invoke(args=["jobs", "run-once", "drain_outbox"])
    assert result.exit_code == 0, result.output
    assert "微信无法连接，暂停发送 1" in result.output
    assert (
        f"消息仍留在队列中，无法连接演示用的微信接口模拟器 http://127.0.0.1:{port}/_emulator/"
        in result.output
    )
    assert "XIANFENG_SERVER_PORT" in result.output
