"""Xianfeng: the application factory and the command line (`python app.py ...`)."""

import logging
import os
import secrets
import signal
import socket
import sys
from pathlib import Path

import click
import peewee
from flask import Flask
from flask.cli import FlaskGroup
from flask.sessions import SessionInterface
from werkzeug.serving import run_simple

import api
import commands
import jobs
import models.database
import web
import wechat
from api.form_request import FormRequest
from services import history
from settings import (
    ConfigError,
    Settings,
    load_settings,
    redact_url,
    with_demo_accounts,
    with_history_key,
    with_secret_key,
    with_server,
)

log = logging.getLogger(__name__)


def create_app(config: Settings | dict | None = None) -> Flask:
    """Build the app from Settings, a mapping of overrides, or the config file + environment."""
    settings = config if isinstance(config, Settings) else load_settings(overrides=config)
    settings = with_demo_accounts(settings)
    _configure_logging(settings)
    models.database.bind(
        models.database.make_database(settings.database.url, settings.database.busy_timeout_ms)
    )
    settings = _with_demo_secrets(settings)
    app = Flask(__name__)
    app.request_class = FormRequest
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.app.secret_key,
        MAX_CONTENT_LENGTH=settings.app.max_content_mb * 1024 * 1024,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    app.session_interface = NoCookieSessions()
    models.database.init_app(app)
    if settings.register.history_key:  # empty only before a demo database exists
        history.use_key(settings.register.history_key)
    for part in (wechat, api, web, jobs, commands):
        part.init_app(app)
    return app


class NoCookieSessions(SessionInterface):
    """No Flask session: the API authenticates with bearer tokens and WeChat sends no cookies.
    Flask would otherwise build a signing serializer for every request, a tenth of what a
    chat push costs; a view that tries to store something in `session` fails loudly."""

    def open_session(self, app, request):
        return None  # Flask then hands out its read-only null session

    def save_session(self, app, session, response):
        pass


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.app.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _with_demo_secrets(settings: Settings) -> Settings:
    """Keys left empty (only possible in demo mode, settings checks) made up and kept in the
    data folder: demo logins survive a restart, and so does the register's history, which
    would otherwise no longer verify under a new key. Before the database exists nothing is
    made: a command run in the wrong folder must leave no keys there, and the commands that
    create a database (serve, db upgrade) sign nothing."""
    if models.database.is_missing(settings.database.url):
        return settings
    data_dir = Path(settings.app.data_dir)
    key_file = data_dir / "history_key"
    if not settings.register.history_key and not key_file.exists() and _history_written():
        _refuse_new_history_key(key_file, settings.database.url)  # before any file is made
    if not settings.app.secret_key:
        settings = with_secret_key(settings, _demo_secret(data_dir / "secret_key"))
    if not settings.register.history_key:
        settings = with_history_key(settings, _demo_secret(key_file))
    return settings


def _history_written() -> bool:
    """Whether the database already holds register history (signed under some earlier key)."""
    opened = models.db.is_closed() and models.db.connect()
    try:
        return history.has_history()
    finally:
        if opened:
            models.db.close()


def _refuse_new_history_key(key_file: Path, url: str) -> None:
    """A lost demo key is not replaced while history exists: under a new key every chain
    would fail verification and the whole register would show as tampered."""
    log.error(
        "refusing to make a new demo history key: %s is missing and %s already holds "
        "register history",
        key_file,
        redact_url(url),
    )
    raise ConfigError(
        f"config key register.history_key: the demo key file {key_file} is missing, but the "
        f"register in {redact_url(url)} already has history signed under it; a new key would "
        "show every entry as tampered. Put the old key file back (from a backup, or from the "
        "data_dir of the folder the service ran from before) or set register.history_key to it."
    )


