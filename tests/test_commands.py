"""The operator commands, run through the app's command line as an operator would."""

from pathlib import Path

import pytest

from models import AuditLog, BindCode, Community, Member, ServiceRecord
from tests.conftest import POSTGRES_URL
from tests.factories import make_member, make_team
from tests.services.roster_files import base_roster, write_xlsx


def test_template_then_dry_run_then_import(runner, tmp_path):
    path = tmp_path / "名册.xlsx"
    result = runner.invoke(args=["import-template", str(path)])
    assert result.exit_code == 0 and path.exists()
    result = runner.invoke(args=["import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "0 个错误" in result.output
    assert Community.select().count() == 0


def test_import_template_never_overwrites_a_file_without_force(runner, tmp_path):
    roster = write_xlsx(tmp_path / "fixed.xlsx", base_roster())
    filled = roster.read_bytes()
    refused = runner.invoke(args=["import-template", str(roster)])
    assert refused.exit_code == 1
    assert "已经存在" in refused.output and "--force" in refused.output
    assert roster.read_bytes() == filled
    forced = runner.invoke(args=["import-template", str(roster), "--force"])
    assert forced.exit_code == 0, forced.output
    assert roster.read_bytes() != filled
    assert "Traceback" not in refused.output + forced.output


def test_python_app_py_import_template_refuses_in_chinese_without_a_traceback(
    monkeypatch, capsys, tmp_path
):
    from app import main

    monkeypatch.setenv("XIANFENG_CONFIG", "/dev/null")
    monkeypatch.chdir(tmp_path)
    assert main(["import-template", "nodir/t.xlsx"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("错误：文件夹 ") and "nodir 不存在" in err
    assert "Traceback" not in err and "Error" not in err
    assert main(["import-template", "t.xlsx"]) == 0
    assert main(["import-template", "t.xlsx"]) == 1
    assert "已经存在" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("nodir/t.xlsx", "nodir 不存在"),
        ("t.csv", "须以 .xlsx 结尾"),
        ("t", "须以 .xlsx 结尾"),
    ],
)
def test_import_template_refuses_a_path_it_cannot_use_in_chinese(runner, tmp_path, name, words):
    out = tmp_path / "out"
    out.mkdir()
    result = runner.invoke(args=["import-template", str(out / name)])
    assert result.exit_code == 1
    assert words in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert list(out.iterdir()) == []  # no folder made, no file written


def test_import_with_errors_exits_1_and_writes_nothing(runner, tmp_path):
    csv = tmp_path / "党员.csv"
    csv.write_text("姓名,手机号,所在支部,服务队,角色\n张三,123,一支部,不存在的队,队员\n")
    result = runner.invoke(args=["import", str(csv)])
    assert result.exit_code == 1
    assert "错误" in result.output and "第 2 行" in result.output
    assert Member.select().count() == 0
    assert AuditLog.select().count() == 0


def test_import_of_a_missing_file_says_so_in_chinese(runner, tmp_path):
    result = runner.invoke(args=["import", str(tmp_path / "名册.xlsx")])
    assert result.exit_code == 1
    assert f"找不到文件「{tmp_path / '名册.xlsx'}」" in result.output
    assert "does not exist" not in result.output
    nothing = runner.invoke(args=["import"])
    assert nothing.exit_code == 1 and "请提供一个 .xlsx 工作簿" in nothing.output


def test_bind_code_for_a_member(runner):
    member = make_member(team=make_team(), phone="13912345678")
    result = runner.invoke(args=["bind-code", "13912345678"])
    assert result.exit_code == 0, result.output
    assert BindCode.get(BindCode.member == member).code in result.output
    assert "有效" in result.output
    assert runner.invoke(args=["bind-code", "13000000000"]).exit_code == 1


@pytest.mark.parametrize(
    "typed", ["１３９１２３４５６７８", " 139 1234 5678", "139-1234-5678", "+86 13912345678"]
)
def test_bind_code_takes_the_phone_as_the_roster_import_does(runner, typed):
    member = make_member(team=make_team(), phone="13912345678")
    result = runner.invoke(args=["bind-code", typed])
    assert result.exit_code == 0, result.output
    assert BindCode.get(BindCode.member == member).code in result.output


def test_bind_code_says_what_is_wrong_with_a_phone(runner):
    bad = runner.invoke(args=["bind-code", "1.39E+10"])
    assert bad.exit_code == 1 and "科学计数法" in bad.output
    short = runner.invoke(args=["bind-code", "1391234"])
    assert short.exit_code == 1 and "手机号格式不正确" in short.output
    missing = runner.invoke(args=["bind-code", "１３０００００００００"])
    assert missing.exit_code == 1 and "名册中没有手机号为 13000000000 的党员" in missing.output


def test_bind_code_for_a_bound_member_needs_force(runner):
    make_member(team=make_team(), phone="13912345679", mp_openid="mp-bound")
    refused = runner.invoke(args=["bind-code", "13912345679"])
    assert refused.exit_code == 1 and "--force" in refused.output
    assert runner.invoke(args=["bind-code", "13912345679", "--force"]).exit_code == 0


def test_create_account_refuses_a_duplicate(runner):
    args = ["create-account", "clerk", "--password", "long-enough-1"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "已被使用" in result.output


def test_create_account_asks_for_the_password_twice_in_chinese(runner):
    from models import Account

    typed = "one-password\nanother-one\nlong-enough-1\nlong-enough-1\n"
    result = runner.invoke(args=["create-account", "clerk"], input=typed)
    assert result.exit_code == 0, result.output
    assert "新密码" in result.output and "两次输入的密码不一致" in result.output
    assert "one-password" not in result.output  # typed without echo
    from services.accounts import check_password

    account = Account.get(Account.username == "clerk")
    assert check_password(account, "long-enough-1")


def _locked_out(username: str):
    """An office login locked by 5 wrong passwords, holding a token from before."""
    from datetime import timedelta

    from services.accounts import create_office_account
    from services.auth import login_office
    from services.errors import DomainError
    from tests.factories import NOW

    create_office_account(username, "办公室", "old-password-1", NOW)
    before = login_office(username, "old-password-1", NOW, timedelta(hours=8))
    for _ in range(5):
        with pytest.raises(DomainError):
            login_office(username, "a-wrong-guess", NOW, timedelta(hours=8))
    return before


def test_reset_password_unlocks_the_login_and_ends_its_sessions(runner):
    from datetime import timedelta

    from models import Account
    from services.auth import authenticate, login_office
    from services.errors import Forbidden, Unauthorized
    from tests.factories import NOW

    before = _locked_out("clerk1")
    assert authenticate(before.token, NOW)
    with pytest.raises(Forbidden, match="密码错误次数过多"):
        login_office("clerk1", "old-password-1", NOW, timedelta(hours=8))
    taken = runner.invoke(args=["create-account", "clerk1", "--password", "new-password-1"])
    assert taken.exit_code == 1 and "已被使用" in taken.output
    typed = "new-password-1\nnew-password-1\n"
    result = runner.invoke(args=["reset-password", "clerk1"], input=typed)
    assert result.exit_code == 0, result.output
    assert "密码已重设，锁定已解除" in result.output
    account = Account.get(Account.username == "clerk1")
    assert account.failed_logins == 0 and account.locked_until is None
    assert login_office("clerk1", "new-password-1", NOW, timedelta(hours=8)).token
    with pytest.raises(Unauthorized, match="用户名或密码不正确"):
        login_office("clerk1", "old-password-1", NOW, timedelta(hours=8))
    with pytest.raises(Unauthorized, match="登录已失效"):
        authenticate(before.token, NOW)
    assert AuditLog.get(AuditLog.action == "password_reset").detail == {"username": "clerk1"}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["reset-password", "nobody", "--password", "long-enough-1"], "没有用户名为“nobody”"),
        (["reset-password", "clerk2", "--password", "short"], "密码至少 8 位"),
    ],
)
def test_reset_password_refuses_in_chinese_and_changes_nothing(runner, args, words):
    from models import Account

    _locked_out("clerk2")
    locked = Account.get(Account.username == "clerk2")
    result = runner.invoke(args=args)
    assert result.exit_code == 1 and words in result.output
    assert Account.get(Account.username == "clerk2").password_hash == locked.password_hash
    assert Account.get(Account.username == "clerk2").locked_until == locked.locked_until


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["reset-password", "nobody"], "没有用户名为“nobody”的办公室账号"),
        (["create-account", "clerk3"], "用户名“clerk3”已被使用"),
        (["create-account", "x"], "用户名须为 3–50 位"),
    ],
)
def test_account_commands_check_the_login_before_asking_for_a_password(runner, args, words):
    from services.accounts import create_office_account
    from tests.factories import NOW

    create_office_account("clerk3", "办公室", "old-password-1", NOW)
    result = runner.invoke(args=args, input="long-enough-1\nlong-enough-1\n")
    assert result.exit_code == 1 and words in result.output
    assert "新密码" not in result.output  # refused before the prompt


