"""The feedback page's form id: what makes a re-post record once and a forged post record
nothing, on a page without accounts.

The page hands out a fresh form id with every form: a random nonce, the time it was issued,
and an HMAC under the service's secret of those with the card's code and the browser's own
cookie (the `client`). A post must bring a form id this service issued, for this card, to
this browser, less than FORM_TTL ago:

- the same form posted twice (a double tap, a reload of the thank-you page, a retry over a
  bad network) carries the same id, and the feedback row's unique form_id records it once;
- another site cannot make a resident's browser post a rating: it cannot read the cookie,
  so it cannot sign a form id for it (and the cookie, SameSite=Lax, is not even sent on a
  cross-site POST). This is the page's CSRF protection; no session is needed.

A changed secret voids only the forms open at that moment (the page says to scan again).
"""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from .errors import Forbidden, Invalid

FORM_TTL = timedelta(hours=12)
NONCE_BYTES = 9
_PURPOSE = b"feedback-form"
#: The page shows the form again, with what was chosen and typed, under this line.
#: Said when a form id is not one this service issued for this card and browser.
BAD_FORM = "页面已失效，请重新扫码评价。"
EXPIRED = "页面打开的时间比较长，刚才没有提交成功。您选的星级和留言都还在，请再按一次“提交评价”。"


def new_form_id(secret: str, code: str, client: str, now: datetime) -> str:
    """A form id for this card and browser, issued now."""
    nonce = secrets.token_urlsafe(NONCE_BYTES)
    issued = str(_epoch(now))
    return f"{nonce}.{issued}.{_sign(secret, code, client, nonce, issued)}"


def check_form_id(secret: str, form_id: str, code: str, client: str, now: datetime) -> str:
    """The form id when this service issued it for this card and browser and it is fresh;
    Forbidden (bad_form) for a forged or foreign one, Invalid (form_expired) for a stale one
    (the page then shows the form again with a fresh id)."""
    parts = form_id.split(".") if isinstance(form_id, str) and len(form_id) <= 64 else []
    if len(parts) != 3 or not parts[1].isdigit():
        raise Forbidden(BAD_FORM, "bad_form")
    nonce, issued, signature = parts
    if not hmac.compare_digest(signature, _sign(secret, code, client, nonce, issued)):
        raise Forbidden(BAD_FORM, "bad_form")
    age = _epoch(now) - int(issued)
    if not -60 <= age <= FORM_TTL.total_seconds():
        raise Invalid(EXPIRED, "form_expired")
    return form_id


def age(form_id: str, now: datetime) -> float:
    """Seconds since a checked form id was issued."""
    return _epoch(now) - int(form_id.split(".")[1])


def client_key(secret: str, client: str) -> str:
    """A keyed hash of the sender for the rate limit: nothing in the database says who they
    are, and without the secret the hash cannot be matched to a cookie."""
    return hmac.new(secret.encode(), b"feedback-client|" + client.encode(), "sha256").hexdigest()


def _sign(secret: str, code: str, client: str, nonce: str, issued: str) -> str:
    message = "|".join((code, client, nonce, issued)).encode()
    digest = hmac.new(secret.encode(), _PURPOSE + b"|" + message, hashlib.sha256).digest()
    return digest[:16].hex()


def _epoch(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())
