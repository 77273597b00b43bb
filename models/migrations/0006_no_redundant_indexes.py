"""Version 6: indexes that another index already covers are dropped, and so are the photo
indexes nothing reads. Each one was written on every check-in. An index on member, activity or
household alone is the first column of a two-column index beside it, which serves the same
lookups. The photo hashes are compared in Python; a photo is never looked up by its key or
its perceptual hash. The photo sha256 index stays: the reused-photo lookup reads it."""
from peewee import *


DROPPED = [
    ('service_record', 'servicerecord_member_id', ('member_id',)),
    ('service_record', 'servicerecord_activity_id', ('activity_id',)),
    ('service_record', 'servicerecord_household_id', ('household_id',)),
    ('record_history', 'recordhistory_record_id', ('record_id',)),
    ('photo', 'photo_storage_key', ('storage_key',)),
    ('photo', 'photo_phash', ('phash',)),
]


def up(migrator, db):
    migrator.migrate(*(migrator.drop_index(table, name) for table, name, _ in DROPPED))


def down(migrator, db):
    migrator.migrate(
        *(migrator.add_index(table, columns, False, name=name) for table, name, columns in DROPPED)
    )
