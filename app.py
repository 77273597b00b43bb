"""Xianfeng: the application factory and the command line (`python app.py ...`)."""

import logging
import secrets
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup
from werkzeug.serving import run_simple

import api
import commands
import jobs
import models.database
import web
import wechat
from settings import ConfigError, Settings, load_settings, with_secret_key, with_server


def create_app(config: Settings | dict | None = None) -> Flask:
    """Build the app from Settings, a mapping of overrides, or the config file + environment."""
    settings = config if isinstance(config, Settings) else load_settings(overrides=config)
    app = Flask(__name__)
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.app.secret_key,
        MAX_CONTENT_LENGTH=settings.app.max_content_mb * 1024 * 1024,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    _configure_logging(settings)
    models.database.bind(
        models.database.make_database(settings.database.url, settings.database.busy_timeout_ms)
    )
    models.database.init_app(app)
    for part in (wechat, api, web, jobs, commands):
        part.init_app(app)
    return app


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.app.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _prepare(settings: Settings, host: str, port: int) -> Settings:
    """Fill in what serve needs: the address (demo clients call the emulator there) and a
    secret key."""
    settings = with_server(settings, host, port)
    data_dir = Path(settings.app.data_dir)
    if not settings.app.secret_key:
        if not settings.is_demo:
            raise ConfigError("config key app.secret_key is required outside demo mode")
        settings = with_secret_key(settings, _demo_secret(data_dir))
    return settings


def _demo_secret(data_dir: Path) -> str:
    """A random secret kept in the data folder, so demo logins survive a restart."""
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()


def _check_database(settings: Settings) -> None:
    if not models.database.is_reachable():
        raise ConfigError(f"config key database.url: cannot connect to {settings.database.url}")


cli = FlaskGroup(
    create_app=create_app,
    add_default_commands=False,
    help="Xianfeng service. With no command: prepare the database and serve (demo if no WeChat).",
    invoke_without_command=True,
)


@cli.command("serve", with_appcontext=False)
@click.option("--host", default=None, help="Address to listen on (default: server.host).")
@click.option("--port", default=None, type=int, help="Port to listen on (default: server.port).")
def serve(host, port):
    """Prepare the database (demo programme in demo mode) and serve with the scheduler."""
    settings = load_settings()
    host, port = host or settings.server.host, port or settings.server.port
    settings = _prepare(settings, host, port)
    app = create_app(settings)
    _check_database(settings)
    with models.db.connection_context():
        models.database.upgrade()
        demo = commands.load_demo_if_empty(settings) if settings.is_demo else None
    if settings.scheduler.embedded:
        from jobs.runner import start_embedded

        start_embedded(app)
    click.echo(commands.banner(settings, host, port, demo))
    run_simple(host, port, app, threaded=True)


def main(argv=None) -> int:
    """Entry point of `python app.py`: run a command, or `serve` when none is given."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0].startswith("--host") or argv[0].startswith("--port"):
        argv = ["serve", *argv]
    try:
        cli.main(args=argv, prog_name="python app.py", standalone_mode=False)
    except ConfigError as exc:
        click.echo(f"配置错误 / configuration error: {exc}", err=True)
        return 2
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
