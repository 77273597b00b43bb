"""The config loader: file, environment, validation with one clear message naming the key."""

import os
import socket
import tomllib
from pathlib import Path

import pytest

from app import main
from settings import AssessmentSettings, ConfigError, env_name, known_keys, load_settings


def _load(tmp_path, text="", env=None):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, env=env or {})


def test_defaults_run_in_demo_mode_on_sqlite():
    settings = load_settings(os.devnull, env={})
    assert settings.database.url.startswith("sqlite:///")
    assert settings.is_demo
    assert settings.server.port == 5000
    assert settings.rules.checkin_radius_m == 300


def test_example_file_documents_every_key_with_a_comment():
    text = Path("config.example.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    flat = {}

    def walk(node, prefix):
        for key, value in node.items():
            if isinstance(value, dict):
                walk(value, prefix + key + ".")
            else:
                flat[prefix + key] = value

    walk(data, "")
    assert set(flat) == set(known_keys())
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if "=" in line and not line.startswith(("#", "[")):
            assert lines[index - 1].startswith("#") or lines[index - 2].startswith("#"), line
    assert load_settings("config.example.toml", env={}) == load_settings(os.devnull, env={})


def test_file_then_environment_then_overrides(tmp_path):
    text = '[server]\nport = 6000\n[wechat.official_account]\ntoken = "fromfile"\n'
    env = {"XIANFENG_SERVER_PORT": "7000"}
    settings = _load(tmp_path, text, env)
    assert settings.server.port == 7000
    assert settings.wechat.official_account.token == "fromfile"
    settings = load_settings(tmp_path / "config.toml", env=env, overrides={"server": {"port": 1}})
    assert settings.server.port == 1


def test_environment_names_and_digit_only_values_stay_strings():
    env = {"XIANFENG_WECHAT_OFFICIAL_ACCOUNT_TOKEN": "12345"}
    settings = load_settings(os.devnull, env=env)
    assert settings.wechat.official_account.token == "12345"
    assert env_name("wechat.mini_program.app_id") == "XIANFENG_WECHAT_MINI_PROGRAM_APP_ID"


def test_config_file_named_by_environment(tmp_path):
    path = tmp_path / "other.toml"
    path.write_text("[server]\nport = 5555\n")
    assert load_settings(env={"XIANFENG_CONFIG": str(path)}).server.port == 5555


@pytest.mark.parametrize(
    ("text", "env", "key"),
    [
        ('[wechat.official_account]\nencoding_aes_key = "short"\n', {}, "encoding_aes_key"),
        ('[wechat.official_account]\nmessage_mode = "safe"\n', {}, "encoding_aes_key"),
        ('[wechat.official_account]\nmessage_mode = "secret"\n', {}, "message_mode"),
        ("[server]\nport = 70000\n", {}, "server.port"),
        ('[server]\nport = "x"\n', {}, "server.port"),
        ("", {"XIANFENG_SERVER_PORT": "abc"}, "server.port"),
        ("", {"XIANFENG_SCHEDULER_EMBEDDED": "maybe"}, "scheduler.embedded"),
        ('[database]\nurl = "mysql://x"\n', {}, "database.url"),
        ("[rules]\ncheckin_radius_m = 0\n", {}, "rules.checkin_radius_m"),
        ("[feedback]\nkey_keep_days = 0\n", {}, "feedback.key_keep_days"),
        ("", {"XIANFENG_FEEDBACK_KEY_KEEP_DAYS": "-3"}, "feedback.key_keep_days"),
        ('[rules]\nquiet_hours = "9pm"\n', {}, "rules.quiet_hours"),
        ("[server]\nprot = 1\n", {}, "server.prot"),
        ('[wechat.mini_program]\napp_id = "wx1"\n', {}, "mini_program.app_secret"),
        ('[wechat]\ntoken_storage = "redis"\n', {}, "redis.url"),
        ("[server\n", {}, "not valid TOML"),
        ('[app]\ndemo = "false"\n', {}, "app.secret_key"),
        ('[app]\ndemo = "false"\nsecret_key = "0123456789abcdef"\n', {}, "register.history_key"),
        ("[server]\nport = 5000.5\n", {}, "server.port"),
        ("", {"XIANFENG_WECHAT_TIMEOUT_SECONDS": "nan"}, "wechat.timeout_seconds"),
    ],
)
def test_bad_config_names_the_key(tmp_path, text, env, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        _load(tmp_path, text, env)


HISTORY_KEY = '[register]\nhistory_key = "0123456789abcdef0123456789abcdef"\n'


def test_a_valid_aes_key_and_credentials_leave_demo_mode(tmp_path):
    text = (
        '[app]\nsecret_key = "0123456789abcdef"\n'
        + HISTORY_KEY
        + '[wechat.official_account]\napp_id = "wx1"\napp_secret = "s"\ntoken = "t"\n'
        'message_mode = "safe"\nencoding_aes_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"\n'
    )
    settings = _load(tmp_path, text)
    assert not settings.is_demo


def test_bad_config_stops_start_up_with_one_line(tmp_path, monkeypatch, capsys):
    path = tmp_path / "config.toml"
    path.write_text('[wechat.official_account]\nencoding_aes_key = "tooshort"\n')
    monkeypatch.setenv("XIANFENG_CONFIG", str(path))
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "wechat.official_account.encoding_aes_key" in err
    assert "Traceback" not in err


def test_unreachable_database_stops_start_up(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XIANFENG_DATABASE_URL", "postgresql://nobody:pw@127.0.0.1:1/none")
    monkeypatch.setenv("XIANFENG_APP_DATA_DIR", str(tmp_path))
    assert main(["serve", "--port", str(free_port())]) == 2
    err = capsys.readouterr().err
    assert "database.url" in err and "cannot connect" in err
    assert "pw@" not in err  # the password is not printed


def test_a_busy_port_stops_start_up_before_anything_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XIANFENG_APP_DATA_DIR", str(tmp_path))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert main(["serve", "--port", str(taken.getsockname()[1])]) == 2
    err = capsys.readouterr().err
    assert "server.port" in err and "--port" in err


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_operator_friendly_forms_are_accepted(tmp_path):
    text = '\ufeff[app]\ndemo = false\nsecret_key = "0123456789abcdef"\n' + HISTORY_KEY
    settings = _load(tmp_path, text)
    assert settings.app.demo == "false" and not settings.is_demo


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({"XIANFENG_SERVER_PROT": "1"}, "XIANFENG_SERVER_PROT"),
        ({"XIANFENG_RULES_TEAM_SIZE_MIN": "20"}, "team_size_min"),
        ({"XIANFENG_APP_DEMO": "false", "XIANFENG_APP_SECRET_KEY": "short"}, "app.secret_key"),
        (
            {
                "XIANFENG_APP_DEMO": "false",
                "XIANFENG_APP_SECRET_KEY": "0123456789abcdef",
                "XIANFENG_REGISTER_HISTORY_KEY": "too-short-for-an-hmac-key",
            },
            "register.history_key",
        ),
    ],
)
def test_mistakes_in_the_environment_are_named(env, key):
    with pytest.raises(ConfigError, match=key):
        load_settings(os.devnull, env=env)


@pytest.mark.parametrize(
    ("assessment", "key"),
    [
        ({"excellent_hours": 10}, "assessment.excellent_hours must be at least"),
        ({"basic_visit_months": 7}, "assessment.pass_visit_months must be at least"),
        ({"excellent_visit_months": 13}, "assessment.excellent_visit_months must be at most 12"),
        ({"excellent_min_rating": 6}, "assessment.excellent_min_rating must be at most 5"),
        ({"pass_max_rejected": -1}, "assessment.pass_max_rejected must be 0 or more"),
        ({"excellent_max_rejected": 5}, "assessment.pass_max_rejected must be at least"),
    ],
)
def test_the_assessment_limits_step_down_from_grade_to_grade(assessment, key):
    with pytest.raises(ConfigError, match=key):
        load_settings(os.devnull, env={}, overrides={"assessment": assessment})
    zero = {"excellent_max_rejected": 0, "pass_max_rejected": 0}
    assert load_settings(os.devnull, env={}, overrides={"assessment": zero}).assessment == (
        AssessmentSettings(pass_max_rejected=0)
    )
