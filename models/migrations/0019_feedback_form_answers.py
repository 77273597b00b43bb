"""Version 19: each page form's last answer (`feedback_form`), so that a phone's late retry of
an older form, sent after the resident rated again on a newer one, is known for a retry and
no longer puts the old answer back (services.feedback).

The ratings that keep their phone's key bring the answer of the form that last set them: a
retry of that form after the upgrade is a retry still. Older forms' answers were never kept."""
from peewee import *


def up(migrator, db):
    class Feedback(Model):
        class Meta:
            database = db
            table_name = 'feedback'

    class FeedbackForm(Model):
        form_id = CharField(max_length=64, unique=True)
        feedback = ForeignKeyField(Feedback, on_delete='CASCADE')
        rating = SmallIntegerField()
        comment = TextField(default='')
        at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'feedback_form'
    db.create_tables([FeedbackForm])
    db.execute_sql(
        'INSERT INTO feedback_form (form_id, feedback_id, rating, comment, at) '
        'SELECT form_id, id, rating, comment, created_at FROM feedback '
        "WHERE form_id IS NOT NULL AND client_key <> ''"
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_table('feedback_form'))
