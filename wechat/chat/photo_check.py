"""A check-in's or visit's photo, checked after the reply (wechat.deferred): downloaded
through the media API, which may take longer than WeChat waits, then handed to
services.checkin.check_in with source 'chat'. Its request_id is the photo step's, given when
the step starts (the MsgId of the message that started it), so a repeated push, a photo
sent again after a failed one, and two photos sent at the same moment all check in under
one request_id: the service is recorded once, and a photo that found the entry made by
another is told so. Every outcome is told by a customer-service message: the result, the
refusal, or a request for another photo when this one could not be had or read (the
conversation goes back to the photo step for it). A photo sent while one is checked is
answered by wechat.chat.last_photo.
"""

import hashlib
import logging
from dataclasses import dataclass

import requests
from wechatpy.exceptions import WeChatException

from models import Member
from services import actors, checkin
from services.errors import DomainError
from services.flags import flag_names

from .. import get_clients, texts
from ..client import download_media
from ..inbound import Inbound, Reply
from . import common, last_photo, state, visit_notes

PHOTO = "checkin_photo"
VISIT_SEEN, VISIT_HELP = "visit_seen", "visit_help"  # the visit's notes: wechat.chat.visits

# A photo WeChat could not hand over: its media API refused, timed out or was unreachable.
DOWNLOAD_ERRORS = (WeChatException, requests.RequestException)
# What the member is told when the photo step fails, for a check-in and for a visit.
NOT_DOWNLOADED = {
    "checkin": texts.PHOTO_DOWNLOAD_FAILED,
    "visit": texts.VISIT_PHOTO_DOWNLOAD_FAILED,
}
REFUSED = {"checkin": texts.CHECKIN_FAILED, "visit": texts.VISIT_FAILED}
# A photo the service cannot read (services.photos): another photo may do, so it is asked for.
UNREADABLE = ("not_a_photo", "photo_too_large")
UNREADABLE_PHOTO = {"checkin": texts.PHOTO_UNREADABLE, "visit": texts.VISIT_PHOTO_UNREADABLE}
# When the member has moved on to another conversation, the photo is not asked for again.
NOT_RECORDED = {"checkin": texts.PHOTO_NOT_RECORDED, "visit": texts.VISIT_PHOTO_NOT_RECORDED}

# What follows a check-in's result, by target: (PhotoCheck, record) -> text to append; an own
# service asks its register fields (wechat.chat.individual registers itself here).
SEQUELS: dict = {}

log = logging.getLogger(__name__)


def request_id_of(message: Inbound) -> str:
    return f"chat:{message.msg_id or message.create_time}"


def ask_for_photo(message: Inbound, data: dict) -> None:
    """Move to the photo step, which takes its request_id from the message that starts it:
    every photo sent to the step checks in under it, and is recorded once."""
    data = {**data, "request_id": data.get("request_id") or request_id_of(message)}
    state.start(message.openid, PHOTO, data, common.now())


@dataclass(frozen=True)
class PhotoCheck:
    """A photo sent for a check-in or a visit, checked after the reply (wechat.deferred)."""

    openid: str
    member_id: int
    target: int | str
    title: str
    point: dict
    media_id: str
    request_id: str

    @property
    def kind(self) -> str:
        return "visit" if self.target == "visit" else "checkin"


def photo_sent(openid: str, member: Member, data: dict, media_id: str, request_id: str) -> Reply:
    """A check-in's or visit's photo with its location: check it after the reply.

    The photo step's request_id is used (the photo's own only for a photo sent before the
    location): whichever check finishes first, the service is recorded once."""
    request_id = data.get("request_id") or request_id
    sent = PhotoCheck(
        openid, member.id, data["target"], data["title"], data["point"], media_id, request_id
    )
    last_photo.remember(openid, request_id, sent.kind)
    work = (finish_checkin, (sent,))
    if sent.kind == "visit":
        return Reply(await_visit_check(sent, held_notes(data)), after=(work,))
    state.leave(openid, common.now())
    return Reply(texts.CHECKING_PHOTO, after=(work,))


def held_notes(data: dict) -> dict:
    """The visit's notes a conversation holds (wechat.chat.visit_notes.NOTES), as given."""
    return {key: data[key] for key in visit_notes.NOTES if data.get(key)}


def await_visit_check(sent: PhotoCheck, held: dict) -> str:
    """Go on with the visit's questions while the photo is checked; notes already given
    (before a photo had to be sent again) are kept, not asked twice: with both given, the
    check writes them (visit_sequel)."""
    data = {
        "request_id": sent.request_id,
        "head": sent.title,
        "point": sent.point,
        "sent_at": common.now().isoformat(),
        **held,
    }
    if held.get("helped"):
        state.start(sent.openid, VISIT_HELP, data, common.now())
        return texts.VISIT_NOTES_WAIT_CHECK
    if held.get("seen"):
        state.start(sent.openid, VISIT_HELP, data, common.now())
        return texts.ASK_VISIT_HELP_WHILE_CHECKING
    state.start(sent.openid, VISIT_SEEN, data, common.now())
    return texts.ASK_VISIT_SEEN


