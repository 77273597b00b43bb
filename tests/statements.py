"""Counting the SQL statements a piece of code runs (peewee's query hook), for tests that
prove a number of statements does not grow with the data or that a write was saved."""

from contextlib import contextmanager

from models import db


@contextmanager
def count_queries():
    """The statements run inside the block, as peewee's QueryEvents (each has .sql)."""
    seen: list = []
    hook = seen.append
    db.obj.query_hooks.append(hook)
    try:
        yield seen
    finally:
        db.obj.query_hooks.remove(hook)
