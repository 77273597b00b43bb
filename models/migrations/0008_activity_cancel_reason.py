"""Version 8: an activity keeps why it was cancelled, so members and the mini-program can read
it with the activity (it was only in the audit log, which nothing shows them)."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('activity', 'cancel_reason', CharField(max_length=200, default='')),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column('activity', 'cancel_reason'))
