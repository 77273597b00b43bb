"""Which handler answers a push: tables of conversation steps, message kinds and events; the
commands and their keywords are wechat.commands', reading a text as one is wechat.matching's.
`handle(message)` is what the endpoint calls.

During a conversation, 「取消」 always leaves it, and so does refusing what it is doing
(「不签到了」 during a check-in); while it waits for free text (a visit's notes, the register's
questions) the text is the answer, word for word, unless it is nothing but a skip word or a
refusal (「跳过」, 「算了吧」: wechat.answers), which leaves the question for later and is never
stored, or nothing but a command word or a negated one, which repeats the question;
otherwise a command still wins over the step. A negated command never runs: 「我不想签到」 is
acknowledged, 「签到不了」 answered with how to do it and whom to ask. Small talk (「收到」,
「谢谢」) is answered kindly with what the conversation waits for (wechat.chat.asides).
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial

from peewee import JOIN

from models import ChatState, Member
from models.prepared import Prepared
from services.errors import DomainError

from . import smalltalk, texts
from .answers import FREE_TEXT, FreeText, is_cancel, is_no_answer
from .chat import (
    activities,
    asides,
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
from .matching import DO, PARTICLES, REFUSE, Found, is_keyword, match, normalize

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
    leader.CONFIRM: {"text": lambda message, member, data: _send_word(message, member)},
}

# The commands a conversation carries out: refusing one of them (「不签到了」) leaves it. The
# register's questions come after the check-out is done: 「不签退」 no longer undoes anything.
DOING = {
    checkin.PICK: {"checkin"},
    checkin.LOCATION: {"checkin"},
    checkin.PHOTO: {"checkin"},
    checkout.OUT_PICK: {"checkout"},
    checkout.OUT_LOCATION: {"checkout"},
    visits.SEEN: {"visit"},
    visits.HELP: {"visit"},
    activities.LISTED: {"activities", "enroll"},
    leader.CONFIRM: {"broadcast", "confirm"},
}
# Words a step waits for that would otherwise name a command (「直接签退」 is 签退) or be
# guessed as one (「不用了」 as 「不要了」, 取消, 「发送」 as 「确认发送」).
STEP_WORDS = {checkout.OUT_LOCATION: texts.SKIP_WORDS, leader.CONFIRM: texts.SEND_WORDS}
# What "no" (「不了」, 「不用了」: smalltalk.DECLINE) does at a step that defines it; at any other
# step it leaves the conversation as 「取消」 does (a notice previewed is not sent), and with
# nothing open it is only acknowledged. Free-text steps take it as a refusal (wechat.answers).
DECLINES = {checkout.OUT_LOCATION: checkout.on_no_location}  # 「或回复「跳过」直接签退」
# 「取消 1」 (commands.NUMBERED), by conversation: with the list of activities shown its number
# names one to withdraw from, as 「取消报名 1」; with nothing open the member hears how to
# withdraw; in another conversation the number names nothing there, and 取消 leaves it.
NUMBERED_CANCEL = {activities.LISTED: "unenroll", None: "unenroll"}
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
    """Look up the sender (with their conversation) and choose what will answer the push.

    A voice message WeChat transcribed (speech recognition, which the account turns on) is
    read as text from here on, in every step: many elderly members speak rather than type."""
    member = _MEMBER.first(openid=message.openid)
    if message.kind == "voice" and message.content:
        message = replace(message, kind="text")
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
    barred = command.barred(member)
    return common.say(barred) if barred else command.handler(message, member, args)


def on_text(message: Inbound, member) -> Reply:
    """A text: 取消, a conversation's free text, a command, a conversation's step, or help."""
    answer, _ = _text_route(message, member)
    return answer()


def _text_route(message: Inbound, member) -> tuple[Callable[[], Reply], bool]:
    """What answers a text, and whether that answer only reads."""
    conversation = _conversation(message, member)
    free = FREE_TEXT.get(conversation.state) if conversation else None
    if free is not None and is_no_answer(message.content):  # before 「算了」 as 取消
        return partial(free.skip, message, member, conversation.data), False
    if is_cancel(message.content, BY_NAME["cancel"].keywords):
        return _cancel_route(message, member, conversation, free)
    if free is not None:
        return _answer_route(conversation, free, message, member)
    if conversation and _awaited(conversation, message.content):
        return partial(_step, conversation, message, member), False
    found = match(message.content)
    if found is not None and found.mood != DO:
        if found.mood == REFUSE and found.command.name == "enroll":  # 「我不报名了」: withdraw
            return partial(asides.on_smalltalk, smalltalk.WITHDRAW, conversation), True
        if _leaves(conversation, found):
            return _cancel_route(message, member)
        return partial(asides.on_negated, found, member), True
    if found is not None:
        command = _numbered(found, conversation)
        return partial(run, command, message, member, found.args), command.reads_only
    kind = smalltalk.kind(message.content) if member is not None else None
    if kind == smalltalk.DECLINE and conversation is not None:
        decline = DECLINES.get(conversation.state)
        if decline is None:
            return _cancel_route(message, member)
        return partial(decline, message, member, conversation.data), False
    if kind is not None:
        return partial(asides.on_smalltalk, kind, conversation), True
    if conversation is not None:
        return partial(_step, conversation, message, member), False
    text = texts.NOT_UNDERSTOOD if member else texts.NEEDS_BINDING
    return partial(common.say, text), True


def _answer_route(
    conversation: state.Conversation, free: FreeText, message: Inbound, member
) -> tuple[Callable[[], Reply], bool]:
    """A free-text step takes the text as typed: 「老人说不想走访太频繁」 is a visit's note,
    「结对家庭」 whom the service was for (Command.may_answer), 「不需要帮助」 the help given (it
    refuses nothing the chat would do: 帮助 only reads). Only a bare command word that steers
    the chat (「签退」) or a bare refusal of what it does (「不走访了」) is no answer: the
    member hears why, and the question again, so they know what to write. Small talk
    (「收到」, 「好的」) only acknowledges the question: it is asked again; a no said with it
    (「好的，不用了」) is a refusal, and skips it."""
    kind = smalltalk.kind(message.content)
    if kind == smalltalk.DECLINE:
        return partial(free.skip, message, member, conversation.data), False
    if kind is not None:
        return _no_answer(texts.SMALLTALK_IN_ANSWER, conversation, free, message)
    found = match(message.content)
    if found is not None and is_keyword(message.content) and not found.command.may_answer:
        return _no_answer(texts.COMMAND_IN_ANSWER, conversation, free, message)
    if found is None or found.mood == DO or not found.bare or found.command.reads_only:
        return partial(_step, conversation, message, member), False
    if _leaves(conversation, found):
        return _cancel_route(message, member, conversation, free)
    return _no_answer(texts.NEGATION_IN_ANSWER, conversation, free, message)


def _no_answer(
    hint: str, conversation: state.Conversation, free: FreeText, message: Inbound
) -> tuple[Callable[[], Reply], bool]:
    """Why the text was not taken as the answer, then the question still waiting."""
    question = free.question(conversation.data)
    text = hint.format(word=message.content.strip(), question=question)
    return partial(common.say, text), True


def _cancel_route(
    message: Inbound, member, conversation=None, free: FreeText | None = None
) -> tuple[Callable[[], Reply], bool]:
    """取消: a free-text step's own leaving (keeping the answers given), else the command."""
    if free is not None:
        return partial(free.cancel, message, member, conversation.data), False
    return partial(run, BY_NAME["cancel"], message, member), False


