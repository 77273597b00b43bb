"""Household visits in the chat: location and photo as for a check-in (wechat.chat.checkin),
then what was seen and what help was given, each written into the register entry as it is
given (wechat.chat.visit_notes)."""

from datetime import datetime

from services import households
from services.checkin import entry_made_by
from services.errors import DomainError

from .. import texts
from ..inbound import Inbound, Reply
from . import checkin, common, photo_check, repeats, state, visit_notes
from .last_photo import PHOTO_CHECK_WAIT  # a photo still unchecked after it was lost
from .visit_notes import stored_seen  # also wechat.chat.register's, from here

SEEN, HELP = photo_check.VISIT_SEEN, photo_check.VISIT_HELP


def on_visit(message: Inbound, member, args: str = "") -> Reply:
    """「走访」: the paired household (masked), then ask for the location. A visit still
    checked in is said at once: a second one would be refused (services.checkin) only after
    the location and the photo; another entry still open, with 签退 first (open_first)."""
    try:
        household = households.my_household(member)
    except DomainError as exc:
        return common.say(exc.message)
    still_open = checkin.open_first(member, "走访", "visit")
    if still_open is not None:
        return common.say(still_open)
    return checkin.ask_location(message.openid, "visit", household.head_name)


def on_seen(message: Inbound, member, data: dict) -> Reply:
    """What the member saw in the household, written into the entry at once (or by the
    photo's check, still running); then ask what help was given. The conversation moves on
    before the write, so a check finishing meanwhile finds the note."""
    seen = message.content.strip()
    if not seen:
        return common.say(texts.VISIT_SEEN_QUESTION)
    problem = common.answer_problem("content", seen, texts.VISIT_SEEN_LABEL, stored_seen)
    if problem:
        return common.say(problem)
    noted = {**data, "seen": seen, **repeats.noted(seen, common.now())}
    state.start(message.openid, HELP, noted, common.now())
    try:
        visit_notes.keep(common.actor(member), member.id, noted)
    except DomainError as exc:  # the question stays open: nothing was written
        state.start(message.openid, SEEN, data, common.now())
        return common.say(texts.SERVICE_ERROR.format(reason=exc.message))
    return common.say(texts.ASK_VISIT_HELP)


def on_help_given(message: Inbound, member, data: dict) -> Reply:
    """The help given, written into the visit's entry, which ends the visit's notes; its
    target, the household, is written at 签退 (services.register_defaults), however the
    visit is checked out. Sent while the photo is still checked, it is held for the check
    to write. The note on what was seen sent again right after is a repeat
    (wechat.chat.repeats), not the help given."""
    helped = message.content.strip()
    if repeats.is_repeat(data, helped, common.now()):
        return common.say(texts.ANSWER_REPEATED.format(question=texts.VISIT_HELP_QUESTION))
    problem = common.answer_problem("outcome", helped, texts.VISIT_HELP_LABEL)
    if problem:
        return common.say(problem)
    noted = {**data, "helped": helped}
    state.start(message.openid, HELP, noted, common.now())
    return _save(message, member, noted, texts.VISIT_SAVED, held=True)


def on_skip(message: Inbound, member, data: dict) -> Reply:
    """「跳过」 or 「算了」 at either of the notes (wechat.answers): the skip word is no note.
    What was seen, if given, is kept; the rest is asked at 签退 (wechat.chat.register) or
    written in the mini-program. The visit itself was registered by its photo."""
    return _save(message, member, data, texts.VISIT_NOTES_LATER)


def on_cancel(message: Inbound, member, data: dict) -> Reply:
    """「取消」 at the notes: the visit is left, but what was seen, if given, is kept as a skip
    keeps it, and the member hears that the visit is registered and where the rest is filled
    in. Before the photo's check has made the entry the visit is only left."""
    if entry_made_by(member.id, data.get("request_id")) is None:
        state.leave(message.openid, common.now())
        return common.say(texts.CANCELLED)
    done = texts.VISIT_NOTES_LEFT if data.get("seen") else texts.VISIT_LEFT_WITHOUT_NOTES
    return _save(message, member, data, done)


def _save(message: Inbound, member, data: dict, done: str, held: bool = False) -> Reply:
    """Write the notes held into the visit's entry once its photo check has made it, then end
    the visit's conversation with `done`; before that, the notes wait (`held`) or the member
    is asked to."""
    try:
        record = visit_notes.keep(common.actor(member), member.id, data)
    except DomainError as exc:
        return common.say(texts.SERVICE_ERROR.format(reason=exc.message))
    if record is None:
        return photo_not_ready(message.openid, data, held)
    state.leave(message.openid, common.now())
    return common.say(done)


def photo_not_ready(openid: str, data: dict, held: bool = False) -> Reply:
    """Wait for the photo's check (the notes given are kept for it, when `held`), or, when it
    is overdue, ask for the photo again."""
    sent_at = data.get("sent_at")
    if sent_at is None or common.now() - datetime.fromisoformat(sent_at) < PHOTO_CHECK_WAIT:
        return common.say(texts.VISIT_HELP_HELD if held else texts.VISIT_NOT_READY)
    photo_check.reopen_photo_step(openid, "visit", data["head"], data["point"], data["request_id"])
    return common.say(texts.PHOTO_CHECK_BROKE)
