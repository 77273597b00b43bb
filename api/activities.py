"""Placeholder: routes for activities are being written."""

from . import bp  # noqa: F401

OPENAPI: dict = {}
