"""「到了」 and 「我走了」: a check-in or check-out said as a fact (wechat.phrasing.SAID).

Such a text is a command only where one fits and nothing else is under way: 「到了」 starts
the check-in when an activity is open to it (or says when the member checked in), and
「我走了」 the check-out of an open check-in. Both only ask for the next step, so nothing is
recorded by the words alone. During a conversation they are acknowledgements (「到了」 at a
check-in's location step is the member telling where they are), answered with what the step
waits for: starting again would drop what it holds (a visit, a photo kept, a location
sent). With nothing to do they are small talk too (a member arriving home, saying goodbye),
never answered with 「没有需要签退的签到」.
"""

from models import Member
from services import summary

from .. import smalltalk
from ..inbound import Inbound, Reply
from . import asides, checkin, checkout, common, state


def on_arrived(message: Inbound, member: Member, args: str = "") -> Reply:
    """「到了」: check in where there is something to check in to, or say it is done."""
    conversation = state.current(message.openid, common.now())
    if conversation is None and (
        checkin.open_activities(member) or checkin.already_checked_in(member)
    ):
        return checkin.on_checkin(message, member)
    return asides.on_smalltalk(smalltalk.ACK, conversation)


def on_leaving(message: Inbound, member: Member, args: str = "") -> Reply:
    """「我走了」: check out where a check-in is open."""
    conversation = state.current(message.openid, common.now())
    if conversation is None and summary.open_checkins(member.id):
        return checkout.on_checkout(message, member)
    return asides.on_smalltalk(smalltalk.ACK, conversation)