@pytest.mark.parametrize(
    ("args", "typed", "words"),
    [
        (["reset-password", "clerk4"], "", "已取消，办公室账号 clerk4 的密码没有更改。"),
        (
            ["reset-password", "clerk4"],
            "long-enough-1\n",
            "已取消，办公室账号 clerk4 的密码没有更改。",
        ),
        (["create-account", "clerk5"], "", "已取消，办公室账号 clerk5 没有创建。"),
    ],
)
def test_end_of_input_at_the_password_prompt_cancels_in_chinese(runner, args, typed, words):
    """Ctrl-D (and Ctrl-C, which click turns into the same Abort) says what did not happen."""
    from models import Account
    from services.accounts import create_office_account
    from tests.factories import NOW

    create_office_account("clerk4", "办公室", "old-password-1", NOW)
    before = Account.get(Account.username == "clerk4").password_hash
    result = runner.invoke(args=args, input=typed)
    assert result.exit_code == 1 and words in result.output
    assert "Traceback" not in result.output and "Aborted" not in result.output
    assert Account.get(Account.username == "clerk4").password_hash == before
    assert not Account.select().where(Account.username == "clerk5").exists()


def test_a_short_password_is_asked_again_before_the_second_entry(runner):
    from models import Account
    from services.accounts import check_password

    typed = "short\nlong-enough-1\nlong-enough-1\n"
    result = runner.invoke(args=["create-account", "clerk6"], input=typed)
    assert result.exit_code == 0, result.output
    assert "密码至少 8 位。请重新输入。" in result.output
    assert result.output.count("再输入一次新密码") == 1
    assert check_password(Account.get(Account.username == "clerk6"), "long-enough-1")


