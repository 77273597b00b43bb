"""Version 3: leader broadcasts, the outbox's sender lease and urgency, and the scheduler's
lock row (SQLite; PostgreSQL uses an advisory lock, Redis a key)."""
from peewee import *


def up(migrator, db):
    class Member(Model):
        class Meta:
            database = db
            table_name = 'member'

    class Team(Model):
        class Meta:
            database = db
            table_name = 'team'

    class Broadcast(Model):
        team = ForeignKeyField(Team, on_delete='CASCADE')
        sender = ForeignKeyField(Member, on_delete='CASCADE')
        text = TextField()
        request_key = CharField(max_length=120, unique=True)
        created_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'broadcast'

    class JobLock(Model):
        name = CharField(max_length=40, unique=True)
        holder = CharField(max_length=100)
        expires_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'job_lock'

    db.create_tables([Broadcast, JobLock])
    migrator.migrate(
        migrator.add_column(
            'notification', 'broadcast_id',
            ForeignKeyField(Broadcast, null=True, on_delete='CASCADE', field=Broadcast.id),
        ),
        migrator.add_column('notification', 'urgent', BooleanField(default=False)),
        migrator.add_column('notification', 'claimed_until', DateTimeField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('notification', 'claimed_until'),
        migrator.drop_column('notification', 'urgent'),
        migrator.drop_column('notification', 'broadcast_id'),
    )
    migrator.migrate(migrator.drop_table('job_lock'), migrator.drop_table('broadcast'))
