"""The landing page: what this service is and where its parts are."""

from flask import Blueprint, current_app, render_template

bp = Blueprint("home", __name__, template_folder="templates")


@bp.get("/")
def index():
    return render_template("index.html", demo=current_app.config["SETTINGS"].is_demo)
