"""Hot queries compiled to SQL once, then run with new parameters.

Peewee rebuilds a query's SQL on every execution, and for the short queries that answer a
chat message or a check-in that building costs more than the database does (a profile of
POST /wechat put two thirds of the time in peewee's `__sql__`). A `Prepared` query is written
as an ordinary peewee query whose changing values are named slots (`p.openid`); it is compiled
once per database and afterwards only its parameters are bound. Results come back through
peewee's own cursor wrappers, so rows are the same model instances, with the same field
conversions, as the plain query would give.

    member_by_openid = Prepared(lambda p: Member.select().where(Member.oa_openid == p.openid))
    member = member_by_openid.first(openid="o-123")
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import peewee

from .base import db


class _Bound:
    """A parameter position waiting for a named value, with the column's converter."""

    __slots__ = ("name", "converter")

    def __init__(self, name: str, converter: Callable | None):
        self.name, self.converter = name, converter

    def bind(self, values: dict[str, Any]) -> Any:
        value = values[self.name]
        return self.converter(value) if self.converter and value is not None else value


class _Slot(peewee.Node):
    """A named placeholder inside a peewee query."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name

    def __sql__(self, ctx):
        ctx._values.append(_Bound(self.name, ctx.state.converter))
        return ctx.literal(ctx.state.param or "?")


class _Slots:
    def __getattr__(self, name: str) -> _Slot:
        return _Slot(name)


# The cursor wrappers whose initialize() only derives data from the columns (a named-tuple
# wrapper's makes a closure over the wrapper itself, which must not outlive its run).
_REUSABLE = (
    peewee.ModelObjectCursorWrapper,
    peewee.ModelCursorWrapper,
    peewee.ModelDictCursorWrapper,
    peewee.ModelTupleCursorWrapper,
)


class Prepared:
    """One query, compiled on first use against the bound database (again if it changes)."""

    def __init__(self, build: Callable[[_Slots], peewee.BaseQuery]):
        self._build = build
        self._compiled: tuple | None = None
        self._resolved: dict | None = None  # see rows()
        self._lock = threading.Lock()

    def _compile(self) -> tuple:
        database = db.obj
        compiled = self._compiled
        if compiled is None or compiled[0] is not database:
            with self._lock:
                query = self._build(_Slots())
                sql, params = database.get_sql_context().sql(query).query()
                tuples = query.clone().tuples() if hasattr(query, "tuples") else query
                compiled = self._compiled = (database, query, sql, params, tuples)
                self._resolved = None
        return compiled

    def cursor(self, **values):
        """Run the query with these slot values; the raw DB-API cursor."""
        database, _, sql, params, _ = self._compile()
        bound = [p.bind(values) if isinstance(p, _Bound) else p for p in params]
        return database.execute_sql(sql, bound)

    def send(self, **values) -> Sent:
        """Run the query and read its answer later: inside `pipelined()` the answers of every
        query sent come back together."""
        return Sent(self, self.cursor(**values))

    def rows(self, **values) -> list:
        """Every row, as the query's own row type (model instances unless it said otherwise)."""
        return self.send(**values).rows()

    def first(self, **values):
        """The first row, or None."""
        return self.send(**values).first()

    def scalar(self, **values):
        """The first column of the first row (converted as peewee would), or None."""
        tuples = self._compile()[4]
        rows = list(tuples._get_cursor_wrapper(self.cursor(**values)))
        return rows[0][0] if rows else None

    def column(self, **values) -> list:
        """The first column of every row as the driver gives it (see Sent.column)."""
        return self.send(**values).column()

    def rowcount(self, **values) -> int:
        """Run a write and return how many rows it touched."""
        return self.cursor(**values).rowcount

    def _read(self, cursor) -> list:
        """The rows of a cursor this query ran.

        Peewee's cursor wrapper matches the result's columns to fields and converters on each
        run; for a joined model that costs several times the query itself. The first run's
        matching (what the wrapper's initialize() adds) is kept and handed to later runs: the
        SQL is the same, so are its columns (and asking the driver to describe them again
        costs as much on PostgreSQL)."""
        query = self._compile()[1]
        wrapper = query._get_cursor_wrapper(cursor)
        resolved = self._resolved
        if resolved is not None:
            vars(wrapper).update(resolved)
        fresh = set(vars(wrapper))
        rows = list(wrapper)
        if resolved is None and wrapper.initialized and type(wrapper) in _REUSABLE:
            matched = {k: v for k, v in vars(wrapper).items() if k not in fresh}
            self._resolved = matched | {"initialized": True}
        return rows


