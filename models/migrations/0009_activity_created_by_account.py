"""Version 9: an activity keeps which office login published it, so the mini-program can say
who did (created_by named only a leader, and was empty for the office's activities and
tasks). Activities published before are filled in from the audit log's activity_create
entries, where their login still exists; those whose publisher is unknown stay empty."""
from peewee import *

OFFICE_LABEL = 'office:'  # services.actors.OFFICE_LABEL, as the audit log's actor begins


def up(migrator, db):
    class Account(Model):
        class Meta:
            database = db
            table_name = 'account'

    class Activity(Model):
        created_by_account = ForeignKeyField(Account, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'activity'

    class AuditLog(Model):
        actor = CharField()
        action = CharField()
        object_type = CharField()
        object_id = CharField()
        class Meta:
            database = db
            table_name = 'audit_log'

    migrator.migrate(
        migrator.add_column(
            'activity', 'created_by_account_id',
            ForeignKeyField(Account, null=True, on_delete='SET NULL', field=Account.id),
        ),
    )
    created = AuditLog.select(AuditLog.object_id, AuditLog.actor).where(
        (AuditLog.action == 'activity_create')
        & (AuditLog.object_type == 'activity')
        & AuditLog.actor.startswith(OFFICE_LABEL)
    )
    accounts = {account.id for account in Account.select(Account.id)}
    for object_id, actor in created.tuples():
        account_id = actor[len(OFFICE_LABEL):]
        if object_id.isdigit() and account_id.isdigit() and int(account_id) in accounts:
            Activity.update(created_by_account=int(account_id)).where(
                Activity.id == int(object_id)
            ).execute()


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index('activity', 'activity_created_by_account_id'),
        migrator.drop_column('activity', 'created_by_account_id'),
    )
