"""Operator commands: demo programme, bind codes, office accounts, the emulator, and the
start-up banner. Each is a thin shell over a service."""

from pathlib import Path

import click
import requests
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from export_commands import export_cli
from feedback_commands import feedback_cli
from models import AuditLog, Member, db
from services import clock
from services.errors import DomainError
from settings import Settings, config_source, redact_url
from wechat.client import api_base_url


def init_app(app) -> None:
    """Attach the operator commands to the app's command line."""
    commands = (
        export_cli,
        feedback_cli,
        register_cli,
        wechat_cli,
        import_command,
        template_command,
        demo_command,
        bind_code_command,
        create_account_command,
        reset_password_command,
        backup_command,
        emulator_command,
    )
    for command in commands:
        app.cli.add_command(command)


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


def load_demo(settings: Settings):
    from services.checkin_rules import CheckinRules
    from services.demo import load_demo as load
    from services.reports import ReportRules

    return load(
        Path(settings.storage.photo_dir),
        clock.now_utc(),
        bind_code_ttl_days=settings.rules.bind_code_ttl_days,
        rules=CheckinRules.from_settings(settings),
        report_rules=ReportRules.from_settings(settings),
    )


def load_demo_if_empty(settings: Settings):
    """Load the demo programme into an empty database (or refresh the demo's own database);
    a database holding a real roster is left alone."""
    from services.demo import is_demo_database

    if Member.select().exists() and not is_demo_database():
        return None
    summary = load_demo(settings)
    _seal_demo_register(settings)
    return summary


def _seal_demo_register(settings: Settings) -> None:
    """The demo's own register, written before its history was keyed, re-signed once so that
    it keeps verifying (its checkpoint written anew with it); a real register is sealed only
    by its operator (register seal)."""
    from services import register_seal
    from services.register_checkpoint import path_in

    if not register_seal.legacy_sealed():
        checkpoint = path_in(settings.app.data_dir)
        register_seal.seal(clock.now_utc(), legacy=True, actor="demo", checkpoint=checkpoint)


register_cli = AppGroup("register", help="The service register (登记).")
wechat_cli = AppGroup("wechat", help="The Official Account.")


@wechat_cli.command("push-menu")
def push_menu_command():
    """Replace the Official Account's custom menu with the chat's (emulator in demo mode)."""
    from wechatpy.exceptions import WeChatClientException

    from wechat.chat.menu import NoOfficialAccount, push_menu
    from wechat.reachability import trouble_text

    try:
        answer = push_menu()
    except NoOfficialAccount:
        raise click.ClickException(NO_OFFICIAL_ACCOUNT) from None
    except (requests.RequestException, WeChatClientException) as exc:
        why = trouble_text(_settings(), exc) or WECHAT_REFUSED.format(exc.errcode, exc.errmsg)
        raise click.ClickException(f"菜单未更新，{why}") from None
    click.echo(f"菜单已更新：{answer}")


NO_OFFICIAL_ACCOUNT = (
    "菜单未更新，因为没有配置公众号（配置项 wechat.official_account.app_id 和 app_secret）。"
)
WECHAT_REFUSED = "微信拒绝了请求（错误码 {}：{}）。"


@register_cli.command("verify")
def register_verify():
    """Check every register entry against its hash-chained history; exit 1 on tampering."""
    from services import register_check

    now = clock.now_utc()
    with db.connection_context():
        found = register_check.verify(now, _checkpoint_file(), Path(_settings().storage.photo_dir))
    click.echo("\n".join(register_check.report_lines(found, now)))
    if found:
        raise SystemExit(1)


def _checkpoint_file() -> Path:
    from services.register_checkpoint import path_in

    return path_in(_settings().app.data_dir)


@register_cli.command("checkpoint")
@click.option(
    "--accept",
    is_flag=True,
    help="Accept the register as it is: drop what the old checkpoint found (once looked into).",
)
def register_checkpoint_command(accept):
    """Write the register's checkpoint (the daily job does too); entries found deleted or
    rolled back stay named until --accept; exit 1 when the old checkpoint could not be
    trusted and was kept."""
    from services import register_checkpoint

    now = clock.now_utc()
    with db.connection_context():
        done = register_checkpoint.advance(_checkpoint_file(), now, accept=accept)
    click.echo("\n".join(register_checkpoint.report_lines(done, now)))
    if not done.written:
        raise SystemExit(1)