def finish_checkin(sent: PhotoCheck) -> None:
    """The slow part, after the reply: download the photo, check in, send the result.

    The member's conversation has moved on by then, so every outcome is told: a photo that
    could not be had or checked is asked for again, a refusal says why. An unexpected error
    is still raised after telling the member, so wechat.deferred logs it."""
    try:
        photo, _ = download_media(get_clients().official_account, sent.media_id)
    except DOWNLOAD_ERRORS as exc:
        log.warning("photo %s of %s not downloaded: %r", sent.media_id, sent.openid, exc)
        ask_again(sent, NOT_DOWNLOADED[sent.kind])
        return
    try:
        check(sent, photo)
    except DomainError as exc:
        if exc.code in UNREADABLE:  # another photo may do: the step stays open for it
            why = texts.PHOTO_UNREADABLE_WHY[exc.code]
            ask_again(sent, UNREADABLE_PHOTO[sent.kind].format(why=why))
            return
        end_visit(sent)
        last_photo.forget(sent.openid, sent.request_id)
        common.send(sent.openid, REFUSED[sent.kind].format(reason=exc.message))
    except Exception:
        tell_after_error(sent)
        raise


def check(sent: PhotoCheck, photo: bytes) -> None:
    result = checkin.check_in(
        actors.member_actor(sent.member_id),
        sent.target,
        common.to_point(sent.point),
        photo,
        sent.request_id,
        common.now(),
        common.rules(),
        common.photo_root(),
        source="chat",
    )
    if not result.created and not shows(result.record, photo):
        common.send(sent.openid, last_photo.used_another(sent.kind, result.record))
        return
    sequel = SEQUELS.get(sent.target)
    told = result_text(result.record, sent.title) + visit_sequel(sent)
    common.send(sent.openid, told + (sequel(sent, result.record) if sequel else ""))


def shows(record, photo: bytes) -> bool:
    """Whether the entry's photo is this one (the same check run again), not another photo
    of the same step that got there first."""
    digest = hashlib.sha256(photo).hexdigest()
    return any(stored.sha256 == digest for stored in record.photos)


def visit_sequel(sent: PhotoCheck) -> str:
    """What follows a visit's result while its notes are still under way: the notes given
    during the check are written now (the conversation may time out before another answer),
    and, both notes given, that they are registered. The question still waiting is not said
    again: the reply to the photo (or to the last note) asked it already, and a member who
    hears it twice may answer twice."""
    live = state.current(sent.openid, common.now())
    if sent.kind != "visit" or live is None or live.data.get("request_id") != sent.request_id:
        return ""
    try:
        visit_notes.keep(actors.member_actor(sent.member_id), sent.member_id, live.data)
    except DomainError as exc:  # the notes stay in the conversation for its next answer
        log.warning("visit notes of %s not written: %r", sent.openid, exc)
        return ""
    if live.data.get("helped"):
        state.leave(sent.openid, common.now())
        return "\n" + texts.VISIT_NOTES_KEPT
    return ""


def tell_after_error(sent: PhotoCheck) -> None:
    """The result if the entry was made before the error, else a request for the photo."""
    record = checkin.entry_made_by(sent.member_id, sent.request_id)
    if record is None:
        ask_again(sent, texts.PHOTO_CHECK_BROKE)
    else:
        common.send(sent.openid, result_text(record, sent.title))


def ask_again(sent: PhotoCheck, text: str) -> None:
    """Ask for the photo again, back at the photo step; when another conversation started
    meanwhile, say instead that nothing was recorded and how to start over."""
    last_photo.forget(sent.openid, sent.request_id)
    args = (sent.openid, sent.target, sent.title, sent.point, sent.request_id)
    common.send(sent.openid, text if reopen_photo_step(*args) else NOT_RECORDED[sent.kind])


def reopen_photo_step(openid: str, target, title: str, point: dict, request_id: str) -> bool:
    """Back to the photo step, with the visit's notes given so far, when the conversation is
    still the one that sent the photo (a visit waiting for it) or has ended (a check-in);
    False when another conversation is going on."""
    now = common.now()
    live = state.current(openid, now)
    if live is not None and live.data.get("request_id") != request_id:
        return False
    if live is None and target == "visit":  # the visit waits in its conversation: it was left
        return False
    data = {"target": target, "title": title, "point": point, "request_id": request_id}
    if live is not None:
        data.update(held_notes(live.data))
    state.start(openid, PHOTO, data, now)
    return True


def end_visit(sent: PhotoCheck) -> None:
    """A refused visit leaves its conversation: there is no entry to write its notes into."""
    live = state.current(sent.openid, common.now())
    if live is not None and live.data.get("request_id") == sent.request_id:
        state.leave(sent.openid, common.now())


# What the member is told of a photo's result, by (kind of entry, verified).
RESULTS = {
    (False, True): texts.CHECKIN_VERIFIED,
    (False, False): texts.CHECKIN_FLAGGED,
    (True, True): texts.VISIT_VERIFIED,
    (True, False): texts.VISIT_FLAGGED,
}


def result_text(record, title: str) -> str:
    template = RESULTS[record.kind == "visit", record.status == "verified"]
    at = common.local_time(record.checkin_at)
    told = reasons(record.flags, record.kind)
    return template.format(title=title, time=at, reasons=told, who=common.reviewer(record))


def reasons(flags: list[str], kind: str | None = None) -> str:
    """The flags in words (a visit's in its own: services.flags.KIND_FLAG_NAMES)."""
    return "；".join(flag_names(flags, kind)) or "—"
