"""The application factory, the health check, the JSON error shape and the command line."""

from datetime import datetime

import flask
import peewee
import pytest

import app as app_module
from models import InboundMessage, db
from models.database import schema_version

LONG_AGO = datetime(2026, 1, 1)


def test_healthz_reports_database_scheduler_and_version(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == {"reachable": True, "schema_version": schema_version()}
    assert body["scheduler"] == "external"
    assert body["version"] != ""


def test_healthz_says_503_when_the_database_is_gone(settings_overrides):
    settings_overrides["database"]["url"] = "postgresql://nobody@127.0.0.1:1/none"
    app = app_module.create_app(settings_overrides)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"]["reachable"] is False


def test_the_app_keeps_nothing_in_cookies(app):
    """No Flask session: nothing is ever set in a cookie, and a view that tried would fail."""

    @app.get("/_test/remember")
    def remember():
        flask.session["who"] = "me"
        return "stored"

    client = app.test_client()
    assert "Set-Cookie" not in client.get("/healthz").headers
    with app.test_request_context():
        assert not flask.session
    with pytest.raises(RuntimeError, match="session is unavailable"):
        client.get("/_test/remember")


def test_factory_makes_independent_apps(settings_overrides, tmp_path):
    first = app_module.create_app(settings_overrides)
    settings_overrides["server"] = {"port": 5999}
    second = app_module.create_app(settings_overrides)
    assert first is not second
    assert second.config["SETTINGS"].server.port == 5999


def test_demo_mode_keeps_its_history_key_across_restarts(settings_overrides, tmp_path):
    """A key made up at each start would leave every chain signed before it unverifiable."""
    from services import history

    settings_overrides["app"]["demo"] = "true"
    settings_overrides["register"]["history_key"] = ""
    first = app_module.create_app(settings_overrides).config["SETTINGS"].register.history_key
    sign = history.current_sign()
    second = app_module.create_app(settings_overrides).config["SETTINGS"].register.history_key
    assert first == second == (tmp_path / "history_key").read_text()
    assert len(first) >= 32
    assert history.current_sign()(b"link") == sign(b"link")


def test_workers_starting_together_share_one_demo_key(settings_overrides, tmp_path):
    """Every worker of a first start makes up a key; only the first one published is kept, and
    no worker ever reads a half-written file."""
    from concurrent.futures import ThreadPoolExecutor

    settings_overrides["app"]["demo"] = "true"
    settings_overrides["register"]["history_key"] = ""
    made = app_module._demo_secret
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: made(tmp_path / "keys" / "history_key"), range(32)))
    assert len(keys) == 1 and len(keys.pop()) >= 32
    assert [p.name for p in (tmp_path / "keys").iterdir()] == ["history_key"]


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/api/v1/nothing-here", 404, "not_found"),
        ("delete", "/healthz", 405, "method_not_allowed"),
    ],
)
def test_api_errors_have_one_json_shape(client, method, path, status, code):
    response = getattr(client, method)(path)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]  # a Chinese sentence for the user
    assert all("\u4e00" <= ch <= "\u9fff" or not ch.isalpha() for ch in error["message"])


@pytest.mark.parametrize(
    ("method", "path", "status", "text"),
    [
        ("get", "/no-such-page", 404, "请求的内容不存在。"),
        ("delete", "/", 405, "不支持该请求方式。"),
    ],
)
def test_pages_outside_the_api_fail_in_plain_chinese(client, method, path, status, text):
    """A resident who mistypes an address reads Chinese, not Flask's English page."""
    response = getattr(client, method)(path)
    assert (response.status_code, response.get_data(as_text=True)) == (status, text)
    assert response.mimetype == "text/plain"
    assert ("Allow" in response.headers) == (status == 405)  # what the method may be instead


def test_an_unexpected_error_is_a_json_500_without_a_traceback(app, client):
    app.config["PROPAGATE_TEST_ERRORS"] = False

    @app.get("/api/v1/_boom")
    def boom():
        raise RuntimeError("secret detail")

    response = client.get("/api/v1/_boom")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert "secret detail" not in response.get_data(as_text=True)


def test_each_request_opens_and_closes_its_connection(app):
    db.close()
    seen = []

    @app.get("/_probe")
    def probe():
        InboundMessage.select().count()
        seen.append(db.is_closed())
        return "ok"

    app.test_client().get("/_probe")
    assert seen == [False]
    assert db.is_closed()


def test_db_commands_upgrade_and_status(runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    result = runner.invoke(args=["db", "status"])
    assert result.exit_code == 0
    assert "[x] 0001_initial" in result.output


def test_db_upgrade_moves_an_empty_database_forward(settings_overrides, tmp_path):
    settings_overrides["database"]["url"] = f"sqlite:///{tmp_path / 'new.db'}"
    runner = app_module.create_app(settings_overrides).test_cli_runner()
    assert runner.invoke(args=["db", "status"]).exit_code == 1
    result = runner.invoke(args=["db", "upgrade"])
    assert "applied: 0001_initial, 0002_tokens_and_register_history" in result.output
    assert runner.invoke(args=["db", "status"]).exit_code == 0


def test_jobs_list_and_run_once(runner):
    InboundMessage.create(dedupe_key="old", openid="o", msg_type="text", received_at=LONG_AGO)
    assert "purge_expired" in runner.invoke(args=["jobs", "list"]).output
    result = runner.invoke(args=["jobs", "run-once", "purge_expired"])
    assert result.exit_code == 0, result.output
    with pytest.raises(peewee.DoesNotExist):
        InboundMessage.get(InboundMessage.dedupe_key == "old")


def test_api_answers_503_when_the_database_is_down(settings_overrides):
    settings_overrides["database"]["url"] = "postgresql://nobody@127.0.0.1:1/none"
    app = app_module.create_app(settings_overrides)
    response = app.test_client().post(
        "/api/v1/auth/office", json={"username": "office", "password": "whatever"}
    )
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"


def test_the_landing_page_renders_in_chinese(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "党员志愿服务" in response.get_data(as_text=True)


def test_python_app_py_help_shows_only_what_applies(monkeypatch, capsys, database_url, tmp_path):
    """Flask's own --app, --env-file and --debug do not apply: the app is create_app, settings
    come from config.toml and XIANFENG_*, and debug mode is never on."""
    monkeypatch.setenv("XIANFENG_CONFIG", "/dev/null")
    monkeypatch.setenv("XIANFENG_DATABASE_URL", database_url)
    monkeypatch.setenv("XIANFENG_APP_DATA_DIR", str(tmp_path))
    assert app_module.main(["--help"]) == 0
    shown = capsys.readouterr().out
    for flask_option in ("--env-file", "python-dotenv", "--app", "--debug"):
        assert flask_option not in shown
    assert "--help" in shown and "bind-code" in shown and "--host/--port" in shown
    assert app_module.main(["--debug", "jobs", "list"]) == 2  # refused, not switched on
    assert "No such option '--debug'" in capsys.readouterr().err
