"""Which handler answers a push: tables of conversation steps, message kinds and events; the
commands and their keywords are wechat.commands', reading a text as one is wechat.matching's.
`handle(message)` is what the endpoint calls.

During a conversation, 「取消」 always leaves it; while it waits for free text (a visit's
notes) nothing else is read as a command, otherwise a command still wins over the step.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from peewee import JOIN

from models import ChatState, Member
from models.prepared import Prepared
from services.errors import DomainError

from . import texts
from .chat import (
    activities,
    checkin,
    checkout,
    common,
    events,
    leader,
    register,
    state,
    visits,
)
from .commands import BY_NAME, MENU_KEYS, Command
from .inbound import Inbound, Reply
from .matching import is_keyword, match, normalize

# Conversation steps: state -> {message kind: (message, member, data) -> Reply}.
STEPS = {
    checkin.PICK: {"text": checkin.on_pick},
    checkin.LOCATION: {"location": checkin.on_location},
    checkin.PHOTO: {"image": checkin.on_photo},
    checkout.OUT_PICK: {"text": checkout.on_checkout_pick},
    checkout.OUT_LOCATION: {
        "location": checkout.on_checkout_location,
        "text": checkout.on_checkout_location,
    },
    visits.SEEN: {"text": visits.on_seen},
    visits.HELP: {"text": visits.on_help_given},
    activities.LISTED: {"text": activities.on_number},
    register.ASKING: {"text": register.on_answer},
    leader.CONFIRM: {},
}
FREE_TEXT = {visits.SEEN, visits.HELP, register.ASKING}
REPROMPTS = {
    checkin.LOCATION: texts.ASK_LOCATION_AGAIN,
    checkin.PHOTO: texts.ASK_PHOTO_AGAIN,
    checkout.OUT_LOCATION: texts.ASK_LOCATION_AGAIN,
    leader.CONFIRM: texts.CONFIRM_OR_CANCEL,
}
# Events that open WeChat's customer-service window, as a user's message does.
INTERACTIONS = {"subscribe", "scan", "click"}
# The window is 48 hours; moving its start at most once a minute spares a write per message.
TOUCH_EVERY = timedelta(minutes=1)

# The member with their conversation (member.chat) in one query: every text needs both.
_MEMBER = Prepared(
    lambda p: (
        Member.select(Member, ChatState)
        .join(ChatState, JOIN.LEFT_OUTER, on=(ChatState.openid == Member.oa_openid), attr="chat")
        .where(Member.oa_openid == p.openid)
        .limit(1)
    )
)
_TOUCH = Prepared(
    lambda p: Member.update(last_interaction_at=p.at).where(
        (Member.oa_openid == p.openid)
        & (Member.last_interaction_at.is_null() | (Member.last_interaction_at < p.at))
    )
)


@dataclass(frozen=True)
class Plan:
    """How a push will be answered. `pure` when answering changes nothing (help, figures,
    lists, 'not understood'): the endpoint may then work out the reply first and record the
    push with its reply in one write, instead of claiming it before and saving after."""

    run: Callable[[], Reply]
    pure: bool = False


def plan(message: Inbound) -> Plan:
    """Look up the sender (with their conversation) and choose what will answer the push."""
    member = _MEMBER.first(openid=message.openid)
    if message.kind == "text":
        answer, pure = _text_route(message, member)
    elif message.kind == "event":
        answer, pure = partial(EVENTS.get(message.event, events.on_nothing), message, member), False
    else:
        answer, pure = partial(KINDS.get(message.kind, on_unsupported), message, member), False
    return Plan(partial(_answer, answer, message, member), pure)


def handle(message: Inbound) -> Reply:
    """The reply to one push (never None: Reply() means 'success')."""
    return plan(message).run()


def _answer(answer: Callable[[], Reply], message: Inbound, member) -> Reply:
    try:
        reply = answer()
    except DomainError as exc:
        reply = common.say(texts.SERVICE_ERROR.format(reason=exc.message))
    _touch(message, member)
    return reply


def _touch(message: Inbound, member: Member | None) -> None:
    """Every interaction moves last_interaction_at (the customer-service window) forward."""
    if message.kind == "event" and message.event not in INTERACTIONS:
        return
    at = common.moment(message.create_time)
    last = member.last_interaction_at if member is not None else None
    if last is not None and at - last < TOUCH_EVERY:
        return
    _TOUCH.rowcount(openid=message.openid, at=at)


def run(command: Command, message: Inbound, member, args: str = "") -> Reply:
    """A command, if this user may use it: bound, active and, for some, a leader."""
    if member is None and not command.unbound_ok:
        return common.say(texts.NEEDS_BINDING)
    if member is not None and not member.active:
        return common.say(texts.MEMBER_INACTIVE)
    if command.leader_only and not member.is_leader:
        return common.say(texts.LEADER_ONLY)
    return command.handler(message, member, args)


def on_text(message: Inbound, member) -> Reply:
    """A text: 取消, a conversation's free text, a command, a conversation's step, or help."""
    answer, _ = _text_route(message, member)
    return answer()


def _text_route(message: Inbound, member) -> tuple[Callable[[], Reply], bool]:
    """What answers a text, and whether that answer only reads."""
    conversation = _conversation(message, member)
    if normalize(message.content) in BY_NAME["cancel"].keywords:
        return partial(run, BY_NAME["cancel"], message, member), False
    if conversation and conversation.state in FREE_TEXT:
        if is_keyword(message.content):  # a bare command word is no answer
            hint = texts.COMMAND_IN_ANSWER.format(word=message.content.strip())
            return partial(common.say, hint), True
        return partial(_step, conversation, message, member), False
    found = match(message.content)
    if found is not None:
        command, args = found
        return partial(run, command, message, member, args), command.reads_only
    if conversation is not None:
        return partial(_step, conversation, message, member), False
    text = texts.NOT_UNDERSTOOD if member else texts.NEEDS_BINDING
    return partial(common.say, text), True


def _conversation(message: Inbound, member) -> state.Conversation | None:
    """The member's live conversation, from the row loaded with the member when it was."""
    if member is None:
        return None
    if "chat" in vars(member):
        return state.of_row(member.chat, common.now())
    return state.current(message.openid, common.now())


