"""The resident's feedback page, opened from a QR card: /r/<code>.

Mobile first, large type and large buttons for elderly residents, and no JavaScript needed:
GET shows what is rated and a plain form (five big star buttons, an optional comment); the
form POSTs back to the same address. Every post is answered with a 303 to a plain page, so
Back never meets the browser's "Confirm Form Resubmission" (web.feedback_outcome): the
thank-you page (/r/<code>/thanks), reached only once the rating is committed; the form again
as the resident left it, under the reason (/r/<code>/again); or a refusal. No account: the
page sets a random cookie (its `client`), the form id it hands out is signed for that cookie
and this card (services.feedback_forms: re-posts record once, other sites cannot post for a
resident). Every refusal is a page in Chinese with a fitting status (404 for a code no card
has), never a traceback.
"""

import logging
import secrets

import peewee
from flask import (
    Blueprint,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from services import clock, feedback
from services.errors import DomainError
from services.feedback_forms import BAD_FORM
from services.feedback_limits import HELD_FULL
from services.feedback_targets import target_by_code

from . import feedback_outcome as outcome

log = logging.getLogger(__name__)
bp = Blueprint(
    "feedback",
    __name__,
    url_prefix="/r",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

# A card's address typed or scanned in capitals (/R/<code>) is the same address.
upper_bp = Blueprint("feedback_upper", __name__, url_prefix="/R")

COOKIE = "xf_rater"
COOKIE_MAX_AGE = 365 * 24 * 3600
AGAIN_COOKIE = "xf_again"  # the form as it came back, for /r/<code>/again
# The comment box's example, fitting what the card rates ({title}: the member's 王同志).
COMMENT_EXAMPLES = {
    "member": "例如：{title}上门帮忙修好了水管，很热心。",
    "activity": "例如：活动安排得很好，志愿者很耐心。",
    "team": "例如：服务队常来社区帮忙，办事认真。",
}
RATING_WORDS = {1: "很不满意", 2: "不满意", 3: "一般", 4: "满意", 5: "非常满意"}
# Refusals the resident can do something about show the form again; the others a page.
FORM_AGAIN = {
    "bad_rating",
    "comment_too_long",
    "bad_text",
    "bad_field",
    "form_expired",
    "form_too_fast",
}
# ...with a fresh form id, for those where the old one would be refused again.
FRESH_FORM = {"form_expired"}
STATUS_TITLES = {
    404: "二维码无法识别",
    409: "暂不能评价",
    410: "无需评价",
    429: "请稍后再评价",
    503: "暂时无法提交",
}
UNAVAILABLE = "系统繁忙，您的评价没有提交成功，请稍后再试。"
# Refusals only a post meets, by code: the post's 303 leads to /r/<code>/refused?why=<code>,
# which says them again. (A GET of the card says the others itself: unknown, gone, not yet.)
POSTED_REFUSALS = {
    "bad_form": (403, BAD_FORM),
    "no_cookie": (403, feedback.NO_COOKIE),
    "feedback_held_full": (429, HELD_FULL),
    "unavailable": (503, UNAVAILABLE),
}
# ...of which these offer the card's page afresh (a new form id for this browser).
RESCAN = {"bad_form", "no_cookie"}
# The pages load only their own stylesheet: no script, no frame, no post elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@bp.after_request
def _security_headers(response):
    """Every /r answer (pages, refusals, the stylesheet) under the same strict policy."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


@bp.context_processor
def _footer():
    """The footer says how long the page keeps its keys of a phone (feedback.key_keep_days)."""
    return {"key_keep_days": current_app.config["SETTINGS"].feedback.key_keep_days}


@bp.get("/<code>")
def rate(code):
    """The form for the card's target."""
    cookie = _cookie()
    target = target_by_code(code, clock.now_utc())
    form_id = _sender(cookie).new_form_id(code, clock.now_utc())
    page = render_template(
        "feedback/rate.html",
        target=target,
        form_id=form_id,
        example=_example(target),
        **_form_values(None, ""),
    )
    return _with_cookie(make_response(page), cookie)


@bp.route("/", methods=["GET", "POST"])
@bp.route("/<code>/<path:rest>", methods=["GET", "POST"])
def no_card(code="", rest=""):
    """Anything else under /r is a card the page cannot read: the same polite 404 page."""
    target_by_code("", clock.now_utc())  # no card has an empty code: raises the 404


@bp.route("/<code>/", methods=["GET", "POST"])
def trailing_slash(code):
    """/r/<code>/ is the card's address (a 308 keeps a POST a POST)."""
    return redirect(f"{bp.url_prefix}/{code}", 308)


@upper_bp.route("/", methods=["GET", "POST"], defaults={"rest": ""})
@upper_bp.route("/<path:rest>", methods=["GET", "POST"])
def upper_case(rest):
    """/R/... is /r/...: the page's own cookie lives under /r."""
    return redirect(f"{bp.url_prefix}/{rest}", 308)


@bp.post("/<code>")
def submit(code):
    """Record the rating, then lead to the thanks; a mistake leads to the form again."""
    form = request.form
    sender = _sender(request.cookies.get(COOKIE, ""), request.remote_addr or "")
    limits = current_app.config["SETTINGS"].feedback
    values = (form.get("rating"), form.get("comment"), form.get("form_id", ""))
    try:
        done = feedback.submit(code, *values, sender, clock.now_utc(), limits)
    except DomainError as exc:
        if exc.code not in FORM_AGAIN:
            raise
        return _see_form_again(code, exc, form)
    token = outcome.thanks_token(_secret(), code, done.feedback.id, done.replaced, clock.now_utc())
    return _see_other(url_for("feedback.thanks", code=code, t=token))


@bp.get("/<code>/thanks")
def thanks(code):
    """The thank-you page of a committed rating (its signed token in the address); without a
    valid one, the card's form."""
    target = target_by_code(code, clock.now_utc())
    shown = outcome.thanks_of(_secret(), code, request.args.get("t", ""), clock.now_utc())
    row = feedback.rating_shown(target, shown["id"]) if shown else None
    if row is None:
        return _see_other(url_for("feedback.rate", code=code))
    context = {"target": target, "rating": row.rating, "replaced": shown["replaced"] is True}
    page = render_template("feedback/thanks.html", words=RATING_WORDS, **context)
    return _no_store(make_response(page))


@bp.get("/<code>/again")
def again(code):
    """The form as the resident left it, under the reason it came back; once the next post is
    answered (or the value is stale), the card's form afresh."""
    now = clock.now_utc()
    target = target_by_code(code, now)
    left = outcome.again_of(_secret(), code, request.cookies.get(AGAIN_COOKIE, ""), now)
    if left is None:
        return _see_other(url_for("feedback.rate", code=code))
    page = render_template(
        "feedback/rate.html",
        target=target,
        form_id=left["form_id"],
        error=left["error"],
        example=_example(target),
        **_form_values(left["rating"], left["comment"]),
    )
    return _no_store(make_response(page, left["status"]))


@bp.get("/<code>/refused")
def refused(code):
    """A refusal only a post meets, said again after its 303 (no database needed)."""
    why = request.args.get("why", "")
    if why not in POSTED_REFUSALS:
        return _see_other(url_for("feedback.rate", code=code))
    status, message = POSTED_REFUSALS[why]
    return _refusal_page(status, message, code if why in RESCAN else None)


def _see_form_again(code: str, exc: DomainError, form):
    """To the form as the resident left it; a fresh form id when the old one would be refused
    again (it grew stale while the page stood open)."""
    form_id = form.get("form_id", "")
    if exc.code in FRESH_FORM:
        form_id = _sender(request.cookies.get(COOKIE, "")).new_form_id(code, clock.now_utc())
    left = {
        "error": exc.message,
        "status": exc.status,
        "rating": _form_values(form.get("rating"), "")["chosen"],
        "comment": form.get("comment", "")[: feedback.COMMENT_LIMIT * 2],
        "form_id": form_id,
    }
    value = outcome.again_value(_secret(), code, left, clock.now_utc())
    return _see_other(url_for("feedback.again", code=code), again=value)


def _example(target) -> str:
    return COMMENT_EXAMPLES[target.kind].format(title=target.title)


def _form_values(rating, comment: str) -> dict:
    chosen = int(rating) if str(rating) in {"1", "2", "3", "4", "5"} else None
    return {
        "chosen": chosen,
        "comment": comment[: feedback.COMMENT_LIMIT * 2],
        "words": RATING_WORDS,
        "limit": feedback.COMMENT_LIMIT,
    }


@bp.errorhandler(DomainError)
def _refused(exc: DomainError):
    """A refusal as a page: the code unknown (404), the target gone (410), not yet (409), too
    many held today (429), a stale or foreign form (400, 403). A post is led to it by a 303:
    the card's own page says the target's refusals again, /refused the rest."""
    if request.method == "POST":
        return _see_other(_refusal_url(exc.code))
    status = {"member_left": 410, "activity_cancelled": 410}.get(exc.code, exc.status)
    code = (request.view_args or {}).get("code")
    return _refusal_page(status, exc.message, code if exc.code in RESCAN else None)


@bp.errorhandler(peewee.DatabaseError)
def _unavailable(exc):
    """The database did not take it: say so, never thank (nothing may be lost after thanks)."""
    log.error("feedback page: database error on %s %s: %s", request.method, request.path, exc)
    if request.method == "POST":
        return _see_other(_refusal_url("unavailable"))
    return _refusal_page(503, UNAVAILABLE)


def _refusal_url(why: str) -> str:
    code = (request.view_args or {}).get("code")
    if why in POSTED_REFUSALS and code:
        return url_for("feedback.refused", code=code, why=why)
    return request.path


def _refusal_page(status: int, message: str, rescan_code: str | None = None):
    title = STATUS_TITLES.get(status, "无法提交")
    rescan = url_for("feedback.rate", code=rescan_code) if rescan_code else None
    page = render_template("feedback/refused.html", title=title, message=message, rescan=rescan)
    return _no_store(make_response(page, status))


def _see_other(url: str, again: str | None = None):
    """A post's answer (and a stale page's): 303 to a plain GET page, carrying the form as it
    came back (`again`) or clearing what an earlier post carried."""
    response = _no_store(redirect(url, 303))
    if again is not None:
        _set_cookie(response, AGAIN_COOKIE, again, outcome.AGAIN_MAX_AGE)
    elif AGAIN_COOKIE in request.cookies:
        response.delete_cookie(AGAIN_COOKIE, path=bp.url_prefix)
    return response


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _cookie() -> str:
    return request.cookies.get(COOKIE) or secrets.token_urlsafe(16)


def _sender(cookie: str, address: str = "") -> feedback.Sender:
    return feedback.Sender(_secret(), cookie, address)


def _with_cookie(response, cookie: str):
    """The page's own cookie (kept a year), and no caching of a page carrying a form id."""
    if request.cookies.get(COOKIE) != cookie:
        _set_cookie(response, COOKIE, cookie, COOKIE_MAX_AGE)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _set_cookie(response, name: str, value: str, max_age: int) -> None:
    """The page's cookies: its own path, no script access, never sent on a cross-site post."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="Lax",
        secure=_secure_cookie(),
        path=bp.url_prefix,
    )


def _secure_cookie() -> bool:
    """Secure when the cards point at https: behind a TLS proxy (no ProxyFix) the request
    itself looks like plain http."""
    settings = current_app.config["SETTINGS"]
    public = settings.feedback.public_url or settings.app.public_url
    return request.is_secure or public.startswith("https://")


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response
