"""What a post to the rating page carries to the page its 303 leads to (Post/Redirect/Get).

Every post to /r/<code> is answered with a redirect to a plain GET page, so the browser's
history holds no post result: Back never meets Chromium's "Confirm Form Resubmission"
(ERR_CACHE_MISS) on an elderly resident's phone. What that page must show travels signed
with the service's secret, and only for a short while:

- the thanks: the rating's id (and whether it replaced the day's earlier one) in the
  address, so a reload, Back and Forward show it again, with or without cookies;
- the form again: the reason, the resident's star and comment and the form id in a cookie
  of the page's own (a comment is kept out of addresses and the history), read by
  /r/<code>/again until the next post's answer clears it.

A value is `<base64url json>.<issued epoch>.<hmac>`, the HMAC over the purpose and the card's
code too, so neither can be altered, moved to another card or reused for the other purpose.
"""

import base64
import binascii
import hashlib
import hmac
import json
from datetime import UTC, datetime

THANKS_MAX_AGE = 24 * 3600
AGAIN_MAX_AGE = 3600


def thanks_token(secret: str, code: str, feedback_id: int, replaced: bool, now: datetime) -> str:
    return _seal(secret, "thanks", code, {"id": feedback_id, "replaced": replaced}, now)


def thanks_of(secret: str, code: str, token: str, now: datetime) -> dict | None:
    """{"id", "replaced"} of a thanks token of this card, None for a stale or altered one."""
    return _unseal(secret, "thanks", code, token, now, THANKS_MAX_AGE)


def again_value(secret: str, code: str, form: dict, now: datetime) -> str:
    """The form as it comes back: {"error", "status", "rating", "comment", "form_id"}."""
    return _seal(secret, "again", code, form, now)


def again_of(secret: str, code: str, value: str, now: datetime) -> dict | None:
    return _unseal(secret, "again", code, value, now, AGAIN_MAX_AGE)


def _seal(secret: str, purpose: str, code: str, payload: dict, now: datetime) -> str:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    body = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    issued = str(_epoch(now))
    return f"{body}.{issued}.{_sign(secret, purpose, code, body, issued)}"


def _unseal(secret, purpose, code, value, now, max_age) -> dict | None:
    parts = value.split(".") if isinstance(value, str) else []
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    body, issued, signature = parts
    if not hmac.compare_digest(signature, _sign(secret, purpose, code, body, issued)):
        return None
    if not -60 <= _epoch(now) - int(issued) <= max_age:  # a minute's skew between hosts
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, binascii.Error):
        return None
    return payload if isinstance(payload, dict) else None


def _sign(secret: str, purpose: str, code: str, body: str, issued: str) -> str:
    message = "|".join(("feedback-outcome", purpose, code, body, issued)).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def _epoch(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())
