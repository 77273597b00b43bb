"""A resident's rating from a QR card's page: 1 to 5 stars and an optional comment, with no
account and no app.

Rules, each here so the page only asks and shows:
- The card's code names the target (services.feedback_targets); a member who has left the
  roster or a cancelled activity is refused in words for the resident.
- A rating is 1-5; a comment is optional, trimmed, at most COMMENT_LIMIT characters.
- One rating per phone (the page's cookie, every accepted post carries it: its form id is
  signed for it) per target per Shanghai day: a resident who changes their mind (Back, another
  star, submit) replaces that day's rating, its comment and created_at (the time of the rating
  in force), so the leader's and member's views and the quarterly report count one. A changed
  comment is judged again; an unchanged one keeps the office's decision. The database holds
  the rule too (target, Shanghai day and phone are unique): of two posts that race, one adds
  the rating and the other replaces it.
- The form id (services.feedback_forms) makes a post idempotent: each form's last answer is
  kept (FeedbackForm), and the same form posted again with that answer records nothing more
  and is thanked again (a double tap, a retry), however late: even when the phone has rated
  again on a newer form since, the old form's resent post leaves the newer rating standing.
  The same form with another answer is a change of mind, as above (Back to the older page,
  rate again). A form kept open past midnight changes the new day's rating when the phone
  has one already. The forms' answers go with the phone's keys (services.housekeeping).
- A target's first feedback.per_target_per_hour new ratings an hour (from everybody
  together) are judged as usual; any further ones that hour are kept but `pending`
  (held_reason burst) until the office looks: a script that takes a new cookie for each post
  cannot move a leader's average or the quarterly report, and an honest resident is never
  turned away. A phone needs no limit of its own: it holds one rating per target a day,
  however often it changes it; a held rating stays held when it is changed. The held ones a
  day have a ceiling (services.feedback_limits), past which a new rating that would be held
  is refused politely, so a script cannot fill the office's queue without end.
- A form must have stood open feedback.min_form_seconds before its post is taken (nobody
  rates faster); a quicker post shows the form again and records nothing.
- A post without the page's cookie is refused with words that say what to do (the browser
  keeps no cookies: open the card in WeChat, or allow cookies).
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

from models import Feedback, FeedbackForm, db
from settings.sections import FeedbackSettings

from . import clock, feedback_forms, feedback_limits
from .content_check import is_locally_refused
from .errors import Forbidden, Invalid
from .feedback_targets import Target, target_by_code, target_key
from .review import clean_text

COMMENT_LIMIT = 300
HELD_BY_FILTER = "content_filter"
HELD_BY_BURST = "burst"
RATINGS = range(1, 6)
_LINE_BREAKS = re.compile(r"\r\n?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Said when the browser brought back no cookie: it keeps none, so no form can be theirs.
NO_COOKIE = (
    "这个浏览器没有保存评价页面需要的信息（Cookie），所以提交不了。"
    "请用微信“扫一扫”重新扫描二维码打开评价页面；"
    "如果用的是其他浏览器，请在设置里打开“允许 Cookie”，再重新扫码。"
)


#: Said when the form is posted sooner than a person could have read it and chosen.
TOO_FAST = "提交得太快了，请确认星级和留言后，再按一次“提交评价”。"


@dataclass(frozen=True)
class Sender:
    """Who posts, as the page knows them: its cookie ('' when the browser sent none, and then
    no form id is theirs) and the address the post came from ('' when unknown); `secret`
    signs their form ids and keys their hashes."""

    secret: str
    cookie: str
    address: str = ""

    @property
    def key(self) -> str:
        """The rate limit's sender: the cookie, hashed (never stored raw)."""
        return feedback_forms.client_key(self.secret, f"cookie:{self.cookie}")

    @property
    def ip_key(self) -> str:
        """The held ratings' ceiling per address: the address hashed, '' when not theirs."""
        return feedback_limits.address_key(self.secret, self.address)

    def new_form_id(self, code: str, now: datetime) -> str:
        return feedback_forms.new_form_id(self.secret, code, self.cookie, now)


