"""Version 15: one rating per phone per target per Shanghai day becomes the database's rule
(until now only the code's, so two posts from one phone at the same instant could both be
added): each page rating keeps what it rates as one value (`target_key`, 'member:12') and its
Shanghai day (`rated_on`), unique with the phone's key. And a keyed hash of the address a held
rating came from (`ip_key`), for the daily ceiling on held ratings.

Earlier page ratings (those with a phone's key) get their day; where a race had left a phone
two ratings of one target on one day, the later one stands, as the rule says ("a later one
replaces the earlier"), and the earlier ones are deleted. Ratings without a phone's key keep
no day and are never in the way."""
from datetime import timedelta
from peewee import *

SHANGHAI = timedelta(hours=8)  # China has kept UTC+8, without summer time, since 1991
KINDS = ('activity', 'member', 'team')


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('feedback', 'target_key', CharField(max_length=40, default='')),
        migrator.add_column('feedback', 'rated_on', DateField(null=True)),
        migrator.add_column('feedback', 'ip_key', CharField(max_length=64, default='')),
    )

    class Feedback(Model):
        target_kind = CharField(max_length=10)
        activity_id = IntegerField(null=True)
        member_id = IntegerField(null=True)
        team_id = IntegerField(null=True)
        client_key = CharField(max_length=64)
        created_at = DateTimeField()
        target_key = CharField(max_length=40)
        rated_on = DateField(null=True)
        class Meta:
            database = db
            table_name = 'feedback'

    standing = {}  # (target_key, day, client_key) -> (created_at, id) of the one kept
    for row in Feedback.select().order_by(Feedback.created_at, Feedback.id):
        target_key = _target_key(row)
        day = (row.created_at + SHANGHAI).date() if row.client_key else None
        if day is not None:
            earlier = standing.get((target_key, day, row.client_key))
            if earlier is not None:
                Feedback.delete().where(Feedback.id == earlier).execute()
            standing[(target_key, day, row.client_key)] = row.id
        fields = {'target_key': target_key, 'rated_on': day}
        Feedback.update(**fields).where(Feedback.id == row.id).execute()

    migrator.migrate(
        migrator.add_index('feedback', ('target_key', 'rated_on', 'client_key'), True),
        migrator.add_index('feedback', ('ip_key', 'rated_on'), False),
    )


def _target_key(row) -> str:
    kind = row.target_kind if row.target_kind in KINDS else ''
    target_id = getattr(row, f'{kind}_id', None) if kind else None
    return f'{kind}:{target_id}' if target_id is not None else ''


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index('feedback', 'feedback_ip_key_rated_on'),
        migrator.drop_index('feedback', 'feedback_target_key_rated_on_client_key'),
        migrator.drop_column('feedback', 'ip_key'),
        migrator.drop_column('feedback', 'rated_on'),
        migrator.drop_column('feedback', 'target_key'),
    )