@pytest.mark.skipif(bool(POSTGRES_URL), reason="copies a SQLite file")
def test_backup_copies_the_database_with_its_latest_writes(runner, tmp_path):
    import sqlite3

    make_member(team=make_team(), phone="13912345600")  # committed, still in the WAL file
    target = tmp_path / "backups" / "xianfeng-copy.db"
    target.parent.mkdir()
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert f"已备份到 {target}" in result.output
    assert [p.name for p in target.parent.iterdir()] == ["xianfeng-copy.db"]  # one whole file
    copy = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    phones = [phone for (phone,) in copy.execute("SELECT phone FROM member")]
    assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    copy.close()
    assert "13912345600" in phones
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code == 1 and "已经存在" in again.output and "--force" in again.output
    assert runner.invoke(args=["backup", str(target), "--force"]).exit_code == 0
    nowhere = runner.invoke(args=["backup", str(tmp_path / "nodir" / "x.db")])
    assert nowhere.exit_code == 1 and "nodir 不存在" in nowhere.output


@pytest.mark.skipif(not POSTGRES_URL, reason="the PostgreSQL refusal")
def test_backup_points_postgresql_to_pg_dump(runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "x.db")])
    assert result.exit_code == 1 and "pg_dump" in result.output


def test_demo_command_is_idempotent(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "已载入演示数据" in first.output
    second = runner.invoke(args=["demo"])
    assert "未重复载入" in second.output
    assert Member.select().count() == 36


def test_import_applies_once_and_audits(runner, tmp_path):
    path = write_xlsx(tmp_path / "roster.xlsx", base_roster())
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    members = Member.select().count()
    assert members > 0
    assert AuditLog.get(AuditLog.action == "roster_import").detail["changes"] > 0
    again = runner.invoke(args=["import", str(path)])
    assert again.exit_code == 0
    assert "变更：无" in again.output
    assert Member.select().count() == members


@pytest.fixture
def wide_radius(settings_overrides):
    settings_overrides["rules"]["checkin_radius_m"] = 800


def test_import_gives_a_community_without_a_radius_the_configured_one(
    wide_radius, runner, tmp_path
):
    path = write_xlsx(tmp_path / "roster.xlsx", base_roster())  # 和平社区's radius left blank
    assert runner.invoke(args=["import", str(path)]).exit_code == 0
    assert {c.name: c.radius_m for c in Community.select()} == {"幸福社区": 300, "和平社区": 800}


def test_a_corrupt_workbook_is_refused_in_chinese(runner, tmp_path):
    path = tmp_path / "坏文件.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 1
    assert "无法读取 Excel 文件" in result.output


def test_moving_a_leader_away_cannot_leave_a_team_leaderless(runner, tmp_path):
    from tests.services.roster_files import edit

    roster = base_roster()
    assert (
        runner.invoke(args=["import", str(write_xlsx(tmp_path / "a.xlsx", roster))]).exit_code == 0
    )
    leader_row = next(
        i for i, row in enumerate(roster["党员"][1:], start=1) if "队长" in [str(c) for c in row]
    )
    other_team = next(r[3] for r in roster["党员"][1:] if r[3] != roster["党员"][leader_row][3])
    moved = edit(roster, "党员", leader_row, "服务队", other_team)
    moved["党员"][leader_row][4] = "队员"
    partial = {"党员": [moved["党员"][0], moved["党员"][leader_row]]}
    result = runner.invoke(args=["import", str(write_xlsx(tmp_path / "b.xlsx", partial))])
    assert result.exit_code == 1, result.output
    assert "队长" in result.output


def test_demo_is_never_loaded_into_a_real_roster(app):
    from commands import load_demo_if_empty

    make_member(team=make_team())
    assert load_demo_if_empty(app.config["SETTINGS"]) is None
    assert Member.select().count() == 2


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://nobody@127.0.0.1:1/none", "cannot connect"),
        ("sqlite:////proc/nope/x.db", "cannot create"),
    ],
)
def test_commands_stop_with_one_line_when_the_database_is_wrong(monkeypatch, capsys, url, expected):
    from app import main

    monkeypatch.setenv("XIANFENG_DATABASE_URL", url)
    monkeypatch.setenv("XIANFENG_CONFIG", "/dev/null")
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "database.url" in err and expected in err
    assert "Traceback" not in err


