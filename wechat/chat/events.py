"""Events: follows and QR scans (perhaps a binding), unfollows, reported positions, template
delivery reports, subscription popups and events this code does not know. Most of them need
no answer: those return an empty Reply, which the endpoint renders as 'success'."""

from services import chat_binding, outbox_delivery

from .. import texts
from ..inbound import Inbound, Reply
from . import bind, common, state

NOTHING = Reply()


def on_subscribe(message: Inbound, member) -> Reply:
    """A follow, perhaps by scanning a bind:<code> QR code: bind, or greet."""
    bound = bind.bind_by_scene(message, member)
    if bound is not None:
        return bound
    if member is None:
        return common.say(texts.HELP_UNBOUND)
    if not member.oa_reachable:  # followed again after unfollowing
        chat_binding.set_following(message.openid, True)
    return common.say(texts.WELCOME_BOUND.format(name=member.name))


def on_scan(message: Inbound, member) -> Reply:
    """A follower scanned a QR code: a binding scene binds, anything else is greeted."""
    return on_subscribe(message, member)


def on_unsubscribe(message: Inbound, member) -> Reply:
    """An unfollow: the account can no longer message this member."""
    chat_binding.set_following(message.openid, False)
    state.leave(message.openid, common.now())
    return NOTHING


def on_location_event(message: Inbound, member) -> Reply:
    """The position WeChat reports when the chat opens: kept silently for later."""
    if common.is_place(message.lat, message.lng):
        state.remember_location(
            message.openid, message.lat, message.lng, message.precision, common.now()
        )
    return NOTHING


def on_template_finished(message: Inbound, member) -> Reply:
    """TEMPLATESENDJOBFINISH: record the delivery status on the template send it reports.
    The report comes from the member the message went to, so only their sends are searched."""
    msgid = str(message.msg_id or message.raw.get("MsgID") or "")
    if msgid.isdigit() and member is not None:
        outbox_delivery.record_template_report(member.id, msgid, message.status)
    return NOTHING


def on_nothing(message: Inbound, member) -> Reply:
    """VIEW, subscribe_msg_* and unknown events: nothing to say."""
    return NOTHING