@dataclass(frozen=True)
class Submission:
    feedback: Feedback
    target: Target
    repeated: bool  # this form had been recorded already: nothing new was written
    replaced: bool = False  # it took the place of the sender's earlier rating of the day


def submit(
    code: str,
    rating,
    comment: str | None,
    form_id: str,
    sender: Sender,
    now: datetime,
    limits: FeedbackSettings,
) -> Submission:
    """Record a resident's rating: once per form, one per phone and target a day (the rules
    are the module's)."""
    target = target_by_code(code, now)
    known = FeedbackForm.get_or_none(FeedbackForm.form_id == form_id) if form_id else None
    retried = _retried(known, target, rating, comment)
    if retried is not None:  # the form's last answer again: a retry, however late
        return Submission(retried, target, repeated=True)
    earlier = Feedback.get_or_none(Feedback.form_id == form_id) if form_id else None
    if earlier is not None and not _rates(earlier, target):
        earlier = None
    if earlier is not None and _same_answer(earlier, rating, comment):  # a re-post, however late
        return Submission(earlier, target, repeated=True)
    if not sender.cookie:
        raise Forbidden(NO_COOKIE, "no_cookie")
    feedback_forms.check_form_id(sender.secret, form_id, code, sender.cookie, now)
    if feedback_forms.age(form_id, now) < limits.min_form_seconds:
        raise Invalid(TOO_FAST, "form_too_fast")
    answer = {"rating": _rating(rating), "comment": _comment(comment)}
    try:
        with db.atomic():
            return _record(target, answer, form_id, sender, now, limits, earlier, known)
    except (pw.IntegrityError, _FormMoved):
        done = _after_race(target, answer, form_id, sender.key, now)
        if done is None:  # another constraint failed: the page's database error, not thanks
            raise
        return done


def rating_shown(target: Target, feedback_id) -> Feedback | None:
    """The rating a thank-you page names, when it rates this target: as it stands now (the
    phone may have changed it since), so a reload never shows a rating no longer in force."""
    row = Feedback.get_or_none(Feedback.id == feedback_id) if type(feedback_id) is int else None
    return row if row is not None and _rates(row, target) else None


class _FormMoved(Exception):
    """The form's last answer changed after this post read it: a twin post got in first."""


def _record(target, answer, form_id, sender, now, limits, earlier, known) -> Submission:
    """Replace the rating this phone gave the target today (or the one this form gave), or
    add one."""
    row = _todays(target, sender.key, now) or earlier
    if row is not None:
        return _change(row, earlier, target, answer, form_id, now, known)
    judged = _judged(answer["comment"], _in_burst(target, now, limits))
    day, key, ip_key = clock.local_today(now), target_key(target.kind, target.id), ""
    if judged["moderation"] == "pending":
        ip_key = sender.ip_key
        feedback_limits.check_held_ceiling(key, ip_key, day, limits)
    fields = {"target_kind": target.kind, target.kind: target.id, **answer, **judged}
    fields |= {"form_id": form_id, "client_key": sender.key, "ip_key": ip_key}
    fields |= {"target_key": key, "rated_on": day, "created_at": now}
    row = Feedback.create(**fields)
    _remember(known, form_id, row, answer, now)
    return Submission(row, target, repeated=False)


def _after_race(target, answer, form_id, client_key, now) -> Submission | None:
    """This post lost a race to the database's rules: the same form, or another form of this
    phone for this target today, was recorded meanwhile. The same answer again is a repeat;
    another answer replaces the one recorded. None when no such rating is there (another
    constraint failed)."""
    known = FeedbackForm.get_or_none(FeedbackForm.form_id == form_id)
    retried = _retried(known, target, answer["rating"], answer["comment"])
    if retried is not None:
        return Submission(retried, target, repeated=True)
    twin = Feedback.get_or_none(Feedback.form_id == form_id)
    row = _todays(target, client_key, now) or twin
    if row is None:
        return None
    try:
        with db.atomic():
            return _change(row, twin, target, answer, form_id, now, known)
    except _FormMoved:  # yet another post of the form got in: it stands, as if this came first
        return Submission(Feedback.get_by_id(row.id), target, repeated=False, replaced=True)


