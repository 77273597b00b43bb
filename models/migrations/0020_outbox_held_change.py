"""Version 20: an outbox row keeps a change asked of it while a sender held it
(`held_change`, JSON text): withdrawn for a reason, or revised to a new payload. Until now a
withdraw or a revise that met a row being sent left it as it was, so a reminder for an
activity just cancelled still went out; the sender now reads the column right before it
sends (services.outbox). Existing rows have none."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('notification', 'held_change', TextField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('notification', 'held_change'))
