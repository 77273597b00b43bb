"""The last photo a member sent for a check-in or a visit, kept beside the conversation
(wechat.chat.state.LAST_PHOTO) while its check runs and shortly after.

Members often send two photos at once (two picked from the album, or a second because the
first seemed slow). Once the first is taken, the conversation has moved on (a check-in's
has ended, a visit's asks for its notes), and the second would be taken for a photo sent
before 签到 (wechat.chat.photo_first), which starts another check-in. Kept here, it
is answered instead with which photo is used: the first, still being checked or already
registered, while this one is not recorded. Nothing is recorded twice in any case: every
photo sent to one photo step checks in under that step's request_id
(wechat.chat.photo_check), which services.checkin records once.
"""

from datetime import datetime, timedelta

from services import checkin

from .. import texts
from . import common, state

# Longer than a check may take (a token fetch and the media call, each with its timeout): a
# photo sent within this time of the last one is taken as sent with it. Past it, a check
# still unfinished was lost (a restart), and the photo is asked for again (wechat.chat.visits).
PHOTO_CHECK_WAIT = timedelta(minutes=1)
# What the member is doing with the photo, in words.
KIND_WORDS = {"checkin": "签到", "visit": "走访"}


def remember(openid: str, request_id: str, kind: str) -> None:
    """A photo's check is starting: keep which it is and when it was sent."""
    now = common.now()
    sent = {"request_id": request_id, "kind": kind, "sent_at": now.isoformat()}
    state.keep(openid, state.LAST_PHOTO, sent, now)


def forget(openid: str, request_id: str) -> None:
    """The photo's check ended without an entry (it is asked for again, or was refused):
    another photo is then no repeat of it."""
    last = state.kept(openid, state.LAST_PHOTO)
    if last is not None and last.get("request_id") == request_id:
        state.keep(openid, state.LAST_PHOTO, None, common.now())


def repeat_told(openid: str, member_id: int) -> str | None:
    """What a member sending a photo hears when the last one, sent just before, is still
    being checked or made an entry still open: that one is used and this one is not
    recorded. None when there is no such photo: this one is for what the chat asks."""
    last = state.kept(openid, state.LAST_PHOTO)
    if last is None or common.now() - datetime.fromisoformat(last["sent_at"]) >= PHOTO_CHECK_WAIT:
        return None
    what = KIND_WORDS[last["kind"]]
    record = checkin.entry_made_by(member_id, last["request_id"])
    if record is None:
        return texts.PHOTO_STILL_CHECKING.format(what=what)
    if record.checkout_at is not None or record.status == "rejected":
        return None
    return texts.PHOTO_ALREADY_USED.format(what=what, time=common.local_time(record.checkin_at))


def used_another(kind: str, record) -> str:
    """Said of a photo whose check found the entry made by another photo of the same step
    (two sent at the same moment): this one was not recorded."""
    at = common.local_time(record.checkin_at)
    return texts.PHOTO_USED_ANOTHER.format(what=KIND_WORDS[kind], time=at)