@register_cli.command("seal")
@click.option(
    "--legacy",
    is_flag=True,
    help="Also accept the unkeyed hashes written before the key existed (at the upgrade, once).",
)
def register_seal_command(legacy):
    """Re-sign under the history key the chains that hold under register.previous_history_key
    (after a key change) or, with --legacy, under the old unkeyed hashes; exit 1 when some
    hold under none of them."""
    from services import register_seal

    now, previous = clock.now_utc(), _settings().register.previous_history_key
    try:
        with db.connection_context():
            report = register_seal.seal(now, previous, legacy=legacy, checkpoint=_checkpoint_file())
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo("\n".join(register_seal.report_lines(report, now)))
    if report.broken:
        raise SystemExit(1)


@register_cli.command("backfill")
@click.option("--dry-run", is_flag=True, help="Count what would be filled; write nothing.")
def register_backfill_command(dry_run):
    """Fill the defaults check-out writes (activity content, visit target) into entries
    checked out before it did, where they are still blank; safe to run twice."""
    from services import register_backfill

    now = clock.now_utc()
    with db.connection_context():
        report = register_backfill.backfill(now, dry_run=dry_run)
    click.echo("\n".join(register_backfill.report_lines(report, now)))


@click.command("import")
@click.argument("files", nargs=-1)  # checked by the import, which says what is wrong in Chinese
@click.option("--dry-run", is_flag=True, help="Check and show what would change; write nothing.")
@with_appcontext
def import_command(files, dry_run):
    """Import the roster: one .xlsx workbook, or CSV files (one per sheet) or their folder."""
    from services.roster_import import format_report, import_roster

    rules = _settings().rules
    source = files[0] if len(files) == 1 else list(files)
    try:
        with db.connection_context():
            result = import_roster(
                source,
                dry_run=dry_run,
                team_size=(rules.team_size_min, rules.team_size_max),
                radius_m=rules.checkin_radius_m,
            )
            if result.applied:
                _audit("roster_import", {"files": list(files), "changes": len(result.changes)})
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(format_report(result))
    if result.errors:
        raise SystemExit(1)


@click.command("import-template")
@click.argument("path")
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
def template_command(path, force):
    """Write a blank roster workbook with Chinese headers and an example row per sheet
    (an existing file is kept unless --force: it may be the filled-in roster)."""
    from services.roster_import import write_template

    try:
        written = write_template(path, force=force)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"模板已生成：{written.absolute()}")


def _audit(action: str, detail: dict) -> None:
    AuditLog.create(at=clock.now_utc(), actor="cli", action=action, detail=detail)


@click.command("demo")
@with_appcontext
def demo_command():
    """Load the demo programme (safe to run twice)."""
    with db.connection_context():
        summary = load_demo(_settings())
    click.echo("\n".join(summary.lines()))


@click.command("bind-code")
@click.argument("phone")
@click.option("--force", is_flag=True, help="Issue a code even if the member is bound already.")
@with_appcontext
def bind_code_command(phone, force):
    """Issue a one-time bind code for the member with this phone number (voids older codes)."""
    from services.binding import bound_through, issue_bind_code, live_bind_code, member_by_phone

    now, ttl = clock.now_utc(), _settings().rules.bind_code_ttl_days
    with db.connection_context():
        try:
            member = member_by_phone(phone)
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        bound = bound_through(member)
        if bound and not force:
            raise click.ClickException(
                f"{member.name} 已通过{'和'.join(bound)}绑定微信；如需重新绑定请加 --force。"
            )
        issue_bind_code(member, now, ttl_days=ttl)
        code = live_bind_code(member, now)
    expires = clock.to_local(code.expires_at).strftime("%Y-%m-%d %H:%M")
    click.echo(f"{member.name} {member.phone} 绑定码 {code.code}（{expires} 前有效，旧码已作废）")


