"""A photo sent with nothing under way: kept, and the member led through the rest.

An elderly member's first thought is to send the photo of the service, not the word 「签到」.
Refused, it would have to be sent again after two more steps; kept, it waits in the
conversation (its media_id: WeChat keeps the media for three days) while the member says which
check-in it is for and sends the location, and is then checked exactly as a photo sent at the
photo step (wechat.chat.photo_check: downloaded after the reply, under the photo's own
request_id, so a repeated push records once). The photo belongs to that conversation: when it
times out or another replaces it, the photo goes with it (wechat.chat.lapsed says it was not
used), and nothing is kept anywhere else. A photo that could only be for the member's own
service (分散活动) is not taken for it unasked: the member is asked first, yes or no, and only
a yes asks for the location. What the photo may be for is services.checkin_choices' rule.
"""

from models import Member
from services import checkin_choices

from .. import texts
from ..inbound import Inbound, Reply
from . import checkin, common, individual, photo_check, state

VISIT = checkin_choices.VISIT
CONFIRM = individual.CONFIRM  # a photo kept for the own service alone: yes or no first


def on_photo_first(message: Inbound, member: Member) -> Reply:
    """The photo, kept for the one thing it can check in to today, or for the one of them
    the member picks by number. With an entry still checked in, the photo starts nothing:
    an elderly member sending another photo most likely means the same service, or forgot
    to 签退; a second kind of entry started unsaid would overlap the first. They hear what
    is open, and that 签退 comes before another entry."""
    told = checkin.already_checked_in(member)
    if told is not None:
        return common.say(texts.PHOTO_WHILE_OPEN.format(told=told))
    held = {"media_id": message.media_id, "request_id": photo_check.request_id_of(message)}
    choices = choices_for(member)
    if not choices:
        return common.say(texts.PHOTO_FIRST_NOTHING)
    if len(choices) == 1:
        target, title = choices[0]
        step = CONFIRM if target == individual.TARGET else checkin.LOCATION
        state.start(message.openid, step, _kept(target, title, held, message), common.now())
        return common.say(_one_text(target, title))
    lines = [texts.PHOTO_FIRST_LINE.format(n=n, title=label(*c)) for n, c in enumerate(choices, 1)]
    data = {"choices": choices, "photo": held}
    state.start(message.openid, checkin.PICK, data, common.now())
    footer = texts.PICK_NUMBER.format(count=len(choices))
    return common.say(common.listing(texts.PHOTO_FIRST_PICK, lines, footer))


def choices_for(member: Member) -> list[list]:
    """What a photo sent first may check the member in to now (services.checkin_choices), as
    the [target, title] pairs the conversation keeps."""
    return _kept_choices(checkin_choices.for_photo(member, common.now(), common.rules()))


def _kept_choices(found: list[checkin_choices.Choice]) -> list[list]:
    return [[c.target, c.title] for c in found]


def on_location_first(message: Inbound, member: Member) -> Reply | None:
    """A location out of the blue near an activity, from a member who may as well mean a
    visit to their household (households usually lie within an activity's radius): which
    one is asked, as for a photo sent first, the location kept for it, never the activity
    taken unasked. None when no visit is possible or nothing is near, or an entry is still
    open (wechat.chat.checkin.on_stray_location answers those)."""
    found = checkin_choices.for_location(
        member, message.lat, message.lng, common.now(), common.rules()
    )
    if not found:
        return None
    choices = _kept_choices(found)
    lines = [texts.PHOTO_FIRST_LINE.format(n=n, title=label(*c)) for n, c in enumerate(choices, 1)]
    data = {"choices": choices, "point": common.point_of(message)}
    state.start(message.openid, checkin.PICK, data, common.now())
    footer = texts.PICK_NUMBER.format(count=len(choices))
    return common.say(common.listing(texts.LOCATION_FIRST_PICK, lines, footer))


# How the only choice is named when the photo is kept for it, by target (else an activity).
ONE_TEXTS = {VISIT: texts.PHOTO_FIRST_VISIT, individual.TARGET: texts.PHOTO_FIRST_OWN}


def _kept(target, title: str, held: dict, message: Inbound) -> dict:
    """The photo kept for its one choice; for the own service, with the location sent just
    before it (state.take_stray_location), which a yes then uses as one sent at the question
    (on_own_location). An activity's or a visit's place is checked at its location step."""
    kept = {"target": target, "title": title, "photo": held}
    point = state.take_stray_location(message.openid, common.now())
    return kept | {"point": point} if point and target == individual.TARGET else kept


def _one_text(target, title: str) -> str:
    return ONE_TEXTS.get(target, texts.PHOTO_FIRST_ONE).format(head=title, title=title)


def label(target, title: str) -> str:
    """How a choice is named: a visit by its household."""
    return texts.VISIT_LABEL.format(head=title) if target == VISIT else title


def on_own_no(message: Inbound, member: Member, data: dict) -> Reply:
    """A no (「不是」, 「不用了」, 「算了」, 「取消」): the photo is dropped, and so is the
    location, if one came; nothing is recorded."""
    state.leave(message.openid, common.now())
    return common.say(texts.OWN_SERVICE_DECLINED)


def on_own_other(message: Inbound, member: Member, data: dict) -> Reply:
    """Words that are neither: the question again."""
    return common.say(texts.OWN_SERVICE_ASK_AGAIN)


def on_own_location(message: Inbound, member: Member, data: dict) -> Reply:
    """A location before the answer, as members send one by habit: kept for a yes, never
    taken for one."""
    kept = {**data, "point": common.point_of(message)}
    state.start(message.openid, CONFIRM, kept, common.now())
    return common.say(texts.OWN_SERVICE_LOCATION_KEPT)


def on_own_photo(message: Inbound, member: Member, data: dict) -> Reply:
    """Another photo before the answer: it replaces the first (the latest is the one meant,
    as at a pick list: wechat.chat.checkin.on_pick_photo)."""
    held = {"media_id": message.media_id, "request_id": photo_check.request_id_of(message)}
    state.start(message.openid, CONFIRM, {**data, "photo": held}, common.now())
    return common.say(texts.OWN_SERVICE_PHOTO_KEPT)
