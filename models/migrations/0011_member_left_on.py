"""Version 11: a member keeps the day they left (`left_on`), so a quarter they were on the
roster for keeps counting them after they leave (until now only `active` said they had gone,
and a past quarter's report lost them).

Members already inactive get a best estimate, since nothing recorded the day: the last day
they are known to have been there, i.e. the Shanghai day of their latest check-in or WeChat
interaction, or the day they were added when there is neither. Every quarter in which they
served keeps counting them, as before (the reports counted an inactive member who served in
the quarter); the quarters between joining and that day now count them too, and the
quarters after it still do not."""
from datetime import datetime, timedelta
from peewee import *

SHANGHAI = timedelta(hours=8)  # China has kept UTC+8, without summer time, since 1991


def up(migrator, db):
    migrator.migrate(migrator.add_column('member', 'left_on', DateField(null=True)))

    class Member(Model):
        active = BooleanField()
        left_on = DateField(null=True)
        last_interaction_at = DateTimeField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'member'

    class ServiceRecord(Model):
        member = ForeignKeyField(Member)
        checkin_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'service_record'

    latest = fn.MAX(ServiceRecord.checkin_at).alias('latest')
    query = (
        Member.select(Member.id, Member.last_interaction_at, Member.created_at, latest)
        .join(ServiceRecord, JOIN.LEFT_OUTER)
        .where(Member.active == False)
        .group_by(Member.id, Member.last_interaction_at, Member.created_at)
    )
    for member in list(query):
        times = (member.latest, member.last_interaction_at, member.created_at)
        last = max(_as_time(t) for t in times if t is not None)
        Member.update(left_on=(last + SHANGHAI).date()).where(Member.id == member.id).execute()


def _as_time(value):
    """A stored UTC time as a datetime (SQLite gives an aggregate's value as text)."""
    return DateTimeField().python_value(value) if isinstance(value, str) else value


def down(migrator, db):
    migrator.migrate(migrator.drop_column('member', 'left_on'))
