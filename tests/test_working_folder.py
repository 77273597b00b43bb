"""A command run in a folder without the service's database (no config file: the default
paths start at the working directory) is refused and leaves that folder as it was; only the
commands that prepare a database make one."""

import pytest

import app as app_module
from models.database import is_reachable, release


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """An empty working folder, no config file, no XIANFENG_ settings."""
    for name in list(__import__("os").environ):
        if name.startswith("XIANFENG_") and not name.startswith("XIANFENG_TEST_"):
            monkeypatch.delenv(name)
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    yield folder
    release()


@pytest.mark.parametrize(
    "args",
    [
        ["register", "verify"],
        ["register", "checkpoint"],
        ["db", "status"],
        ["jobs", "list"],
        ["bind-code", "13800000036"],
        ["create-account", "clerk1", "--password", "long-enough-1"],
        ["create-account", "clerk1"],  # refused before the password is asked for
        ["reset-password", "clerk1"],
        ["demo"],
        ["backup", "copy.db"],
    ],
)
def test_a_command_in_the_wrong_folder_is_refused_and_makes_nothing(elsewhere, capsys, args):
    assert app_module.main(args) == 2
    err = capsys.readouterr().err
    assert f"数据库 {elsewhere / 'instance' / 'xianfeng.db'} 不存在" in err
    assert f"当前文件夹 {elsewhere} 没有服务的数据库" in err
    assert "没有新建任何文件" in err and "请在服务所在的文件夹" in err
    assert "no such table" not in err and "Traceback" not in err
    assert list(elsewhere.iterdir()) == []  # no instance/, no keys, no empty database


def test_a_command_that_needs_no_database_runs_anywhere(elsewhere):
    assert app_module.main(["import-template", "名册模板.xlsx"]) == 0
    assert [p.name for p in elsewhere.iterdir()] == ["名册模板.xlsx"]


def test_db_upgrade_makes_the_database_and_the_next_command_its_keys(elsewhere, capsys):
    assert app_module.main(["db", "upgrade"]) == 0
    assert (elsewhere / "instance" / "xianfeng.db").exists()
    release()
    assert app_module.main(["register", "verify"]) == 0, capsys.readouterr().err
    assert (elsewhere / "instance" / "history_key").exists()


def test_the_health_check_reports_a_missing_database_as_down(settings_overrides, tmp_path):
    settings_overrides["database"]["url"] = f"sqlite:///{tmp_path / 'gone' / 'x.db'}"
    app_module.create_app(settings_overrides)
    assert is_reachable() is False
    assert not (tmp_path / "gone").exists()


def test_the_refusal_points_to_the_service_folder_when_it_has_the_database(
    elsewhere, tmp_path, monkeypatch, capsys
):
    service = tmp_path / "xianfeng"
    (service / "instance").mkdir(parents=True)
    (service / "instance" / "xianfeng.db").touch()
    monkeypatch.setattr(app_module, "PROJECT_DIR", service)
    assert app_module.main(["register", "verify"]) == 2
    assert f"（例如：cd {service}）" in capsys.readouterr().err
