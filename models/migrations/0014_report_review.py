"""Version 14: the office's decision on a quarterly report: who decided and when, and why a
returned report went back to its leader."""
from peewee import *


def up(migrator, db):
    class Account(Model):
        class Meta:
            database = db
            table_name = 'account'

    decided_by = ForeignKeyField(Account, null=True, on_delete='SET NULL', field=Account.id)
    migrator.migrate(
        migrator.add_column('quarterly_report', 'decided_by_id', decided_by),
        migrator.add_column('quarterly_report', 'decided_at', DateTimeField(null=True)),
        migrator.add_column('quarterly_report', 'return_reason', TextField(default='')),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index('quarterly_report', 'quarterly_report_decided_by_id'),
        migrator.drop_column('quarterly_report', 'return_reason'),
        migrator.drop_column('quarterly_report', 'decided_at'),
        migrator.drop_column('quarterly_report', 'decided_by_id'),
    )
