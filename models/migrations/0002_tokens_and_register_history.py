"""Version 2: API login tokens, the register's hash-chained history, two columns on the
register entry (the measured check-in distance and the leader's review comment), the office
login lockout, and photo storage keys no longer unique (a reused photo shares its file)."""
from peewee import *


def up(migrator, db):
    class Account(Model):
        class Meta:
            database = db
            table_name = 'account'

    class Member(Model):
        class Meta:
            database = db
            table_name = 'member'

    class ServiceRecord(Model):
        class Meta:
            database = db
            table_name = 'service_record'

    class ApiToken(Model):
        token_hash = CharField(unique=True, max_length=64)
        scope = CharField(max_length=10)
        member = ForeignKeyField(Member, null=True, on_delete='CASCADE')
        account = ForeignKeyField(Account, null=True, on_delete='CASCADE')
        openid = CharField(null=True, max_length=64)
        session_key = CharField(null=True, max_length=64)
        failed_binds = IntegerField(default=0)
        created_at = DateTimeField()
        expires_at = DateTimeField()
        revoked_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'api_token'
            indexes = ((('member',), False), (('openid',), False))
    db.create_tables([ApiToken])

    class RecordHistory(Model):
        record = ForeignKeyField(ServiceRecord, on_delete='CASCADE')
        seq = IntegerField()
        at = DateTimeField()
        actor = CharField(max_length=60)
        action = CharField(max_length=20)
        changes = TextField(default='{}')
        reason = TextField(default='')
        state = TextField(default='{}')
        prev_hash = CharField(max_length=64)
        hash = CharField(max_length=64)
        class Meta:
            database = db
            table_name = 'record_history'
            indexes = ((('record', 'seq'), True),)
    db.create_tables([RecordHistory])

    migrator.migrate(
        migrator.add_column('service_record', 'distance_m', DoubleField(null=True)),
        migrator.add_column('service_record', 'review_comment', TextField(default='')),
        migrator.add_column('account', 'failed_logins', IntegerField(default=0)),
        migrator.add_column('account', 'locked_until', DateTimeField(null=True)),
        migrator.drop_index('photo', 'photo_storage_key'),
        migrator.add_index('photo', ('storage_key',), False),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index('photo', 'photo_storage_key'),
        migrator.add_index('photo', ('storage_key',), True),
        migrator.drop_column('account', 'locked_until'),
        migrator.drop_column('account', 'failed_logins'),
        migrator.drop_column('service_record', 'review_comment'),
        migrator.drop_column('service_record', 'distance_m'),
    )
    migrator.migrate(migrator.drop_table('record_history'))
    migrator.migrate(migrator.drop_table('api_token'))