def _awaited(conversation: state.Conversation, text: str) -> bool:
    """Whether the text is a word the step waits for (STEP_WORDS), give or take 了 or 吧."""
    return normalize(text).strip(PARTICLES) in STEP_WORDS.get(conversation.state, ())


def _send_word(message: Inbound, member) -> Reply:
    """The preview says 「回复「确认」发送」: 「发送」 confirms as 「确认」 does, in that step
    only; any other text the step gets hears again what it waits for."""
    if not _awaited(state.Conversation(leader.CONFIRM), message.content):
        return common.say(texts.CONFIRM_OR_CANCEL)
    return run(BY_NAME["confirm"], message, member)


def _leaves(conversation: state.Conversation | None, found: Found) -> bool:
    """Whether a negation ends the conversation, as 「取消」 would: it refuses what the
    conversation carries out (a visit's location and photo steps are check-in's, with the
    household as their target)."""
    if conversation is None or found.mood != REFUSE:
        return False
    visiting = conversation.data.get("target") == "visit"
    doing = {"visit"} if visiting else DOING.get(conversation.state, set())
    return found.command.name in doing


def _numbered(found: Found, conversation: state.Conversation | None) -> Command:
    """The command a number after 取消 makes of it (「取消 1」: NUMBERED_CANCEL), else the one
    found."""
    if found.command.name != "cancel" or not found.args:
        return found.command
    name = NUMBERED_CANCEL.get(conversation.state if conversation else None)
    return BY_NAME[name] if name else found.command


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