def test_register_verify_finds_an_edit_behind_the_services_back(runner):
    from services import history
    from tests.factories import NOW, make_record

    record = make_record(make_member(team=make_team()), duration_minutes=60)
    history.append(record, "member:1", "checkin", NOW, {})
    clean = runner.invoke(args=["register", "verify"])
    assert clean.exit_code == 0, clean.output
    ServiceRecord.update(duration_minutes=600).execute()
    tampered = runner.invoke(args=["register", "verify"])
    assert tampered.exit_code == 1
    assert str(record.id) in tampered.output


def test_register_seal_resigns_the_old_register_and_reports_in_chinese(runner):
    from services import history
    from tests.factories import NOW, make_record
    from tests.register_world import plain_sha256, rewrite_history

    team = make_team()
    good, tampered = (make_record(make_member(team=team), duration_minutes=60) for _ in "ab")
    for record in (good, tampered):
        history.append(record, "member:1", "checkin", NOW, {})
        rewrite_history(record, plain_sha256)  # hashed as before the key existed
    ServiceRecord.update(duration_minutes=600).where(ServiceRecord.id == tampered.id).execute()
    assert runner.invoke(args=["register", "verify"]).exit_code == 1
    not_asked = runner.invoke(args=["register", "seal"])
    assert not_asked.exit_code == 1 and "0 条记录的历史已用新密钥重新签名" in not_asked.output
    sealed = runner.invoke(args=["register", "seal", "--legacy"])
    assert sealed.exit_code == 1
    assert "1 条记录的历史已用新密钥重新签名" in sealed.output
    assert "本次接受了旧格式（无密钥）的历史" in sealed.output
    found = f"（记录 #{tampered.id}）：记录被绕过系统修改：服务时长（分钟） 60 → 600"
    assert found in sealed.output
    verified = runner.invoke(args=["register", "verify"])
    assert "登记簿核验发现 1 条记录有问题" in verified.output
    assert f"记录 #{tampered.id}" in verified.output and f"记录 #{good.id}" not in verified.output
    again = runner.invoke(args=["register", "seal", "--legacy"])
    assert again.exit_code == 1 and "不再接受" in again.output