def _change(row, earlier, target, answer, form_id, now, known) -> Submission:
    """Give the phone's rating of the day (`row`) this answer; a repeat when it holds this
    form's answer already (a twin post got in first). It takes this form's id, unless the
    form's own rating (`earlier`) is another day's (a form kept open past midnight): that
    one keeps the id, and is left as it was."""
    same = (row.rating, row.comment) == (answer["rating"], answer["comment"])
    if same and row.form_id == form_id:
        return Submission(row, target, repeated=True)
    other_days = earlier is not None and earlier.id != row.id
    _replace(row, answer, row.form_id if other_days else form_id, now)
    _remember(known, form_id, row, answer, now)
    return Submission(row, target, repeated=False, replaced=True)


def _retried(known: FeedbackForm | None, target: Target, rating, comment) -> Feedback | None:
    """The rating the form last went to, when this post brings the form's last answer again:
    a retry (or a double tap) that must change nothing, though a newer form of the phone
    may have changed the rating since."""
    if known is None or not _same_answer(known, rating, comment):
        return None
    return known.feedback if _rates(known.feedback, target) else None


def _remember(known, form_id, row, answer, now) -> None:
    """Keep this answer as the form's last. A form unknown when this post read is added
    (the unique form id refuses a twin's second); a known one changes only if it still
    holds what this post read, else a twin changed it first (_FormMoved)."""
    fields = {"feedback": row.id, **answer, "at": now}
    if known is None:
        FeedbackForm.create(form_id=form_id, **fields)
        return
    unchanged = (FeedbackForm.rating == known.rating) & (FeedbackForm.comment == known.comment)
    moved = FeedbackForm.update(fields).where((FeedbackForm.id == known.id) & unchanged)
    if not moved.execute():
        raise _FormMoved(form_id)


def _todays(target: Target, client_key: str, now: datetime) -> Feedback | None:
    """The phone's rating of the target given today (Shanghai's day), if any."""
    mine = (Feedback.target_key == target_key(target.kind, target.id)) & (
        Feedback.rated_on == clock.local_today(now)
    )
    return Feedback.get_or_none(mine & (Feedback.client_key == client_key))


def _replace(row: Feedback, answer: dict, form_id: str, now: datetime) -> None:
    """The new answer in place of the old one, as today's. A changed comment is judged afresh
    (the office's decision was about the old words); an unchanged one keeps its judgement."""
    changes = dict(answer, form_id=form_id, created_at=now, rated_on=clock.local_today(now))
    if answer["comment"] != row.comment:
        burst = row.moderation == "pending" and row.held_reason == HELD_BY_BURST
        changes |= _judged(answer["comment"], burst)
        changes |= {"moderation_note": "", "moderated_by": None, "moderated_at": None}
    for name, value in changes.items():
        setattr(row, name, value)
    row.save(only=[getattr(Feedback, name) for name in changes])


def _judged(comment: str, burst: bool) -> dict:
    """The moderation a fresh answer gets: held by the local filter, held as part of a burst,
    or approved at once."""
    if comment and is_locally_refused(comment):
        return {"moderation": "pending", "held_reason": HELD_BY_FILTER}
    if burst:
        return {"moderation": "pending", "held_reason": HELD_BY_BURST}
    return {"moderation": "approved", "held_reason": ""}


def _rates(feedback: Feedback, target: Target) -> bool:
    kind_id = getattr(feedback, f"{target.kind}_id", None)
    return feedback.target_kind == target.kind and kind_id == target.id


def _same_answer(feedback: Feedback, rating, comment) -> bool:
    """The form posted again with what it carried the first time (a double tap, a retry)."""
    try:
        return (_rating(rating), _comment(comment)) == (feedback.rating, feedback.comment)
    except Invalid:
        return False


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


def _in_burst(target: Target, now: datetime, limits: FeedbackSettings) -> bool:
    """The target has had its hour's share of new ratings, from everybody together."""
    recent = _on_target(target) & (Feedback.created_at > now - timedelta(hours=1))
    return Feedback.select().where(recent).count() >= limits.per_target_per_hour


def _on_target(target: Target) -> pw.Expression:
    column = getattr(Feedback, target.kind)
    return (Feedback.target_kind == target.kind) & (column == target.id)
