"""Version 13: residents' feedback from the QR-code pages: the page's form id (a re-post
records nothing more), a keyed hash of the sender for the rate limit, why the local filter
held a comment for the office, and who moderated it when with what note; and the random
code each rated target's QR card carries."""
from peewee import *


def up(migrator, db):
    class Account(Model):
        class Meta:
            database = db
            table_name = 'account'

    class Activity(Model):
        class Meta:
            database = db
            table_name = 'activity'

    class Member(Model):
        class Meta:
            database = db
            table_name = 'member'

    class Team(Model):
        class Meta:
            database = db
            table_name = 'team'

    moderated_by = ForeignKeyField(Account, null=True, on_delete='SET NULL', field=Account.id)
    migrator.migrate(
        migrator.add_column('feedback', 'form_id', CharField(max_length=64, null=True)),
        migrator.add_column('feedback', 'client_key', CharField(max_length=64, default='')),
        migrator.add_column('feedback', 'held_reason', CharField(max_length=20, default='')),
        migrator.add_column('feedback', 'moderation_note', TextField(default='')),
        migrator.add_column('feedback', 'moderated_by_id', moderated_by),
        migrator.add_column('feedback', 'moderated_at', DateTimeField(null=True)),
        migrator.add_index('feedback', ('form_id',), True),
        migrator.add_index('feedback', ('client_key', 'created_at'), False),
    )

    class FeedbackCode(Model):
        code = CharField(max_length=32, unique=True)
        target_key = CharField(max_length=40, unique=True)
        target_kind = CharField(max_length=10)
        activity = ForeignKeyField(Activity, null=True, on_delete='CASCADE')
        member = ForeignKeyField(Member, null=True, on_delete='CASCADE')
        team = ForeignKeyField(Team, null=True, on_delete='CASCADE')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'feedback_code'
    db.create_tables([FeedbackCode])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('feedback_code'))
    migrator.migrate(
        migrator.drop_index('feedback', 'feedback_client_key_created_at'),
        migrator.drop_index('feedback', 'feedback_form_id'),
        migrator.drop_index('feedback', 'feedback_moderated_by_id'),
        migrator.drop_column('feedback', 'moderated_at'),
        migrator.drop_column('feedback', 'moderated_by_id'),
        migrator.drop_column('feedback', 'moderation_note'),
        migrator.drop_column('feedback', 'held_reason'),
        migrator.drop_column('feedback', 'client_key'),
        migrator.drop_column('feedback', 'form_id'),
    )
