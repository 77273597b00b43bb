"""Fixtures for the demo, photo, bind-code and account services.

The models are bound to a fresh migrated database by the `database` fixture of
tests/conftest.py; here only the photo folder is added.
"""

import pytest


@pytest.fixture
def photo_root(tmp_path):
    """An empty photo folder for this test."""
    return tmp_path / "photos"