class Sent:
    """A query that ran, its answer not read yet."""

    __slots__ = ("_query", "_cursor")

    def __init__(self, query: Prepared, cursor):
        self._query, self._cursor = query, cursor

    def rows(self) -> list:
        return self._query._read(self._cursor)

    def first(self):
        rows = self.rows()
        return rows[0] if rows else None

    def column(self) -> list:
        """The first column of every row as the driver gives it, unconverted: for long lists
        of plain text or numbers, where peewee's per-row work costs more than the query."""
        return [row[0] for row in self._cursor.fetchall()]


@contextmanager
def pipelined():
    """Send the statements run inside without waiting for each answer (psycopg 3's pipeline
    mode): on PostgreSQL they cost one round trip together instead of one each. Read their
    answers (Sent) after the block, each once, and every one before the transaction ends: on
    SQLite (no round trips, so nothing changes) an unread SELECT keeps its snapshot, and the
    connection's next write after another's commit fails. A driver error inside is raised as
    peewee's, as it would be outside."""
    pipeline = getattr(db.connection(), "pipeline", None)
    if pipeline is None:
        yield
        return
    with peewee.__exception_wrapper__, pipeline():
        yield


class PreparedInsert:
    """`Model.create` with the INSERT compiled once: every column is a slot, filled from the
    instance the values make (so field defaults apply) through each field's db_value."""

    def __init__(self, model: type[peewee.Model]):
        self.model = model
        self.fields = [f for f in model._meta.sorted_fields if not isinstance(f, peewee.AutoField)]
        self._insert = Prepared(
            lambda p: model.insert({f: getattr(p, f.name) for f in self.fields})
        )

    def create(self, **values) -> peewee.Model:
        instance = self.model(**values)
        data = instance.__data__
        cursor = self._insert.cursor(**{f.name: f.db_value(data.get(f.name)) for f in self.fields})
        returning = db.obj.returning_clause
        instance._pk = cursor.fetchone()[0] if returning else cursor.lastrowid
        instance._dirty.clear()
        return instance


class PreparedNewRows:
    """Many rows in one `INSERT ... ON CONFLICT DO NOTHING` (SQLite: INSERT OR IGNORE) with
    the statement compiled once per batch size: peewee spends ~50 µs building each row of a
    bulk insert, which dominated a reminder run that queues tens of thousands of messages."""

    def __init__(self, model: type[peewee.Model], fields: list[str]):
        self.model = model
        self.fields = [model._meta.fields[name] for name in fields]
        self._by_size: dict[int, Prepared] = {}

    def insert(self, rows: list[dict]) -> int:
        """Insert rows (each a dict of every field named at construction); returns how many
        were new, a row whose unique key exists already being skipped."""
        if not rows:
            return 0
        values = {
            f"r{i}_{f.name}": f.db_value(row[f.name])
            for i, row in enumerate(rows)
            for f in self.fields
        }
        return self._statement(len(rows)).rowcount(**values)

    def _statement(self, size: int) -> Prepared:
        statement = self._by_size.get(size)
        if statement is None:
            statement = self._by_size[size] = Prepared(
                lambda p: self.model.insert_many(
                    [{f: getattr(p, f"r{i}_{f.name}") for f in self.fields} for i in range(size)]
                ).on_conflict_ignore()
            )
        return statement