def _new_password(given: str | None, cancelled: str) -> str:
    """The --password given, or one typed twice without echo (keeps it out of shell history),
    asked only once the command has checked the database and the login, so that nobody types
    a password for a command that cannot run. EOF or Ctrl-C ends with `cancelled`."""
    if given is not None:
        return given
    try:
        return _ask_new_password()
    except click.exceptions.Abort:
        raise click.ClickException(cancelled) from None


def _ask_new_password() -> str:
    """Asked until it meets the password rule and both entries match, in Chinese rather than
    click's English; the rule is checked before the second entry, not after both."""
    from services.accounts import check_new_password

    while True:
        first = click.prompt("新密码", hide_input=True)
        try:
            check_new_password(first)
        except DomainError as exc:
            click.echo(f"{exc.message}请重新输入。", err=True)
            continue
        if click.prompt("再输入一次新密码", hide_input=True) == first:
            return first
        click.echo("两次输入的密码不一致，请重新输入。", err=True)


new_password_option = click.option(
    "--password",
    help="The password; asked for twice when not given (keeps it out of shell history).",
)


@click.command("create-account")
@click.argument("username")
@click.option("--name", "display_name", default="办公室", help="Name shown on the dashboard.")
@new_password_option
@with_appcontext
def create_account_command(username, display_name, password):
    """Create an office login for the web dashboard."""
    from services.accounts import check_new_account, create_office_account

    try:
        with db.connection_context():
            username, display_name = check_new_account(username, display_name)
        password = _new_password(password, f"已取消，办公室账号 {username} 没有创建。")
        with db.connection_context():
            create_office_account(username, display_name, password, clock.now_utc())
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"办公室账号 {username} 已创建。")


@click.command("reset-password")
@click.argument("username")
@new_password_option
@with_appcontext
def reset_password_command(username, password):
    """Set a new password for an office login and lift its lockout (after 5 wrong passwords);
    the login's open sessions end."""
    from services.accounts import office_account, reset_office_password

    try:
        with db.connection_context():
            username = office_account(username).username
        password = _new_password(password, f"已取消，办公室账号 {username} 的密码没有更改。")
        with db.connection_context():
            account = reset_office_password(username, password, clock.now_utc())
            _audit("password_reset", {"username": account.username})
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"办公室账号 {account.username} 的密码已重设，锁定已解除；原来的登录已失效。")


@click.command("backup")
@click.argument("target")
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
@with_appcontext
def backup_command(target, force):
    """Copy the SQLite database while the service runs (online backup: the latest writes
    included); the data folder (keys, checkpoint) is backed up apart, see the README."""
    from services.backup import backup_database

    try:
        with db.connection_context():
            done = backup_database(target, force=force)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    size = f"{done.size / 1024 / 1024:.1f} MB"
    click.echo(f"数据库 {done.source} 已备份到 {done.target.absolute()}（{size}）。")


@click.command("emulator")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5001, type=int)
@with_appcontext
def emulator_command(host, port):
    """Run the WeChat API emulator on its own port (point wechat.api_base_url at it)."""
    from werkzeug.serving import run_simple

    from wechat import emulator_apps
    from wechat.emulator import create_emulator

    emulator = create_emulator(apps=emulator_apps(_settings()))
    click.echo(f"WeChat API emulator at http://{host}:{port}/ (Ctrl-C to stop)")
    run_simple(host, port, emulator, threaded=True)


def banner(settings: Settings, host: str, port: int, demo) -> str:
    """What was started and where, for the person who just ran the service."""
    url = f"http://{host}:{port}"
    lines = [
        "",
        "先锋 Xianfeng is running",
        f"  service      {url}/",
        f"  health       {url}/healthz",
        f"  config       {config_source()}",
        f"  database     {redact_url(settings.database.url)}",
        f"  photos       {Path(settings.storage.photo_dir).resolve()}",
        f"  data         {settings.app.data_dir}",
        f"  scheduler    {'in this process' if settings.scheduler.embedded else 'external'}",
    ]
    if settings.is_demo:
        lines.append(f"  WeChat       emulator at {api_base_url(settings)}")
        lines.append(
            "  demo members 01-36, phones 138000000NN; 01-33 bound to mp-demo-NN / oa-demo-NN"
        )
    if demo is not None:
        lines += ["", *("  " + line for line in demo.lines())]
    return "\n".join(lines) + "\n"
