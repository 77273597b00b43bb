"""`db` commands: move a deployed database forward without loss and show where it stands."""

import click
from flask import current_app
from flask.cli import AppGroup

from .base import db
from .database import create_if_missing, pending_migrations, runner, schema_version, upgrade

db_cli = AppGroup("db", help="Database schema.")


@db_cli.command("upgrade")
def upgrade_command():
    """Apply pending schema steps, each in its own transaction (on SQLite, into a new file
    when there is none yet)."""
    create_if_missing(current_app.config["SETTINGS"].database.url)
    with db.connection_context():
        applied = upgrade()
        click.echo(f"applied: {', '.join(applied)}" if applied else "schema is up to date")
        click.echo(f"schema version {schema_version()}")


@db_cli.command("status")
def status_command():
    """List schema steps and whether each is applied; exit 1 when some are pending."""
    with db.connection_context():
        for step in runner().status():
            mark = "x" if step.applied else " "
            click.echo(f"[{mark}] {step.name}")
        if pending_migrations():
            raise SystemExit(1)