def test_register_seal_takes_the_previous_key_from_the_settings(settings_overrides, request):
    from services import history
    from tests.factories import NOW, make_record

    old_key = "old-history-key-0123456789abcdef"
    settings_overrides["register"]["previous_history_key"] = old_key
    runner = request.getfixturevalue("runner")
    history.use_key(old_key)  # an entry signed before the key change
    history.append(make_record(make_member(team=make_team())), "member:1", "checkin", NOW, {})
    history.use_key(settings_overrides["register"]["history_key"])
    assert runner.invoke(args=["register", "verify"]).exit_code == 1
    result = runner.invoke(args=["register", "seal"])
    assert result.exit_code == 0, result.output
    assert "1 条记录的历史已用新密钥重新签名" in result.output
    assert "本次接受了旧密钥（register.previous_history_key）签名的历史。" in result.output
    assert runner.invoke(args=["register", "verify"]).exit_code == 0


def test_serving_an_old_demo_database_seals_its_register_once(app):
    from commands import load_demo_if_empty
    from services import register_check, register_seal
    from services.demo import load_demo
    from tests.factories import NOW
    from tests.register_world import plain_sha256, rewrite_history

    settings = app.config["SETTINGS"]
    load_demo(Path(settings.storage.photo_dir), NOW)  # the demo as loaded before the key
    for record in ServiceRecord.select():
        rewrite_history(record, plain_sha256)
    assert register_check.verify(NOW)
    load_demo_if_empty(settings)
    assert register_check.verify(NOW) == []
    load_demo_if_empty(settings)
    assert AuditLog.select().where(AuditLog.action == register_seal.SEALED_LEGACY).count() == 1


def test_push_menu_sends_the_chats_menu_to_wechat(runner, emulator):
    result = runner.invoke(args=["wechat", "push-menu"])
    assert result.exit_code == 0, result.output
    sent = emulator.calls_to("menu_create")
    assert len(sent) == 1 and len(sent[0].body["button"]) == 3


def test_push_menu_failure_is_one_line(runner, emulator):
    emulator.inject("menu_create", 40001, times=None)
    result = runner.invoke(args=["wechat", "push-menu"])
    assert result.exit_code == 1 and "菜单未更新" in result.output


