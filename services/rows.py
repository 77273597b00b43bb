"""Row ids, request ids and pages from requests, and row locks: shared by the services that
read or change rows."""

import peewee

from models import db

from .errors import Invalid

MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL; larger ones cannot exist


def is_id(value) -> bool:
    """A value that can be a row id (refused before the database would overflow on it)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


OFFSET_MAX = 1_000_000  # further than anyone pages; a date filter finds older rows


def check_page(limit: int, offset: int, page_max: int) -> None:
    """A list's page: limit 1 to page_max rows, offset 0 to OFFSET_MAX; Invalid (bad_filter)
    naming the parameter that is wrong, so a developer sees which one to fix. One check and
    one wording for every list."""
    checks = (
        (1 <= limit <= page_max, f"每页条数 limit 应在 1 到 {page_max} 之间。"),
        (0 <= offset <= OFFSET_MAX, f"起始位置 offset 应在 0 到 {OFFSET_MAX} 之间。"),
    )
    for ok, message in checks:
        if not ok:
            raise Invalid(message, "bad_filter")


REQUEST_ID_LONGEST = 64  # the register's request_id column


def check_request_id(value, longest: int = REQUEST_ID_LONGEST) -> str:
    """A client's request id (a UUID, a chat MsgId...): 1 to `longest` visible ASCII
    characters, so a retry can be recognised by it; Invalid otherwise."""
    visible = isinstance(value, str) and all("!" <= ch <= "~" for ch in value)
    if not (visible and 0 < len(value) <= longest):
        message = f"请求编号 request_id 应为 1 到 {longest} 个字母、数字或符号。"
        raise Invalid(message, "bad_request_id")
    return value


def locking(query: peewee.Select, mode: str = "FOR UPDATE") -> peewee.Select:
    """The query holding the rows it reads for the rest of this transaction (`mode`: FOR UPDATE,
    or FOR SHARE to let others share them) on PostgreSQL; unchanged on SQLite, where every
    transaction already holds the database's write lock from BEGIN (IMMEDIATE)."""
    return query if isinstance(db.obj, peewee.SqliteDatabase) else query.for_update(mode)


def lock_row(model, row_id: int, mode: str = "FOR UPDATE") -> None:
    """Hold one row for the rest of this transaction, so two changes to it run one after the
    other (`mode` FOR SHARE: so that holders of a share run side by side, and a change waits
    for them): SELECT ... FOR UPDATE on PostgreSQL; on SQLite every transaction already holds
    the database's write lock from BEGIN (IMMEDIATE, see models.database)."""
    if not isinstance(db.obj, peewee.SqliteDatabase):
        model.select(model.id).where(model.id == row_id).for_update(mode).execute()


# A transaction-scoped advisory lock on a name in a space: two 32-bit keys, the first for the
# space within this schema (test runs and deployments sharing a server in separate schemas do
# not wait for each other), the second for the name. A collision of either hash only makes two
# unrelated transactions wait their turn.
_LOCK_NAME = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || %s), hashtext(%s))"


def lock_name(space: str, name: str) -> None:
    """Hold a name that is no row (a photo's digest, a row not written yet) for the rest of
    this transaction, so transactions about the same name run one after the other: a
    PostgreSQL advisory lock released at commit; on SQLite nothing, every transaction holding
    the database's write lock from BEGIN. Sent like any statement, so inside `pipelined()` it
    travels with the questions after it, which the server answers once it is held."""
    if not isinstance(db.obj, peewee.SqliteDatabase):
        db.execute_sql(_LOCK_NAME, (f":{space}", name))


def load_locked(model, row_id, not_found: Exception):
    """The row by id, held for the rest of this transaction (lock_row), else `not_found`
    raised: a change reads the row it changes only after holding it."""
    row = None
    if is_id(row_id):
        lock_row(model, row_id)
        row = model.get_or_none(model.id == row_id)
    if row is None:
        raise not_found
    return row
