"""Placeholder: routes for checkins are being written."""

from . import bp  # noqa: F401

OPENAPI: dict = {}
