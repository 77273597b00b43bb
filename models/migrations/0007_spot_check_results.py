"""Version 7: the results the office records for its daily spot checks, one row each, so a
result changed later keeps the earlier one with who recorded it and when (spot_check itself
holds the result standing)."""
from peewee import *


def up(migrator, db):
    class Account(Model):
        class Meta:
            database = db
            table_name = 'account'

    class SpotCheck(Model):
        class Meta:
            database = db
            table_name = 'spot_check'

    class SpotCheckResult(Model):
        spot_check = ForeignKeyField(SpotCheck, on_delete='CASCADE')
        result = CharField(max_length=10)
        note = TextField(default='')
        recorded_by = ForeignKeyField(Account, null=True, on_delete='SET NULL')
        recorded_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'spot_check_result'
    db.create_tables([SpotCheckResult])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('spot_check_result'))
