"""Row ids and request ids from requests, and row locks: shared by the services that read
or change rows."""

import peewee

from models import db

from .errors import Invalid

MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL; larger ones cannot exist


def is_id(value) -> bool:
    """A value that can be a row id (refused before the database would overflow on it)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


REQUEST_ID_LONGEST = 64  # the register's request_id column


def check_request_id(value, longest: int = REQUEST_ID_LONGEST) -> str:
    """A client's request id (a UUID, a chat MsgId...): 1 to `longest` visible ASCII
    characters, so a retry can be recognised by it; Invalid otherwise."""
    visible = isinstance(value, str) and all("!" <= ch <= "~" for ch in value)
    if not (visible and 0 < len(value) <= longest):
        message = f"请求编号 request_id 应为 1 到 {longest} 个字母、数字或符号。"
        raise Invalid(message, "bad_request_id")
    return value


def lock_row(model, row_id: int) -> None:
    """Hold one row for the rest of this transaction, so two changes to it run one after the
    other: SELECT ... FOR UPDATE on PostgreSQL; on SQLite every transaction already holds the
    database's write lock from BEGIN (IMMEDIATE, see models.database)."""
    if not isinstance(db.obj, peewee.SqliteDatabase):
        model.select(model.id).where(model.id == row_id).for_update().execute()