def _step(conversation: state.Conversation, message: Inbound, member) -> Reply:
    step = STEPS.get(conversation.state, {}).get(message.kind)
    if step is None:
        return common.say(REPROMPTS.get(conversation.state, texts.NOT_UNDERSTOOD))
    return step(message, member, conversation.data)


def on_location(message: Inbound, member) -> Reply:
    """A location message: the answer to a step, or an offer of a check-in close by."""
    if member is None:
        return common.say(texts.NEEDS_BINDING)
    now = common.now()
    state.remember_location(message.openid, message.lat, message.lng, None, now)
    conversation = state.current(message.openid, now)
    if conversation is not None and "location" in STEPS.get(conversation.state, {}):
        return _step(conversation, message, member)
    return checkin.on_stray_location(message, member)


def on_image(message: Inbound, member) -> Reply:
    """An image: the photo a step waits for, else a hint."""
    if member is None:
        return common.say(texts.NEEDS_BINDING)
    conversation = state.current(message.openid, common.now())
    if conversation is not None and conversation.state in REPROMPTS:
        return _step(conversation, message, member)
    return common.say(texts.UNEXPECTED_IMAGE)


def on_unsupported(message: Inbound, member) -> Reply:
    """Voice, video, links, files...: say what is understood here."""
    return common.say(texts.UNSUPPORTED_KIND if member else texts.NEEDS_BINDING)


def on_click(message: Inbound, member) -> Reply:
    """A custom-menu CLICK: the command its key names."""
    name = MENU_KEYS.get(message.event_key)
    if name is None:
        return common.say(texts.NOT_UNDERSTOOD)
    return run(BY_NAME[name], message, member)


KINDS = {"text": on_text, "location": on_location, "image": on_image}
EVENTS = {
    "subscribe": events.on_subscribe,
    "scan": events.on_scan,
    "unsubscribe": events.on_unsubscribe,
    "location": events.on_location_event,
    "click": on_click,
    "view": events.on_nothing,
    "templatesendjobfinish": events.on_template_finished,
}
