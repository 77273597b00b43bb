"""The demo's keys live in one data folder whatever the working directory, and a lost history
key is not silently replaced once the register has history signed under it."""

import logging

import pytest

import app as app_module
from models import db
from models.database import release
from settings import ConfigError, load_settings


@pytest.mark.parametrize("cwd", ["here", "elsewhere"])
def test_relative_paths_start_at_the_config_files_folder(tmp_path, monkeypatch, cwd):
    """The database, the data folder (keys, checkpoint) and the photos stay together."""
    deploy = tmp_path / "deploy"
    deploy.mkdir()
    (deploy / "config.toml").write_text('[app]\ndata_dir = "data"\n')
    monkeypatch.chdir(deploy if cwd == "here" else tmp_path)
    env = {"XIANFENG_CONFIG": str(deploy / "config.toml")}
    settings = load_settings(env=env)
    assert settings.app.data_dir == str(deploy / "data")
    assert settings.database.url == f"sqlite:///{deploy}/instance/xianfeng.db"
    assert settings.storage.photo_dir == str(deploy / "instance" / "photos")
    env["XIANFENG_APP_DATA_DIR"] = "from-env"  # the environment's too: one base for both
    assert load_settings(env=env).app.data_dir == str(deploy / "from-env")


def test_without_a_config_file_relative_paths_start_at_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(env={})
    assert settings.app.data_dir == str(tmp_path / "instance")
    assert settings.database.url == f"sqlite:///{tmp_path}/instance/xianfeng.db"
    absolute = str(tmp_path / "mine")
    assert load_settings(env={"XIANFENG_APP_DATA_DIR": absolute}).app.data_dir == absolute
    memory = {"XIANFENG_DATABASE_URL": "sqlite:///:memory:"}
    assert load_settings(env=memory).database.url == "sqlite:///:memory:"


def _demo_config(tmp_path, database_url) -> dict:
    (tmp_path / "deploy").mkdir()
    config = tmp_path / "deploy" / "config.toml"
    config.write_text(f'[app]\ndemo = "true"\n[database]\nurl = "{database_url}"\n')
    return {"XIANFENG_CONFIG": str(config)}


def test_commands_run_from_any_folder_share_the_demos_history_key(
    tmp_path, monkeypatch, database_url, capsys
):
    for name, value in _demo_config(tmp_path, database_url).items():
        monkeypatch.setenv(name, value)
    keys = []
    for cwd in (tmp_path / "deploy", tmp_path):
        monkeypatch.chdir(cwd)
        assert app_module.main(["db", "upgrade"]) == 0
        keys.append((tmp_path / "deploy" / "instance" / "history_key").read_text())
        release()
    assert keys[0] == keys[1]
    assert not (tmp_path / "instance").exists()


def test_a_lost_demo_key_is_not_replaced_while_history_exists(
    settings_overrides, tmp_path, caplog, monkeypatch, capsys
):
    from tests.factories import make_member, make_team
    from tests.register_world import checked_in

    data = {"demo": "true", "data_dir": str(tmp_path / "data"), "secret_key": ""}
    settings_overrides["app"] |= data
    settings_overrides["register"]["history_key"] = ""
    key_file = tmp_path / "data" / "history_key"
    app_module.create_app(settings_overrides)
    db.connect(reuse_if_open=True)
    checked_in(make_member(team=make_team()))
    release()
    key_file.unlink()
    (tmp_path / "data" / "secret_key").unlink()  # the whole folder lost, say
    with pytest.raises(ConfigError, match="history_key.*missing"), caplog.at_level(logging.ERROR):
        app_module.create_app(settings_overrides)
    assert not key_file.exists()
    assert not (tmp_path / "data" / "secret_key").exists()  # refused before making anything
    assert "refusing to make a new demo history key" in caplog.text
    config = tmp_path / "config.toml"
    config.write_text(
        f'[app]\ndemo = "true"\ndata_dir = "data"\n'
        f'[database]\nurl = "{settings_overrides["database"]["url"]}"\n'
    )
    monkeypatch.setenv("XIANFENG_CONFIG", str(config))
    assert app_module.main(["register", "verify"]) == 2
    err = capsys.readouterr().err
    assert "is missing" in err and "Put the old key file back" in err and "Traceback" not in err
    assert not key_file.exists()


def test_an_empty_demo_register_gets_its_first_key(settings_overrides, tmp_path):
    settings_overrides["app"] |= {"demo": "true", "data_dir": str(tmp_path / "fresh")}
    settings_overrides["register"]["history_key"] = ""
    made = app_module.create_app(settings_overrides).config["SETTINGS"].register.history_key
    assert made == (tmp_path / "fresh" / "history_key").read_text()
