"""Version 4: indexes for the daily jobs' scans. The visit reminders look up each pairing's
last visit that counts (a partial index holding only visits not rejected, so the lookup never
reads the register's rows), and skip reminders already written this period (by kind and
time, so the read does not grow with the outbox's history)."""
from peewee import *


VISITS_WHERE = "kind = 'visit' AND status != 'rejected'"


def up(migrator, db):
    migrator.migrate(
        migrator.add_index(
            'service_record', ('household_id', 'member_id', 'checkin_at'), False,
            where=SQL(VISITS_WHERE), name='servicerecord_visits',
        ),
        migrator.add_index('notification', ('kind', 'created_at'), False),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index('notification', 'notification_kind_created_at'),
        migrator.drop_index('service_record', 'servicerecord_visits'),
    )
