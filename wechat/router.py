"""Which handler answers a push: tables of message kinds and events; a text's answer is
wechat.text_route's (conversation steps, commands, small talk). `handle(message)` is what the
endpoint calls, `plan(message)` what it calls to learn first whether answering only reads.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial

from peewee import JOIN

from models import ChatState, Member
from models.prepared import Prepared
from services.errors import DomainError

from . import commands, text_route, texts
from .answers import FREE_TEXT
from .chat import checkin, common, events, lapsed, last_photo, leader, photo_first, state
from .inbound import Inbound, Reply

# Events that open WeChat's customer-service window, as a user's message does.
INTERACTIONS = {"subscribe", "scan", "click"}
# Kept values (wechat.chat.state.KEPT) that only the next message may answer.
OFFERS = (state.SUGGESTED, state.LISTED_NOTICES)
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
    """Look up the sender (with their conversation) and choose what will answer the push.

    A voice message WeChat transcribed (speech recognition, which the account turns on) is
    read as text from here on, in every step: many elderly members speak rather than type."""
    member = _MEMBER.first(openid=message.openid)
    if message.kind == "voice" and message.content:
        message = replace(message, kind="text")
    if message.kind == "text":
        answer, pure = text_route.route(message, member)
    elif message.kind == "event":
        answer, pure = partial(EVENTS.get(message.event, events.on_nothing), message, member), False
    else:
        answer, pure = partial(KINDS.get(message.kind, on_unsupported), message, member), False
    return Plan(partial(_answer, answer, message, member), pure)


def handle(message: Inbound) -> Reply:
    """The reply to one push (never None: Reply() means 'success')."""
    return plan(message).run()


def _answer(answer: Callable[[], Reply], message: Inbound, member) -> Reply:
    _forget_offers(message, member)
    try:
        reply = answer()
    except DomainError as exc:
        reply = common.say(texts.SERVICE_ERROR.format(reason=exc.message))
    _touch(message, member)
    return reply


def _forget_offers(message: Inbound, member: Member | None) -> None:
    """What the last reply offered (OFFERS: a command suggested, a list of notices to read by
    number) waits for the very next message only: whatever that is (an answer to it was
    routed already, from the row loaded with the member), it is forgotten before the answer,
    which may offer it again. A menu click (INTERACTIONS) shows something else, so it
    forgets too; other events (a LOCATION event as the chat opens) are no message."""
    row = getattr(member, "chat", None) if member is not None else None
    if row is None or message.kind == "event" and message.event not in INTERACTIONS:
        return
    offered = tuple(key for key in OFFERS if key in row.data)
    if offered:
        state.forget(message.openid, offered, common.now())


def _touch(message: Inbound, member: Member | None) -> None:
    """Every interaction moves last_interaction_at (the customer-service window) forward."""
    if message.kind == "event" and message.event not in INTERACTIONS:
        return
    at = common.moment(message.create_time)
    last = member.last_interaction_at if member is not None else None
    if last is not None and at - last < TOUCH_EVERY:
        return
    _TOUCH.rowcount(openid=message.openid, at=at)


def on_text(message: Inbound, member) -> Reply:
    """A text: 取消, a conversation's free text, a command, a conversation's step, or help."""
    answer, _ = text_route.route(message, member)
    return answer()


def on_location(message: Inbound, member) -> Reply:
    """A location message: the answer to a step, or an offer of a check-in close by; at a
    step waiting for typed words, its question again; after a step timed out, that it did
    (wechat.chat.lapsed), never a check-in of another kind. A position that is no place on
    Earth (unreadable, or out of range) is asked for again, and the conversation stays."""
    if member is None:
        return common.say(texts.NEEDS_BINDING)
    if not common.is_place(message.lat, message.lng):  # checked once, here: no step sees it
        return common.say(texts.BAD_LOCATION)
    now = common.now()
    state.remember_location(message.openid, message.lat, message.lng, None, now)
    conversation = state.current(message.openid, now)
    if _awaits_words(conversation):
        return _words_please(conversation)
    if conversation is not None and "location" in text_route.STEPS.get(conversation.state, {}):
        return text_route.step(conversation, message, member)
    late = lapsed.on_late_step(message, now) if conversation is None else None
    offer = late or photo_first.on_location_first(message, member)
    return offer or checkin.on_stray_location(message, member)


def on_image(message: Inbound, member) -> Reply:
    """An image: the photo a step waits for; else, sent just after the last photo (still
    checked, or already registered), that the last one is used (wechat.chat.last_photo);
    else a step's question waiting for typed words, that the step it was meant for timed out
    (wechat.chat.lapsed), or, with nothing under way, the photo kept and the member led
    through the rest of a check-in (wechat.chat.photo_first)."""
    if member is None:
        return common.say(texts.NEEDS_BINDING)
    conversation = state.current(message.openid, common.now())
    steps = text_route.STEPS.get(conversation.state, {}) if conversation else {}
    repeat = None if "image" in steps else last_photo.repeat_told(message.openid, member.id)
    if repeat is not None:
        waiting = _words_please(conversation).text if _awaits_words(conversation) else ""
        return common.say("\n".join(filter(None, (repeat, waiting))))
    if _awaits_words(conversation):
        return _words_please(conversation)
    if conversation is not None and (
        "image" in steps or conversation.state in text_route.REPROMPTS
    ):
        return text_route.step(conversation, message, member)
    late = lapsed.on_late_step(message, common.now()) if conversation is None else None
    return late or photo_first.on_photo_first(message, member)


# The steps waiting for typed words, with the question each waits on: a visit's notes and
# the register's questions (wechat.answers.FREE_TEXT), and a notice's text after 「通知」.
WORDS_QUESTIONS = {
    **{name: free.question for name, free in FREE_TEXT.items()},
    leader.TEXT: lambda data: leader.ASK_TEXT[bool(data.get("urgent"))],
}


def _awaits_words(conversation: state.Conversation | None) -> bool:
    """Whether the step waits for typed words (WORDS_QUESTIONS): a location or photo sent
    there answers nothing, and taken as a stray one it would start a new check-in and abandon
    the step."""
    return conversation is not None and conversation.state in WORDS_QUESTIONS


def _words_please(conversation: state.Conversation) -> Reply:
    """Ask for words, with the question still waiting; the conversation stays as it is."""
    question = WORDS_QUESTIONS[conversation.state](conversation.data)
    return common.say(texts.WORDS_PLEASE.format(question=question))


def on_unsupported(message: Inbound, member) -> Reply:
    """Voice, video, links, files...: say what is understood here."""
    return common.say(texts.UNSUPPORTED_KIND if member else texts.NEEDS_BINDING)


def on_click(message: Inbound, member) -> Reply:
    """A custom-menu CLICK: the command its key names."""
    name = commands.MENU_KEYS.get(message.event_key)
    if name is None:
        return common.say(texts.NOT_UNDERSTOOD)
    return commands.run(commands.BY_NAME[name], message, member)


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
