"""GET /healthz: database reachability, scheduler state and version, for probes and people."""

from importlib.metadata import PackageNotFoundError, version

from flask import Blueprint, current_app, jsonify

import jobs
from models.database import probe

bp = Blueprint("health", __name__)


def app_version() -> str:
    try:
        return version("xianfeng")
    except PackageNotFoundError:
        return "unknown"


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 otherwise, with the details either way."""
    version = probe()
    database_ok = version is not None
    body = {
        "status": "ok" if database_ok else "error",
        "version": app_version(),
        "database": {"reachable": database_ok, "schema_version": version},
        "scheduler": jobs.scheduler_state(),
        "demo": current_app.config["SETTINGS"].is_demo,
    }
    return jsonify(body), 200 if database_ok else 503
