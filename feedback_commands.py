"""Printable QR cards for residents' feedback at the server's terminal:
`python app.py feedback cards OUT_FOLDER` (a card for every paired member, for the household)
and `python app.py feedback cards OUT_FOLDER --activity 12` (one to post at an activity).

Each card is a PNG named after the team and the member (or the activity), written whole or
not at all (services.output_files); an existing card is kept unless --force, since it may be
the one already printed. A card's code stays the same however often it is printed.
"""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from models import db
from services import clock, feedback_cards
from services.errors import DomainError

feedback_cli = AppGroup("feedback", help="Residents' feedback (居民评价).")


@feedback_cli.command("cards")
@click.argument("folder")
@click.option("--activity", "activity_id", type=int, help="只生成这个活动的评价卡（活动编号）")
@click.option("--force", is_flag=True, help="覆盖已存在的评价卡")
def cards_command(folder, activity_id, force):
    """Write printable QR cards: every paired member's, or one activity's."""
    try:
        base = feedback_cards.public_base(current_app.config["SETTINGS"])
        with db.connection_context():
            now = clock.now_utc()
            if activity_id is not None:
                cards = [feedback_cards.activity_card(base, activity_id, now)]
            else:
                cards = feedback_cards.member_cards(base, now)
        paths = feedback_cards.write_cards(Path(folder), cards, force)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    for path in paths:
        click.echo(str(path))
    click.echo(f"已生成 {len(paths)} 张评价卡，二维码指向 {base}{feedback_cards.PAGE_PATH}…")
