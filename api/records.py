"""Placeholder: routes for records are being written."""

from . import bp  # noqa: F401

OPENAPI: dict = {}
