"""Version 10: tries at binding with a typed code, kept a day, so that wrong tries are limited
per WeChat caller and per code over time (services/bind_limits.py) instead of locking a
member's code for good after a few of anyone's wrong tries; a login no longer counts its own
failed binds (the caller's tries do, across logins).

A code is now void after 200 typed tries in its life, where the old rule voided it after 5,
and its holder was told so (「该绑定码已失效」, ask the office for a new one). An unused code
with 5 or more tries that has not expired is expired now, so that those codes stay void: the
new limit would otherwise make them typeable again, for their holders and for whoever made the
tries. Going down leaves them expired (they were void under the old rule as well)."""
from datetime import datetime, timezone
from peewee import *

OLD_VOID_TRIES = 5  # typed tries that voided a code for good before this step


def up(migrator, db):
    class BindCode(Model):
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)
        failed_attempts = IntegerField(default=0)
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

    now = datetime.now(timezone.utc).replace(tzinfo=None)  # times are stored as naive UTC
    BindCode.update(expires_at=now).where(
        (BindCode.failed_attempts >= OLD_VOID_TRIES)
        & BindCode.used_at.is_null()
        & (BindCode.expires_at > now)
    ).execute()


def down(migrator, db):
    migrator.migrate(
        migrator.add_column('api_token', 'failed_binds', IntegerField(default=0)),
        migrator.drop_table('bind_try'),
    )
