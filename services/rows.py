"""Row ids from requests and row locks: shared by every service that reads or changes rows."""

import peewee

from models import db

MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL; larger ones cannot exist


def is_id(value) -> bool:
    """A value that can be a row id (refused before the database would overflow on it)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def lock_row(model, row_id: int) -> None:
    """Hold one row for the rest of this transaction, so two changes to it run one after the
    other: SELECT ... FOR UPDATE on PostgreSQL; on SQLite every transaction already holds the
    database's write lock from BEGIN (IMMEDIATE, see models.database)."""
    if not isinstance(db.obj, peewee.SqliteDatabase):
        model.select(model.id).where(model.id == row_id).for_update().execute()
