"""The mini-program JSON API under /api/v1."""

from flask import Blueprint

from .errors import register_error_handlers

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app) -> None:
    """Register the API blueprint and its JSON error shape."""
    register_error_handlers(app)
    app.register_blueprint(bp)
