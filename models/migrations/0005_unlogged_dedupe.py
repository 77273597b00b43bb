"""Version 5: on PostgreSQL the table of handled WeChat pushes is UNLOGGED.

Its rows only matter while WeChat may still retry a push (about 15 s), and losing them in a
crash of the database server means at worst that a push's work is redone. Unlogged, an
INSERT writes no WAL, so its commit never waits for the disk: a push's claim is one statement
instead of a transaction that turns synchronous_commit off for itself (four round trips).
The table is emptied if the server crashes, and is not copied to standbys. SQLite has no
such tables; there nothing changes (its commits never wait for the disk, see database.py)."""
from peewee import PostgresqlDatabase


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("ALTER TABLE inbound_message SET UNLOGGED")


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("ALTER TABLE inbound_message SET LOGGED")
