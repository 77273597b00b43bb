"""Texts that run nothing: a refused or failing command (「不签到」, 「签到不了」) and small
talk (「收到」, 「谢谢」, 「我不去了」). Each is answered kindly; when a conversation is under
way, the answer ends with what it still waits for, so a member who only said 「好的」 to a
notice preview knows it has not been sent."""

from .. import smalltalk, texts
from ..inbound import Reply
from ..phrasing import TROUBLE
from . import activities, checkin, checkout, common, individual, leader

# What each conversation waits for, from its data; free-text steps ask their question again
# (wechat.text_route) and never come here.
REMINDERS = {
    checkin.PICK: lambda data: texts.PICK_NUMBER.format(count=len(data["choices"])),
    checkout.OUT_PICK: lambda data: texts.PICK_NUMBER.format(count=len(data["choices"])),
    checkin.LOCATION: lambda data: texts.ASK_LOCATION_AGAIN,
    checkin.PHOTO: lambda data: texts.ASK_PHOTO_AGAIN,
    checkout.OUT_LOCATION: lambda data: texts.ASK_CHECKOUT_LOCATION.format(title=data["title"]),
    activities.LISTED: lambda data: texts.LISTED_HINT,
    leader.CONFIRM: lambda data: texts.BROADCAST_STILL_PENDING,
    individual.CONFIRM: lambda data: texts.OWN_SERVICE_ASK_AGAIN,
}
# Trouble whose tip depends on where the member stands; the others are texts.TROUBLE_TIPS.
TIPS = {"checkin": checkin.trouble_tip}
SMALLTALK_REPLIES = {
    smalltalk.ACK: texts.SMALLTALK_ACK,
    smalltalk.THANKS: texts.SMALLTALK_THANKS,
    smalltalk.DECLINE: texts.SMALLTALK_DECLINE,
}


def on_smalltalk(kind: str, conversation, member=None) -> Reply:
    """「收到」, 「谢谢」: a short kind word, then what the conversation waits for, if any.
    「我不去了」: how enrolment is withdrawn, as nothing was withdrawn; with the list shown, a
    bare number next withdraws (wechat.chat.activities.ASKED). 「用不了」: what to do
    next (the step waiting, else the help) and whom to ask."""
    waiting = REMINDERS.get(conversation.state) if conversation else None
    if kind == smalltalk.WITHDRAW:
        if conversation is not None and conversation.state == activities.LISTED:
            return activities.on_withdraw_words(conversation)
        return common.say(texts.WITHDRAW_HOW)
    if kind == smalltalk.STUCK:
        tip = waiting(conversation.data) if waiting else texts.STUCK_TIP
        return common.say(texts.TROUBLE.format(tip=tip, contact=contact(member)))
    reminder = waiting(conversation.data) if waiting else texts.SMALLTALK_IDLE
    return common.say(SMALLTALK_REPLIES[kind] + reminder)


def on_negated(found, member) -> Reply:
    """「不签到」: nothing is done, and the member hears how to do it when they want to;
    「签到不了」: how it is done and whom to ask. Refusals of run() come first, so a stranger
    still hears how to bind."""
    barred = found.command.barred(member)
    if barred:
        return common.say(barred)
    word = found.command.keywords[0]
    if found.mood == TROUBLE:
        tip = _tip(found.command.name, word, member)
        return common.say(texts.TROUBLE.format(tip=tip, contact=contact(member)))
    return common.say(texts.NEGATED.format(word=word))


def contact(member) -> str:
    """Whom to ask when it still does not work: a leader is not sent to himself."""
    return texts.TROUBLE_CONTACT[bool(member is not None and member.is_leader)]


def _tip(name: str, word: str, member) -> str:
    tip = TIPS.get(name)
    if tip is not None:
        return tip(member)
    return texts.TROUBLE_TIPS.get(name, texts.TROUBLE_TIP).format(word=word)