def _demo_secret(path: Path) -> str:
    """A random secret kept in a file of the data folder, made on first use and never
    replaced: workers starting together must not each keep a key of their own."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as new:
        new.write(secrets.token_urlsafe(32))  # readable by the service's user only
    try:
        os.link(draft, path)  # published whole, and only if no other worker published first
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_text().strip()


class XianfengGroup(FlaskGroup):
    """Flask's command group (the app's commands, an app context for each) without the options
    Flask adds to it whatever it is told: `--app` (the app is always create_app), `-e/--env-file`
    (settings come from config.toml and XIANFENG_*, not .env files) and `--debug` (never on:
    a debugger in the service would run code for anyone who reaches it)."""

    FLASK_OPTIONS = frozenset({"app", "env_file", "debug"})

    def __init__(self, **extra):
        super().__init__(**extra)
        self.params = [p for p in self.params if p.name not in self.FLASK_OPTIONS]


cli = XianfengGroup(
    create_app=create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
    help="Xianfeng service. With no command (or only --host/--port): prepare the database and "
    "serve (demo if no WeChat).",
    invoke_without_command=True,
)


@cli.command("serve", with_appcontext=False)
@click.option("--host", default=None, help="Address to listen on (default: server.host).")
@click.option("--port", default=None, type=int, help="Port to listen on (default: server.port).")
def serve(host, port):
    """Prepare the database (demo programme in demo mode) and serve with the scheduler."""
    settings = load_settings()
    host, port = host or settings.server.host, port or settings.server.port
    settings = with_server(settings, host, port)  # demo clients call the emulator there
    _check_port_free(host, port)
    models.database.create_if_missing(settings.database.url)  # before create_app makes keys
    app = create_app(settings)
    with models.db.connection_context():
        models.database.upgrade()
        demo = commands.load_demo_if_empty(settings) if settings.is_demo else None
    scheduler = None
    if settings.scheduler.embedded:
        from jobs.runner import start_embedded

        scheduler = start_embedded(app)
    click.echo(commands.banner(settings, host, port, demo))
    signal.signal(signal.SIGTERM, _stop)  # a service manager's stop: as graceful as Ctrl-C
    try:
        run_simple(host, port, app, threaded=True)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


def _stop(signum, frame):
    raise KeyboardInterrupt


def _check_port_free(host: str, port: int) -> None:
    """Fail before anything starts (and before the banner says it is running)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(
                f"config key server.port: cannot listen on {host}:{port} ({exc.strerror}); "
                "choose another with --port or XIANFENG_SERVER_PORT"
            ) from None


def main(argv=None) -> int:
    """Entry point of `python app.py`: run a command, or `serve` when none is given."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0].startswith("--host") or argv[0].startswith("--port"):
        argv = ["serve", *argv]
    try:
        cli.main(args=argv, prog_name="python app.py", standalone_mode=False)
    except models.database.DatabaseMissing as exc:
        click.echo(_no_database_here(exc.path), err=True)
        return 2
    except ConfigError as exc:
        click.echo(f"配置错误 / configuration error: {exc}", err=True)
        return 2
    except peewee.OperationalError as exc:
        url = redact_url(load_settings().database.url)
        reason = str(exc).strip().splitlines()[0]
        click.echo(
            f"数据库无法连接 / config key database.url: cannot connect to {url}: {reason}",
            err=True,
        )
        return 2
    except click.UsageError as exc:
        exc.show()  # click's own words, with the usage line
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"错误：{exc.format_message()}", err=True)  # ours are Chinese sentences
        return exc.exit_code
    except click.exceptions.Abort:
        return 1
    return 0


PROJECT_DIR = Path(__file__).resolve().parent
DEFAULT_SQLITE = Path("instance", "xianfeng.db")


def _no_database_here(path: Path) -> str:
    """For a command run where the service's database is not: nothing was made there, and
    where to go instead (without a config file, paths start at the working directory)."""
    here = Path.cwd()
    served_there = here != PROJECT_DIR and (PROJECT_DIR / DEFAULT_SQLITE).exists()
    hint = f"（例如：cd {PROJECT_DIR}）" if served_there else ""
    where = f"当前文件夹 {here} 没有服务的数据库" if path.is_relative_to(here) else "没有这个数据库"
    return (
        f"数据库 {path} 不存在（{where}）：命令没有执行，也没有新建任何文件。\n"
        f"请在服务所在的文件夹（运行 python app.py 的文件夹）运行此命令{hint}，"
        "或用环境变量 XIANFENG_CONFIG 指明服务的配置文件。\n"
        "若要在这里新建数据库，请运行 python app.py 或 python app.py db upgrade。"
    )


if __name__ == "__main__":
    sys.exit(main())
