"""The office dashboard, the resident pages and the health check."""

from .health import bp as health_bp


def init_app(app) -> None:
    """Register the web blueprints."""
    app.register_blueprint(health_bp)
