"""A member's own service (分散活动) in the chat: 「分散活动」, then the location and the photo
as for an activity's check-in (wechat.chat.checkin, target 'individual', the same
services.checkin.check_in call as the API's kind=individual), then, right after the photo's
result, the register's three fields asked one by one (wechat.chat.register), as a visit asks
its notes right after its photo; any left blank are asked again at 签退."""

from models import Member

from .. import texts
from ..inbound import Inbound, Reply
from . import checkin, common, photo_check, register, state

TARGET = "individual"
# A photo sent first that could only be for the own service waits here for a yes before
# anything else (wechat.chat.photo_first): an elderly member who then sends the location out
# of habit would otherwise record a service they never meant.
CONFIRM = "individual_confirm"
# The steps that may hold a photo sent first: the keyword there takes it along.
KEPT_AT = (checkin.PICK, checkin.LOCATION, CONFIRM)


def on_individual(message: Inbound, member: Member, args: str = "") -> Reply:
    """「分散活动」, 「个人服务」: ask for the location (with the photo kept at a pick list, if
    any); an own service still checked in is said at once, as a second one would be
    refused only after the location and the photo; another entry still open, with 签退
    first (checkin.open_first)."""
    still_open = checkin.open_first(member, "分散活动", TARGET)
    if still_open is not None:
        return common.say(still_open)
    conversation = state.current(message.openid, common.now())
    if conversation is not None and conversation.state == CONFIRM:  # the keyword is a yes
        return on_yes(message, member, conversation.data)
    return checkin.ask_location(
        message.openid, TARGET, texts.INDIVIDUAL_TITLE, _kept_photo(conversation)
    )


def _kept_photo(conversation: state.Conversation | None) -> dict | None:
    """A photo sent first and kept while the member picks what it is for, or kept for the
    only activity or visit: typing the own service's keyword there (as those texts say)
    picks it, and the photo goes with it."""
    if conversation is None or conversation.state not in KEPT_AT:
        return None
    return conversation.data.get("photo")


def on_yes(message: Inbound, member: Member, data: dict) -> Reply:
    """A yes to the photo kept for the own service (wechat.chat.photo_first), 「是」 or the
    keyword: the location is asked for, the photo kept for it; with the location sent
    already (photo_first.on_own_location), the photo is checked at once."""
    held, point = data["photo"], data.get("point")
    if point is None:
        return checkin.ask_location(message.openid, data["target"], data["title"], held)
    picked = {"target": data["target"], "title": data["title"], "point": point}
    return photo_check.photo_sent(
        message.openid, member, picked, held["media_id"], held["request_id"]
    )


def ask_fields(sent: photo_check.PhotoCheck, record) -> str:
    """After an own service's check-in result: its first blank register field, asked at once
    while the member remembers (the rest follow one by one), unless the member has moved on
    to another conversation meanwhile; then they are asked at 签退."""
    if record.kind != TARGET or state.current(sent.openid, common.now()) is not None:
        return ""
    member = Member.get_by_id(sent.member_id)
    lead = texts.INDIVIDUAL_FIELDS_LEAD
    return register.ask_missing(sent.openid, member, record.id, "", lead).text


photo_check.SEQUELS[TARGET] = ask_fields
