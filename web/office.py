"""/office: the programme office's dashboard (办公室工作台) in a desktop browser.

The page is static HTML, CSS and a little plain JavaScript (no build step, nothing from the
internet). It logs in with the office's username and password through the JSON API and
reads everything through it with the bearer token, so what the page shows is exactly what the
API lets the office see; this blueprint only serves the page and the Chinese names of the
API's codes (history fields, flags, statuses), from the same tables the API names them by.
"""

from flask import Blueprint, make_response, render_template

from services.flags import FLAG_NAMES
from services.history import ACTIONS, LABELS
from services.record_names import KIND_NAMES, SOURCE_NAMES, STATUS_NAMES

bp = Blueprint(
    "office",
    __name__,
    url_prefix="/office",
    template_folder="templates",
    static_folder="static/office",
    static_url_path="/static",
)

#: No inline script or style and nothing from another origin: a register text that slipped
#: through as markup could not run. Photos are same-origin signed links.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@bp.get("")
def page():
    """The dashboard; the views are drawn by office/app.js from the API."""
    names = {
        "fields": LABELS,
        "actions": ACTIONS,
        "flags": FLAG_NAMES,
        "kinds": KIND_NAMES,
        "statuses": STATUS_NAMES,
        "sources": SOURCE_NAMES,
    }
    response = make_response(render_template("office/index.html", names=names))
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
