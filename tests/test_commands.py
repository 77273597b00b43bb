"""The operator commands, run through the app's command line as an operator would."""

from models import AuditLog, BindCode, Community, Member
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


def test_import_with_errors_exits_1_and_writes_nothing(runner, tmp_path):
    csv = tmp_path / "党员.csv"
    csv.write_text("姓名,手机号,所在支部,服务队,角色\n张三,123,一支部,不存在的队,队员\n")
    result = runner.invoke(args=["import", str(csv)])
    assert result.exit_code == 1
    assert "错误" in result.output and "第 2 行" in result.output
    assert Member.select().count() == 0
    assert AuditLog.select().count() == 0


def test_bind_code_for_a_member(runner):
    member = make_member(team=make_team(), phone="13912345678")
    result = runner.invoke(args=["bind-code", "13912345678"])
    assert result.exit_code == 0, result.output
    code = result.output.strip().rsplit(" ", 1)[-1]
    assert BindCode.get(BindCode.member == member).code == code
    assert runner.invoke(args=["bind-code", "13000000000"]).exit_code == 1


def test_create_account_refuses_a_duplicate(runner):
    args = ["create-account", "clerk", "--password", "long-enough-1"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "已被使用" in result.output


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
