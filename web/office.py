"""/office: the programme office's dashboard (办公室工作台) in a desktop browser.

The page is static HTML, CSS and a little plain JavaScript (no build step, nothing from the
internet). It logs in with the office's username and password through the JSON API and
reads everything through it with the bearer token, so what the page shows is exactly what the
API lets the office see, in the API's own words (status_name, flag_names, an entry's history
as changes_shown); this blueprint only serves the page and the names of the register's kinds
for its filter, from the table the API names them by.
"""

from flask import Blueprint, make_response, render_template

from services.record_names import KIND_NAMES

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
    names = {"kinds": KIND_NAMES}
    response = make_response(render_template("office/index.html", names=names))
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
