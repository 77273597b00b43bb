"""Version 21: every spell of a member in the programme (`member_spell`: joined, left), where
the member row kept only the last day of leaving (`left_on`), cleared by a return. A member
away for a quarter and back counted in it; now a return opens a new spell and the period
rules ask the spells (services.spells).

Each member gets the one spell the old columns describe, so that every period counts whom it
counted before: from the Shanghai day they were added (`created_at`, the day the quarters
counted them from) until `left_on` for one who has left, still open for one who has not. An
inactive member without a day of leaving, whom no quarter counted, gets none. `left_on` goes:
the spells hold it. Going down puts back the last day of leaving of those who are away."""
from datetime import timedelta
from peewee import *

SHANGHAI = timedelta(hours=8)  # China has kept UTC+8, without summer time, since 1991
BATCH = 500


def up(migrator, db):
    class Member(Model):
        active = BooleanField()
        left_on = DateField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'member'

    class MemberSpell(Model):
        member = ForeignKeyField(Member, on_delete='CASCADE')
        joined_on = DateField()
        left_on = DateField(null=True)
        class Meta:
            database = db
            table_name = 'member_spell'
            indexes = ((('member', 'joined_on'), True),)
    db.create_tables([MemberSpell])
    db.execute(MemberSpell.index(MemberSpell.member, unique=True,
                                 where=MemberSpell.left_on.is_null(), name='member_spell_open'))
    query = Member.select(Member.id, Member.active, Member.left_on, Member.created_at)
    spells = [
        {'member': m.id, 'joined_on': (m.created_at + SHANGHAI).date(),
         'left_on': None if m.active else m.left_on}
        for m in query.order_by(Member.id)
        if m.active or m.left_on is not None
    ]
    for start in range(0, len(spells), BATCH):
        MemberSpell.insert_many(spells[start:start + BATCH]).execute()
    migrator.migrate(migrator.drop_column('member', 'left_on'))


def down(migrator, db):
    migrator.migrate(migrator.add_column('member', 'left_on', DateField(null=True)))

    class Member(Model):
        active = BooleanField()
        left_on = DateField(null=True)
        class Meta:
            database = db
            table_name = 'member'

    class MemberSpell(Model):
        member = ForeignKeyField(Member)
        left_on = DateField(null=True)
        class Meta:
            database = db
            table_name = 'member_spell'
    last = fn.MAX(MemberSpell.left_on)
    away = (
        MemberSpell.select(MemberSpell.member, last)
        .join(Member)
        .where(Member.active == False)
        .group_by(MemberSpell.member)
        .tuples()
    )
    for member_id, left_on in list(away):
        left_on = DateField().python_value(left_on)  # SQLite gives an aggregate's value as text
        Member.update(left_on=left_on).where(Member.id == member_id).execute()
    migrator.migrate(migrator.drop_table('member_spell'))
