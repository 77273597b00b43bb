"""Version 10: tries at binding with a typed code, kept a day, so that wrong tries are limited
per WeChat caller and per code over time (services/bind_limits.py) instead of locking a
member's code for good after a few of anyone's wrong tries; a login no longer counts its own
failed binds (the caller's tries do, across logins)."""
from peewee import *


def up(migrator, db):
    class BindCode(Model):
        class Meta:
            database = db
            table_name = 'bind_code'

    class BindTry(Model):
        caller = CharField(max_length=80)
        bind_code = ForeignKeyField(BindCode, null=True, on_delete='CASCADE', index=False)
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'bind_try'
            indexes = ((('caller', 'at'), False), (('bind_code', 'at'), False))
    db.create_tables([BindTry])
    migrator.migrate(migrator.drop_column('api_token', 'failed_binds'))


def down(migrator, db):
    migrator.migrate(
        migrator.add_column('api_token', 'failed_binds', IntegerField(default=0)),
        migrator.drop_table('bind_try'),
    )
