"""Version 5: the handled-push table loses its index on received_at. Every WeChat push writes
a row, and keeping that index cost a quarter of the write; the only reader is the daily purge
of rows older than two days, which scans a table that small at once."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.drop_index('inbound_message', 'inboundmessage_received_at'))


def down(migrator, db):
    migrator.migrate(
        migrator.add_index(
            'inbound_message', ('received_at',), False, name='inboundmessage_received_at'
        ),
    )
