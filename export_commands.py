"""The office's Excel exports at the server's terminal: `python app.py export records …`,
`python app.py export report 2026-Q4 --team 1 …` and `python app.py export annual 2026 …`, the
same workbooks as the API's downloads.

The command line acts as the office and sees residents' data whole: whoever can run it can
read the database anyway. A file that exists is never overwritten without --force, and a
path that cannot be written is one Chinese sentence, not a traceback (services.xlsx.save,
with the reasons services.output_files gives for every file the office's commands write).
"""

from dataclasses import replace
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from models import Account, Team, db
from services import clock
from services.actors import Actor
from services.annual_assessment import year_state
from services.annual_export import export_year
from services.binding import member_by_phone
from services.errors import DomainError
from services.record_names import KIND_NAMES
from services.records import RecordFilters
from services.register_export import export_register
from services.report_export import export_report
from services.reports import ReportRules
from services.status_words import CHOICES, status_filter
from services.xlsx import Export, save

export_cli = AppGroup("export", help="Excel exports for the office (导出 Excel).")
OFFICE = Actor(account=Account(username="cli", display_name="办公室（命令行）"))


@export_cli.command("records")
@click.argument("out", required=False)
@click.option("--from", "date_from", metavar="2026-10-01", help="签到日期起（含）")
@click.option("--to", "date_to", metavar="2026-12-31", help="签到日期止（含）")
@click.option("--status", help=f"状态：{CHOICES}（待审核包括待队长审核和待办公室审核）")
@click.option(
    "--kind",
    help="类型：集中活动、结对走访、分散活动（或 activity 等；发布为分散活动的活动算分散活动）",
)
@click.option("--team", help="服务队：编号或名称")
@click.option("--member", "phone", metavar="PHONE", help="某位党员的手机号")
@click.option("--force", is_flag=True, help="覆盖已存在的文件")
def export_records_command(out, date_from, date_to, status, kind, team, phone, force):
    """Export the register (登记簿) as an Excel workbook, one row per entry."""
    filters = RecordFilters(
        date_from=_date(date_from, "--from"),
        date_to=_date(date_to, "--to"),
        kind=_code(kind, KIND_NAMES, "类型"),
        **_status(status),
    )
    with db.connection_context():
        filters = replace(_with_member(filters, phone), team_id=_team_id(team))
        export = _run(export_register, OFFICE, filters, clock.now_utc())
    path = _save(export, out, force)
    click.echo(f"已导出 {export.rows} 条登记记录：{path}")


@export_cli.command("report")
@click.argument("period", metavar="2026-Q4")
@click.argument("out", required=False)
@click.option("--team", help="服务队：编号或名称（必填）")  # checked below, in Chinese
@click.option("--force", is_flag=True, help="覆盖已存在的文件")
def export_report_command(period, out, team, force):
    """Export a team's quarterly report (概况 and 队员明细) as an Excel workbook."""
    if not team:
        raise click.ClickException(
            f"请用 --team 指明哪个服务队的报告（编号或名称），"
            f"如：python app.py export report {period} --team 1。"
        )
    rules = ReportRules.from_settings(current_app.config["SETTINGS"])
    with db.connection_context():
        export = _run(export_report, OFFICE, period, _team_id(team), clock.now_utc(), rules)
    path = _save(export, out, force)
    click.echo(f"已导出季度报告（{export.rows} 名队员）：{path}")


@export_cli.command("annual")
@click.argument("year", metavar="2026")
@click.argument("out", required=False)
@click.option("--team", help="服务队：编号或名称（不填则为全部服务队）")
@click.option("--force", is_flag=True, help="覆盖已存在的文件")
def export_annual_command(year, out, team, force):
    """Export a year's assessment (年度考核 and 表彰名单) as an Excel workbook."""
    limits, now = current_app.config["SETTINGS"].assessment, clock.now_utc()
    year = _year(year)
    with db.connection_context():
        export = _run(export_year, OFFICE, year, now, limits, _team_id(team))
        final = year_state(year, now).final
    path = _save(export, out, force)
    state = "已定稿" if final else "未定稿"
    click.echo(f"已导出 {year} 年度考核（{export.rows} 名党员，{state}）：{path}")


def _run(service, *args):
    """A service call, its refusal as one Chinese sentence."""
    try:
        return service(*args)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None


def _date(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.ClickException(f"{option} 应为日期，如 2026-10-01（收到 {value}）。") from None


def _year(value: str) -> int:
    """A year in digits; the assessment itself says which years it covers."""
    if not (value.isascii() and value.isdigit()):
        raise click.ClickException(f"年度应为年份，如 2026（收到 {value}）。")
    return int(value)


def _status(value: str | None) -> dict:
    """The filters a status word asks for (services.status_words)."""
    return _run(status_filter, value) if value else {}


def _code(value: str | None, names: dict[str, str], what: str) -> str | None:
    """A kind given as its code or its Chinese name."""
    if not value:
        return None
    by_name = {name: code for code, name in names.items()}
    if value in names or value in by_name:
        return by_name.get(value, value)
    choices = f"{'、'.join(names.values())}，或代码 {'、'.join(names)}"
    raise click.ClickException(f"{what}应为：{choices}（收到 {value}）。")


def _team_id(value: str | None) -> int | None:
    """A team by its number or its name; the export itself says when a number is unknown."""
    if not value:
        return None
    if value.isdigit():
        return int(value)
    team = Team.get_or_none(Team.name == value.strip())
    if team is None:
        raise click.ClickException(f"没有名为「{value}」的服务队。")
    return team.id


def _with_member(filters: RecordFilters, phone: str | None) -> RecordFilters:
    if not phone:
        return filters
    member = _run(member_by_phone, phone)  # read as the roster import reads it
    return replace(filters, member_id=member.id)


def _save(export: Export, out: str | None, force: bool) -> Path:
    """Write the workbook under the name given, or the suggested one in this folder."""
    path = Path(out) if out else Path(export.filename)
    if path.suffix.lower() != ".xlsx":
        raise click.ClickException(f"文件名应以 .xlsx 结尾，Excel 才能打开：{path}")
    try:
        return save(export, path, force)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
