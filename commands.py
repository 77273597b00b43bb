"""Operator commands: roster import, demo programme, bind codes, accounts, the emulator."""

from pathlib import Path

import click

from models import Account, Member, db
from services import clock
from settings import Settings


def init_app(app) -> None:
    """Attach the operator commands to the app's command line."""
    for command in (demo_command,):
        app.cli.add_command(command)


def load_demo_if_empty(settings: Settings):
    """Load the demo programme into an empty database, or refresh it where it is the demo."""
    from services.demo import load_demo

    is_demo_db = Account.select().where(Account.username == "office").exists()
    if Member.select().exists() and not is_demo_db:
        return None
    return load_demo(Path(settings.storage.photo_dir), clock.now_utc())


@click.command("demo")
def demo_command():
    """Load the demo programme (safe to run twice)."""
    from flask import current_app
    from services.demo import load_demo

    settings = current_app.config["SETTINGS"]
    with db.connection_context():
        summary = load_demo(Path(settings.storage.photo_dir), clock.now_utc())
    click.echo(summary)


def banner(settings: Settings, host: str, port: int, demo) -> str:
    """What was started and where, for the person who just ran the service."""
    url = f"http://{host}:{port}"
    lines = [
        "",
        "先锋 Xianfeng is running",
        f"  service      {url}/",
        f"  health       {url}/healthz",
        f"  database     {settings.database.url}",
        f"  photos       {Path(settings.storage.photo_dir).resolve()}",
        f"  scheduler    {'in this process' if settings.scheduler.embedded else 'external'}",
    ]
    if settings.is_demo:
        lines.append(f"  WeChat       emulator at {settings.wechat.api_base_url}")
    if demo is not None:
        lines += _demo_lines(demo)
    return "\n".join(lines) + "\n"


def _demo_lines(demo) -> list[str]:
    return [
        "",
        "Demo programme (演示数据)",
        f"  {demo}",
    ]
