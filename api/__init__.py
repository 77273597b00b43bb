"""The mini-program JSON API under /api/v1."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# View modules register their routes on bp when imported; each declares OPENAPI beside them.
from . import (  # noqa: E402
    activities,
    annual,
    broadcast_audit,
    checkins,
    exports,
    feedback,
    login,
    me,
    notifications,
    office_overview,
    office_roster,
    openapi,
    photos,
    records,
    reports,
    spot_checks,
    team,
    team_members,
)

MODULES = [
    login,
    me,
    activities,
    checkins,
    records,
    photos,
    team,
    team_members,
    broadcast_audit,
    notifications,
    office_overview,
    reports,
    spot_checks,
    feedback,
    exports,
    office_roster,
    annual,
]
openapi.register(bp, MODULES)


def init_app(app) -> None:
    """Register the API blueprint and the JSON error shape."""
    from .errors import register_error_handlers

    register_error_handlers(app)
    app.register_blueprint(bp)
