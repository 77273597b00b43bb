"""The office dashboard, the resident pages and the health check."""

from . import devchat
from .feedback import bp as feedback_bp
from .feedback import upper_bp as feedback_upper_bp
from .health import bp as health_bp
from .home import bp as home_bp
from .office import bp as office_bp


def init_app(app) -> None:
    """Register the web blueprints (the /dev/chat page only in demo mode)."""
    app.register_blueprint(health_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(office_bp)
    app.register_blueprint(feedback_bp)
    app.register_blueprint(feedback_upper_bp)
    devchat.init_app(app)
