"""Version 18: the assessment's `commendation` text goes. The first schema kept a commendation
as free text; since version 16 whether a member is commended is the `commended` flag, and
nothing has written or read the text since (it only ever held its empty default).

Both databases drop the column in place (SQLite 3.35 and later; an older SQLite has peewee
copy the table, CHECK and indexes kept). Nothing else touches the assessment table, so the
step applies after version 16 or 17 alike."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.drop_column('assessment', 'commendation'))


def down(migrator, db):
    migrator.migrate(
        migrator.add_column('assessment', 'commendation', CharField(max_length=50, default='')),
    )