def test_register_backfill_fills_old_entries_once_and_says_how_many(runner):
    from tests.factories import make_activity
    from tests.register_world import build_world, checked_in

    world = build_world()
    entry = checked_in(world.alice, make_activity(world.team_a, title="义诊"))
    dry = runner.invoke(args=["register", "backfill", "--dry-run"])
    assert dry.exit_code == 0 and "将补写 1 条记录" in dry.output, dry.output
    assert ServiceRecord.get_by_id(entry.id).content == ""
    done = runner.invoke(args=["register", "backfill"])
    assert "已补写 1 条记录的自动内容（服务内容 1 条）" in done.output, done.output
    assert ServiceRecord.get_by_id(entry.id).content == "参加「义诊」"
    assert "已补写 0 条记录" in runner.invoke(args=["register", "backfill"]).output
    assert runner.invoke(args=["register", "verify"]).exit_code == 0


def test_the_register_checkpoint_finds_an_entry_deleted_with_its_history(runner, tmp_path):
    from models import db
    from tests.register_world import build_world, checked_in

    world = build_world()
    gone, kept = checked_in(world.alice), checked_in(world.bob)
    assert runner.invoke(args=["register", "seal"]).exit_code == 0
    assert (tmp_path / "register_checkpoint.json").exists()
    job = runner.invoke(args=["jobs", "run-once", "register_checkpoint"])
    assert job.exit_code == 0, job.output
    for table, column in (("record_history", "record_id"), ("service_record", "id")):
        db.execute_sql(f"DELETE FROM {table} WHERE {column} = {int(gone.id)}")
    found = runner.invoke(args=["register", "verify"])
    assert found.exit_code == 1
    assert f"记录 #{gone.id}：记录及其全部登记历史已被删除" in found.output
    assert f"#{kept.id}" not in found.output
    carried = runner.invoke(args=["register", "checkpoint"])
    assert carried.exit_code == 0
    assert f"核验时继续报告：\n  记录 #{gone.id}：记录及其全部登记历史已被删除" in carried.output
    assert runner.invoke(args=["register", "verify"]).exit_code == 1
    accepted = runner.invoke(args=["register", "checkpoint", "--accept"])
    assert accepted.exit_code == 0
    listed, written = accepted.output.splitlines()[:2], accepted.output.splitlines()[2]
    assert listed[0].endswith("已接受以下 1 项核验发现，今后不再报告：")
    assert listed[1].startswith(f"  记录 #{gone.id}：记录及其全部登记历史已被删除")
    assert written.endswith("登记簿检查点已写入：1 条记录。")
    assert runner.invoke(args=["register", "verify"]).exit_code == 0


@pytest.mark.parametrize(
    ("bindings", "named"),
    [
        ({"oa_openid": "oa-bound"}, "已通过公众号绑定微信"),
        ({"mp_openid": "mp-bound"}, "已通过小程序绑定微信"),
        ({"mp_openid": "mp-bound", "oa_openid": "oa-bound"}, "已通过小程序和公众号绑定微信"),
    ],
)
def test_bind_code_refuses_a_member_bound_either_way_and_keeps_the_old_code(
    runner, bindings, named
):
    from services import clock
    from services.binding import issue_bind_code, live_bind_code

    member = make_member(team=make_team(), phone="13912345670", name="傅晓东", **bindings)
    old = issue_bind_code(member, clock.now_utc())
    refused = runner.invoke(args=["bind-code", "13912345670"])
    assert refused.exit_code == 1
    assert f"傅晓东 {named}；如需重新绑定请加 --force。" in refused.output
    assert live_bind_code(member, clock.now_utc()).code == old  # not voided
    forced = runner.invoke(args=["bind-code", "13912345670", "--force"])
    assert forced.exit_code == 0 and old not in forced.output
