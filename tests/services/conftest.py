"""Service tests run on a real, freshly migrated database without the app or the emulator."""

import pytest

from models import db
from models.database import bind, make_database


@pytest.fixture
def database(database_url):
    """The models bound to this test's own database, with a connection open."""
    bind(make_database(database_url))
    with db.connection_context():
        yield db
