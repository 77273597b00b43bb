"""A resident's rating from a QR card's page: 1 to 5 stars and an optional comment, with no
account and no app.

Rules, each here so the page only asks and shows:
- The card's code names the target (services.feedback_targets); a member who has left the
  roster or a cancelled activity is refused in words for the resident.
- A rating is 1-5; a comment is optional, trimmed, at most COMMENT_LIMIT characters.
- The form id (services.feedback_forms) makes a post idempotent: the same form posted again
  records nothing more and is thanked again for the rating it recorded first.
- A modest rate limit, per target and sender and per target for everybody together
  (feedback.per_client_per_day, per_target_per_hour): an honest second thought is welcome, a
  page tapped all day is not. A sender is the page's cookie, which every accepted post
  carries (its form id is signed for it); a script that takes a new cookie for each post is
  stopped by the target's own limit.
- The comment goes through the local content filter (services.content_check): an unfit one
  is kept, but `pending` (held_reason content_filter) until the office approves or rejects it,
  and a leader never sees it before. Anything else is approved at once. WeChat's msgSecCheck
  is not asked: it needs the author's openid, and residents are anonymous.
- Once submit returns, the row is committed: the page says thank you only after that.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee as pw

from models import Feedback, db

from . import feedback_forms
from .content_check import is_locally_refused
from .errors import DomainError, Invalid
from .feedback_targets import Target, target_by_code
from .review import clean_text

COMMENT_LIMIT = 300
HELD_BY_FILTER = "content_filter"
RATINGS = range(1, 6)
_LINE_BREAKS = re.compile(r"\r\n?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class TooMany(DomainError):
    status, code = 429, "too_many_ratings"


@dataclass(frozen=True)
class Limits:
    per_client_per_day: int = 3
    per_target_per_hour: int = 60

    @classmethod
    def from_settings(cls, settings) -> "Limits":
        f = settings.feedback
        return cls(f.per_client_per_day, f.per_target_per_hour)


@dataclass(frozen=True)
class Sender:
    """Who posts, as the page knows them: its cookie ('' when the browser sent none, and then
    no form id is theirs); `secret` signs their form ids and keys their hash."""

    secret: str
    cookie: str

    @property
    def key(self) -> str:
        """The rate limit's sender: the cookie, hashed (never stored raw)."""
        return feedback_forms.client_key(self.secret, f"cookie:{self.cookie}")

    def new_form_id(self, code: str, now: datetime) -> str:
        return feedback_forms.new_form_id(self.secret, code, self.cookie, now)


@dataclass(frozen=True)
class Submission:
    feedback: Feedback
    target: Target
    repeated: bool  # this form had been recorded already: nothing new was written


def submit(
    code: str,
    rating,
    comment: str | None,
    form_id: str,
    sender: Sender,
    now: datetime,
    limits: Limits = Limits(),
) -> Submission:
    """Record a resident's rating once per form (the rules are the module's)."""
    target = target_by_code(code, now)
    earlier = Feedback.get_or_none(Feedback.form_id == form_id) if form_id else None
    if earlier is not None and _rates(earlier, target):  # a re-post, however late
        return Submission(earlier, target, repeated=True)
    feedback_forms.check_form_id(sender.secret, form_id, code, sender.cookie, now)
    rating = _rating(rating)
    comment = _comment(comment)
    _check_limits(target, sender.key, now, limits)
    held = bool(comment) and is_locally_refused(comment)
    fields = {
        "target_kind": target.kind,
        target.kind: target.id,
        "rating": rating,
        "comment": comment,
        "moderation": "pending" if held else "approved",
        "held_reason": HELD_BY_FILTER if held else "",
        "form_id": form_id,
        "client_key": sender.key,
        "created_at": now,
    }
    try:
        with db.atomic():
            return Submission(Feedback.create(**fields), target, repeated=False)
    except pw.IntegrityError:  # the same form, posted twice at once: the other one recorded it
        return Submission(Feedback.get(Feedback.form_id == form_id), target, repeated=True)


def _rates(feedback: Feedback, target: Target) -> bool:
    kind_id = getattr(feedback, f"{target.kind}_id", None)
    return feedback.target_kind == target.kind and kind_id == target.id


def _rating(value) -> int:
    """1-5, as a number or a form's text ('5'); nothing else (no 4.5, no True)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if type(value) is not int or value not in RATINGS:
        raise Invalid("请点选 1 到 5 颗星，再提交。", "bad_rating")
    return value


def _comment(value: str | None) -> str:
    text = _CONTROL.sub("", _LINE_BREAKS.sub("\n", value or ""))
    try:
        return clean_text("comment", text, COMMENT_LIMIT, "留言")
    except Invalid as exc:
        if exc.code == "text_too_long":
            raise Invalid(f"留言请不要超过 {COMMENT_LIMIT} 个字。", "comment_too_long") from None
        raise


def _check_limits(target: Target, client_key: str, now: datetime, limits: Limits) -> None:
    on_target = _on_target(target)
    by_client = on_target & (Feedback.client_key == client_key)
    by_client &= Feedback.created_at > now - timedelta(days=1)
    if Feedback.select().where(by_client).count() >= limits.per_client_per_day:
        raise TooMany("您今天已经评价过了，谢谢！明天还可以再来评价。")
    recent = on_target & (Feedback.created_at > now - timedelta(hours=1))
    if Feedback.select().where(recent).count() >= limits.per_target_per_hour:
        raise TooMany("评价的人太多了，请过一会儿再提交，谢谢！")


def _on_target(target: Target) -> pw.Expression:
    column = getattr(Feedback, target.kind)
    return (Feedback.target_kind == target.kind) & (column == target.id)
