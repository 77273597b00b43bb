"""Version 16: the office's annual assessment (年度考核) of each member: the grade it decided,
whether the member is commended (表彰), who decided and when, and a count of decisions so that
one clerk never silently overwrites another; and the years the office has made final, with
each member's figures and suggestion as they were then (snapshot, JSON).

It touches only the assessment table (unused until now) and adds a table of its own, so it
applies after version 14 or 15 alike."""
from peewee import *


def up(migrator, db):
    class Account(Model):
        class Meta:
            database = db
            table_name = 'account'

    decided_by = ForeignKeyField(Account, null=True, on_delete='SET NULL', field=Account.id)
    migrator.migrate(
        migrator.add_column('assessment', 'grade', CharField(max_length=10, default='')),
        migrator.add_column('assessment', 'commended', BooleanField(default=False)),
        migrator.add_column('assessment', 'decided_by_id', decided_by),
        migrator.add_column('assessment', 'decided_at', DateTimeField(null=True)),
        migrator.add_column('assessment', 'version', IntegerField(default=0)),
    )

    class AssessmentYear(Model):
        year = SmallIntegerField(unique=True)
        finalised_by = ForeignKeyField(Account, null=True, on_delete='SET NULL')
        finalised_at = DateTimeField()
        snapshot = TextField(null=True)
        class Meta:
            database = db
            table_name = 'assessment_year'
    db.create_tables([AssessmentYear])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('assessment_year'))
    migrator.migrate(
        migrator.drop_index('assessment', 'assessment_decided_by_id'),
        migrator.drop_column('assessment', 'version'),
        migrator.drop_column('assessment', 'decided_at'),
        migrator.drop_column('assessment', 'decided_by_id'),
        migrator.drop_column('assessment', 'commended'),
        migrator.drop_column('assessment', 'grade'),
    )
