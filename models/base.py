"""The database proxy every model binds to, and the shared base model."""

import json

import peewee

db = peewee.DatabaseProxy()


class JSONField(peewee.TextField):
    """JSON kept as text, so the same schema works on SQLite and PostgreSQL. Keys keep the
    order they were written in (a message's labelled lines are shown in that order)."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(peewee.Model):
    class Meta:
        database = db
        legacy_table_names = False
