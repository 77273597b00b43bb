"""Version 12: the mini-program's subscribe-message reports kept by their request_id, so a
report retried over a bad network adds no grant a second time."""
from peewee import *


def up(migrator, db):
    class Member(Model):
        class Meta:
            database = db
            table_name = 'member'

    class SubscriptionReport(Model):
        member = ForeignKeyField(Member, on_delete='CASCADE', index=False)
        request_id = CharField(max_length=64)
        results = TextField()
        reported_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'subscription_report'
            indexes = ((('member', 'request_id'), True),)

    db.create_tables([SubscriptionReport])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('subscription_report'))
