"""The resident's feedback page, opened from a QR card: /r/<code>.

Mobile first, large type and large buttons for elderly residents, and no JavaScript needed:
GET shows what is rated and a plain form (five big star buttons, an optional comment); the
form POSTs back to the same address and the answer is a thank-you page, given only once the
rating is committed. No account: the page sets a random cookie (its `client`), the form id
it hands out is signed for that cookie and this card (services.feedback_forms: re-posts
record once, other sites cannot post for a resident). Every refusal is a page in Chinese
with a fitting status (404 for a code no card has), never a traceback.
"""

import logging
import secrets

import peewee
from flask import Blueprint, current_app, make_response, redirect, render_template, request

from services import clock, feedback
from services.errors import DomainError
from services.feedback_targets import target_by_code

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
STATUS_TITLES = {404: "二维码无法识别", 409: "暂不能评价", 410: "无需评价", 429: "请稍后再评价"}
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
    """Record the rating, then thank the resident; a mistake shows the form again."""
    form = request.form
    sender = _sender(request.cookies.get(COOKIE, ""), request.remote_addr or "")
    limits = current_app.config["SETTINGS"].feedback
    values = (form.get("rating"), form.get("comment"), form.get("form_id", ""))
    try:
        done = feedback.submit(code, *values, sender, clock.now_utc(), limits)
    except DomainError as exc:
        if exc.code not in FORM_AGAIN:
            raise
        return _form_again(code, exc, form)
    context = {"target": done.target, "done": done, "words": RATING_WORDS}
    return _no_store(make_response(render_template("feedback/thanks.html", **context)))


def _form_again(code: str, exc: DomainError, form):
    """The form as the resident left it, under the reason; a fresh form id when the old one
    would be refused again (it grew stale while the page stood open)."""
    target = target_by_code(code, clock.now_utc())
    values = _form_values(form.get("rating"), form.get("comment", ""))
    form_id = form.get("form_id", "")
    if exc.code in FRESH_FORM:
        form_id = _sender(request.cookies.get(COOKIE, "")).new_form_id(code, clock.now_utc())
    page = render_template(
        "feedback/rate.html",
        target=target,
        form_id=form_id,
        error=exc.message,
        example=_example(target),
        **values,
    )
    return _no_store(make_response(page, exc.status))


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
    many held today (429), a stale or foreign form (400, 403)."""
    status = {"member_left": 410, "activity_cancelled": 410}.get(exc.code, exc.status)
    title = STATUS_TITLES.get(status, "无法提交")
    rescan = exc.code in ("bad_form", "no_cookie")
    page = render_template("feedback/refused.html", title=title, message=exc.message, rescan=rescan)
    return _no_store(make_response(page, status))


@bp.errorhandler(peewee.DatabaseError)
def _unavailable(exc):
    """The database did not take it: say so, never thank (nothing may be lost after thanks)."""
    log.error("feedback page: database error on %s %s: %s", request.method, request.path, exc)
    message = "系统繁忙，您的评价没有提交成功，请稍后再试。"
    page = render_template("feedback/refused.html", title="暂时无法提交", message=message)
    return _no_store(make_response(page, 503))


def _cookie() -> str:
    return request.cookies.get(COOKIE) or secrets.token_urlsafe(16)


def _sender(cookie: str, address: str = "") -> feedback.Sender:
    return feedback.Sender(current_app.config["SECRET_KEY"], cookie, address)


def _with_cookie(response, cookie: str):
    """The page's own cookie (kept a year), and no caching of a page carrying a form id."""
    if request.cookies.get(COOKIE) != cookie:
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=_secure_cookie(),
            path=bp.url_prefix,
        )
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _secure_cookie() -> bool:
    """Secure when the cards point at https: behind a TLS proxy (no ProxyFix) the request
    itself looks like plain http."""
    settings = current_app.config["SETTINGS"]
    public = settings.feedback.public_url or settings.app.public_url
    return request.is_secure or public.startswith("https://")


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response
