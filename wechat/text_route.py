"""Which handler answers a text: 取消, a free-text step's answer, a command (done, refused or
not working), a step's own words, small talk, or 'not understood'. The commands and their
keywords are wechat.commands', reading a text as one is wechat.matching's; the router
(wechat.router) calls `route` for every text and voice message.

During a conversation, 「取消」 always leaves it, and so does refusing what it is doing
(「不签到了」 during a check-in); a no (「不了」) means what the step takes for no (STEPS' own
DECLINES), else leaves as 取消 does. While a step waits for free text (a visit's notes, the
register's questions) the text is the answer, word for word, unless it is nothing but a skip
word or a refusal (「跳过」, 「算了吧」: wechat.answers), which leaves the question for later
and is never stored, 取消, which leaves it keeping the answers given, small talk (「收到」),
a word that steers the chat (「签退」) or a bare refusal of what it does (「不签到了」), which
repeat the question, and a lone number (「1」), asked again too unless, right after 「签退」
was refused there, it picks from the list the check-out came from (LISTED_AFTER_REFUSAL).
Otherwise a command still wins over the step. A negated command never runs: 「我不想签到」
is acknowledged, 「签到不了」 answered with how to do it and whom to ask. With nothing open,
a lone number right after the notices were listed reads one (「2」: wechat.chat.notices).
Small talk (「收到」, 「谢谢」) is answered kindly with what the conversation waits for
(wechat.chat.asides). A step that asked yes or no (YES_NO) takes a yes (「是」, 「好的」) and a
no (「不是」, 「算了」, 「取消」: smalltalk.is_yes, smalltalk.is_no) before anything else.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from . import near_miss, phrasing, smalltalk, texts
from .answers import (
    FREE_TEXT,
    FreeText,
    is_blank,
    is_cancel,
    is_lone_number,
    is_no_answer,
    is_question,
    is_skip,
)
from .chat import (
    activities,
    asides,
    checkin,
    checkout,
    common,
    individual,
    lapsed,
    leader,
    notices,
    photo_first,
    register,
    state,
    visits,
)
from .commands import BY_NAME, Command, run
from .inbound import Inbound, Reply
from .matching import DO, PARTICLES, REFUSE, Found, is_keyword, leading, match, normalize

Route = tuple[Callable[[], Reply], bool]  # what answers, and whether answering only reads


def _send_word(message: Inbound, member, data: dict) -> Reply:
    """The preview says 「回复「确认」发送」: 「发送」 confirms as 「确认」 does, in that step
    only; any other text the step gets hears again what it waits for."""
    if phrasing.asks_urgent(message.content):  # 「改成紧急」: this notice, urgent
        return run(BY_NAME["urgent"], message, member)
    if not awaited(state.Conversation(leader.CONFIRM), message.content):
        return common.say(texts.CONFIRM_OR_CANCEL)
    return run(BY_NAME["confirm"], message, member)


def _notice_text(message: Inbound, member, data: dict) -> Reply:
    """Where the notice's text is asked for, a yes or 「确认」 (「好的」, 「发送」) is no text:
    nothing waits to be confirmed, so the question is asked again; a no (「不用了」) leaves
    as 取消 does; 「紧急的」 asks for an urgent one's text. Anything else is the notice, word
    for word."""
    text = message.content
    if phrasing.asks_urgent(text):
        return run(BY_NAME["urgent"], message, member)
    core = normalize(text).strip(PARTICLES)
    if core in (*BY_NAME["confirm"].keywords, *SEND_WORDS) or smalltalk.is_yes(text, True):
        return leader.on_no_text(message, member, data)
    refused = core in NOT_SENDING or smalltalk.kind(text) == smalltalk.DECLINE
    if refused or smalltalk.is_no(text):
        return run(BY_NAME["cancel"], message, member)
    return leader.on_text(message, member, data)


# Conversation steps: state -> {message kind: (message, member, data) -> Reply}.
STEPS = {
    checkin.PICK: {
        "text": checkin.on_pick,
        "location": checkin.on_pick_location,
        "image": checkin.on_pick_photo,
    },
    checkin.LOCATION: {"location": checkin.on_location, "image": checkin.on_early_photo},
    checkin.PHOTO: {"image": checkin.on_photo, "location": checkin.on_location_again},
    checkout.OUT_PICK: {
        "text": checkout.on_checkout_pick,
        "location": checkout.on_checkout_pick_location,
        "image": checkin.on_checkout_pick_photo,
    },
    checkout.OUT_LOCATION: {
        "location": checkout.on_checkout_location,
        "text": checkout.on_checkout_location,
    },
    visits.SEEN: {"text": visits.on_seen},
    visits.HELP: {"text": visits.on_help_given},
    activities.LISTED: {"text": activities.on_number},
    register.ASKING: {"text": register.on_answer},
    leader.CONFIRM: {"text": _send_word},
    leader.TEXT: {"text": _notice_text},
    individual.CONFIRM: {
        "text": photo_first.on_own_other,
        "location": photo_first.on_own_location,
        "image": photo_first.on_own_photo,
    },
}


@dataclass(frozen=True)
class Listed:
    """A command whose list a free-text step's conversation may hold (register.LISTED): which
    of its entries a number may still pick, what a number picked does, and what refusing the
    command there says (with {word} and {question})."""

    still_listed: Callable[[object, dict], list]
    pick: Callable[[Inbound, object, dict], Reply]
    hint: str


# Commands refused at a register question (「签退」) while the list they were picked from
# holds another entry still open: a lone number next picks from it, as numbered then.
LISTED_AFTER_REFUSAL = {
    "checkout": Listed(checkout.still_listed, checkout.on_listed_number, texts.CHECKOUT_IN_ANSWER)
}
# Steps that asked a yes-or-no question: (what a yes does, what a no does). A no said as 取消
# (「算了」, 「取消」) is the step's no, so the member hears what became of what it held.
# A yes: the location asked for, or, sent already, the photo checked (as the keyword does).
YES_NO = {individual.CONFIRM: (individual.on_yes, photo_first.on_own_no)}
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
    leader.CONFIRM: {"broadcast", "urgent", "confirm"},
    leader.TEXT: {"broadcast", "urgent"},
    individual.CONFIRM: {"checkin", "individual"},
}
# Steps that take the whole text as typed (but 取消): a notice names what it likes (「明天活动
# 签到时间改为八点」), and no word in it may be read as a command.
WHOLE_TEXT = {leader.TEXT}
# Words a step waits for that would otherwise name a command (「直接签退」 is 签退) or be
# guessed as one (「不用了」 as 「不要了」, 取消, 「发送」 as 「确认发送」).
SEND_WORDS = texts.SEND_WORDS
# Not sending after all, where the notice's text is asked for (「不发了」): 取消.
NOT_SENDING = ("不发", "不发送", "不发通知", "不通知", "别发", "不要发", "不用发")
STEP_WORDS = {checkout.OUT_LOCATION: texts.SKIP_WORDS, leader.CONFIRM: SEND_WORDS}
# What "no" (「不了」, 「不用了」: smalltalk.DECLINE) does at a step that defines it; at any other
# step it leaves the conversation as 「取消」 does (a notice previewed is not sent), and with
# nothing open it is only acknowledged. Free-text steps take it as a refusal (wechat.answers).
DECLINES = {
    checkout.OUT_LOCATION: checkout.on_no_location,  # 「或回复「跳过」直接签退」
    individual.CONFIRM: photo_first.on_own_no,  # 「不用了，谢谢」
}
# Refusing the location (「不发位置了」, 「跳过」, 「不用」, 「不需要」: wechat.phrasing) at a step
# asking for it: the check-out goes on without one, as 「跳过」; a check-in or visit needs it
# (services.checkin takes no check-in without a position: it is what proves the member was
# there), so the member hears why and how to send it (「+」, then 「位置」), and that 取消
# leaves; the step stays.
NO_LOCATION = {
    checkout.OUT_LOCATION: checkout.on_no_location,
    checkin.LOCATION: checkin.on_location_refused,
}
# Asking how to send the location, or saying it is not working (「我不知道怎么发位置」, 「定位
# 没开」: wechat.phrasing), at a step asking for it: how to send it, and the step stays.
LOCATION_HELP = {
    checkout.OUT_LOCATION: checkout.on_location_help,
    checkin.LOCATION: checkin.on_location_refused,
}
# Saying the photo cannot be sent, or asking how (「我发不了照片」: wechat.phrasing), at the
# step asking for it: how to send it (and whom to ask), and the step stays.
PHOTO_HELP = {checkin.PHOTO: checkin.on_photo_help}
# 「取消 1」 (commands.NUMBERED), by conversation: with the list of activities shown its number
# names one to withdraw from, as 「取消报名 1」; with nothing open the member hears how to
# withdraw; in another conversation the number names nothing there, and 取消 leaves it.
NUMBERED_CANCEL = {activities.LISTED: "unenroll", None: "unenroll"}
# A question about a command, with no conversation open (「谁没签到」, 「签到了吗」: _asks), is
# no request: starting the command would only ask for a location and record nothing. These
# answer it instead, by command name, with where to look and how to do it.
QUESTIONS = {"checkin": checkin.on_question}
# Steps another command may not replace unsaid: the leader has typed the notice, and a word
# taken for a command (「我看看今天有几个人签到」) would drop it. 确认/取消 decide first.
GATES = {leader.CONFIRM: texts.CONFIRM_FIRST}
# What a step still waits for, said after a command that only reads answered within it.
AWAITED = {
    checkin.PICK: texts.AWAITING_NUMBER,
    checkin.LOCATION: texts.AWAITING_LOCATION,
    checkin.PHOTO: texts.AWAITING_PHOTO,
    checkout.OUT_PICK: texts.AWAITING_NUMBER,
    checkout.OUT_LOCATION: texts.AWAITING_CHECKOUT_LOCATION,
    individual.CONFIRM: texts.OWN_SERVICE_ASK_AGAIN,
}
REPROMPTS = {
    checkin.LOCATION: texts.ASK_LOCATION_AGAIN,
    checkin.PHOTO: texts.ASK_PHOTO_AGAIN,
    checkout.OUT_LOCATION: texts.ASK_LOCATION_AGAIN,
    leader.CONFIRM: texts.CONFIRM_OR_CANCEL,
}


def route(message: Inbound, member) -> Route:
    """What answers a text, and whether that answer only reads."""
    conversation = current(message, member)
    listed = _listed_route(message, member) if conversation is None and member else None
    if listed is not None:
        return listed
    late = _late_route(message, member) if conversation is None and member else None
    if late is not None:
        return late
    agreed = _agreed(message, member) if conversation is None and member else None
    if agreed is not None:
        return partial(run, agreed, message, member), agreed.reads_only
    said = _yes_no_route(conversation, message, member) if conversation else None
    if said is not None:
        return said
    free = FREE_TEXT.get(conversation.state) if conversation else None
    if free is not None:
        return _free_text_route(conversation, free, message, member)
    if is_cancel(message.content, BY_NAME["cancel"].keywords):
        return _cancel_route(message, member)
    if conversation and conversation.state in WHOLE_TEXT and not _restarts(conversation, message):
        return partial(step, conversation, message, member), False
    helped = _sending_route(conversation, message, member) if conversation else None
    if helped is not None:
        return helped
    if conversation and awaited(conversation, message.content):
        return partial(step, conversation, message, member), False
    found = match(message.content)
    if found is not None:
        return _found_route(found, conversation, message, member)
    return _other_route(conversation, message, member)


def _listed_route(message: Inbound, member) -> Route | None:
    """A lone number (「2」, 「第2条」) right after the notices were listed (the list was the
    last reply: wechat.router forgets it at any other message), with no conversation open
    to take it: the notice it names (wechat.chat.notices), not 'not understood'. Newer than
    any step that timed out before it, it is read before a late answer to one would be."""
    row = member.chat if "chat" in vars(member) else None
    ids = state.listed_notices(row, common.now())
    if ids is None or not common.is_numberish(message.content):
        return None
    return partial(notices.on_listed_number, message, member, ids), False


def _agreed(message: Inbound, member) -> Command | None:
    """The command a 'not understood' just suggested, when the text is a yes to it (「是的」,
    「对」, 「嗯」): the member need not type the keyword after all."""
    if not smalltalk.is_yes(message.content):
        return None
    name = state.suggested(member.chat if "chat" in vars(member) else None, common.now())
    return BY_NAME[name] if name in BY_NAME else None


def _yes_no_route(conversation: state.Conversation, message: Inbound, member) -> Route | None:
    """A yes or a no (取消 included) to a step's yes-or-no question (YES_NO), else None."""
    answers = YES_NO.get(conversation.state)
    if answers is None:
        return None
    text = message.content
    if smalltalk.is_yes(text, thanked=True):
        return partial(answers[0], message, member, conversation.data), False
    if smalltalk.is_no(text) or is_cancel(text, BY_NAME["cancel"].keywords):
        return partial(answers[1], message, member, conversation.data), False
    return None


def _late_route(message: Inbound, member) -> Route | None:
    """Words meant for a question that timed out (wechat.chat.lapsed): that it did, and the
    question again; None for a text that is no answer (a command said plainly, 取消, small
    talk, a greeting, a question), which is answered as with nothing open. A yes or a no
    (「是」, 「不用了」) answers a step that asked yes or no (YES_NO)."""
    conversation = lapsed_conversation(message, member)
    if not lapsed.is_late_words(conversation):
        return None
    text = message.content
    answered = smalltalk.is_yes(text, thanked=True) or smalltalk.is_no(text)
    if conversation.state in YES_NO and answered:
        return partial(lapsed.on_late_words, message, member, conversation), False
    if smalltalk.kind(text) is not None or phrasing.is_greeting(text) or is_question(text):
        return None
    if is_blank(text) or is_cancel(text, BY_NAME["cancel"].keywords):
        return None
    if conversation.state in lapsed.SKIPS and is_no_answer(text):  # 「跳过」 late: never written
        return partial(lapsed.on_late_skip, message, member, conversation), False
    found = match(text)
    if found is not None and not found.asked:
        return None
    return partial(lapsed.on_late_words, message, member, conversation), False


def _sending_route(conversation: state.Conversation, message: Inbound, member) -> Route | None:
    """At a step asking for the location: a refusal of it (NO_LOCATION), or a question or
    trouble with sending it (LOCATION_HELP); at one asking for the photo, trouble with
    sending it (PHOTO_HELP); else None."""
    for table, said in (
        (NO_LOCATION, phrasing.refuses_location),
        (LOCATION_HELP, phrasing.asks_about_location),
        (PHOTO_HELP, phrasing.asks_about_photo),
    ):
        handler = table.get(conversation.state)
        if handler is not None and said(message.content):
            return partial(handler, message, member, conversation.data), False
    return None


def _free_text_route(
    conversation: state.Conversation, free: FreeText, message: Inbound, member
) -> Route:
    """A skip word or a refusal (「算了」, before 「算了」 as 取消) skips; 取消 leaves, keeping
    the answers given; anything else may be the answer."""
    if is_no_answer(message.content):
        return partial(free.skip, message, member, conversation.data), False
    if is_cancel(message.content, BY_NAME["cancel"].keywords):
        return _cancel_route(message, member, conversation, free)
    return _answer_route(conversation, free, message, member)


def _answer_route(
    conversation: state.Conversation, free: FreeText, message: Inbound, member
) -> Route:
    """A free-text step takes the text as typed: 「老人说不想走访太频繁」 is a visit's note,
    「结对家庭」 whom the service was for (Command.may_answer), 「不需要帮助」 the help given (it
    refuses nothing the chat would do: 帮助 only reads). Only a bare command word that steers
    the chat (「签退」) or a bare refusal of what it does (「不走访了」) is no answer: the
    member hears why, and the question again, so they know what to write. Small talk
    (「收到」, 「好的」) and a bare greeting (「在吗」) only acknowledge the question: it is
    asked again; a no said with it (「好的，不用了」) is a refusal, and skips it. 「不行」 is
    taken as typed: it may be the answer (「家里情况不行」)."""
    kind = smalltalk.kind(message.content)
    if kind == smalltalk.DECLINE:
        return partial(free.skip, message, member, conversation.data), False
    if kind is not None and kind != smalltalk.STUCK:  # 「不行」 may answer 「情况怎么样」
        return _no_answer(texts.SMALLTALK_IN_ANSWER, conversation, free, message)
    if phrasing.is_greeting(message.content):
        return _no_answer(texts.GREETING_IN_ANSWER, conversation, free, message)
    if is_blank(message.content):
        return _no_answer(texts.BLANK_ANSWER, conversation, free, message)
    if is_question(message.content):
        return _no_answer(texts.QUESTION_IN_ANSWER, conversation, free, message)
    if is_lone_number(message.content):
        return _number_route(conversation, free, message, member)
    found = match(message.content)
    if found is not None and _is_command(found, message.content) and found.command.reads_only:
        still = texts.STILL_ASKING.format(question=free.question(conversation.data))
        return partial(_aside, found.command, message, member, found.args, still), True
    if found is not None and _is_command(found, message.content):
        return _refused_route(found.command, conversation, free, message, member)
    if found is None or found.mood == DO or not found.bare or found.command.reads_only:
        return partial(step, conversation, message, member), False
    if _leaves(conversation, found):
        return _cancel_route(message, member, conversation, free)
    return _no_answer(texts.NEGATION_IN_ANSWER, conversation, free, message)


def _refused_route(
    command: Command, conversation: state.Conversation, free: FreeText, message: Inbound, member
) -> Route:
    """A command at a free-text step is no answer. One whose list the conversation still
    holds (LISTED_AFTER_REFUSAL: 「签退」 after 签退's list, with another entry of it open)
    is noted, and the member hears that a number from that list does it."""
    listed = LISTED_AFTER_REFUSAL.get(command.name)
    if listed is None or not listed.still_listed(member, conversation.data):
        return _no_answer(texts.COMMAND_IN_ANSWER, conversation, free, message)
    return partial(_note_refused, command, listed.hint, conversation, free, message), False


def _note_refused(
    command: Command, hint: str, conversation: state.Conversation, free: FreeText, message
) -> Reply:
    noted = {**conversation.data, register.REFUSED: command.name}
    state.start(message.openid, conversation.state, noted, common.now())
    question = free.question(conversation.data)
    return common.say(hint.format(word=message.content.strip(), question=question))


def _number_route(
    conversation: state.Conversation, free: FreeText, message: Inbound, member
) -> Route:
    """A lone number at a free-text step: right after a command was refused there whose list
    the conversation holds (_refused_route), a choice from that list; else no answer."""
    listed = LISTED_AFTER_REFUSAL.get(conversation.data.get(register.REFUSED))
    if listed is not None:
        return partial(listed.pick, message, member, conversation.data), False
    return _no_answer(texts.NUMBER_IN_ANSWER, conversation, free, message)


def _is_command(found: Found, text: str) -> bool:
    """Whether a text at a free-text step is a command, not an answer: a bare keyword that
    steers the chat (「签退」), or one with its argument (「取消报名 3」, 「报名 2」)."""
    if found.mood != DO or found.command.may_answer:
        return False
    return is_keyword(text) or bool(found.command.takes_args and found.args)


def _restarts(conversation: state.Conversation, message: Inbound) -> bool:
    """Whether a text at a WHOLE_TEXT step starts what the step does afresh (「通知 内容」 at
    the step asking for the notice's text): its keyword is then no part of the text."""
    found = match(message.content)
    return found is not None and not found.asked and found.command.name in DOING[conversation.state]


def _aside(command: Command, message: Inbound, member, args: str, still: str) -> Reply:
    """A command that only reads (帮助, 我的) answered in the middle of a step, then a line
    saying what the step still waits for: an elderly member who asked for help must not
    think the check-in or the question was dropped."""
    reply = run(command, message, member, args)
    return Reply("\n".join(filter(None, (reply.text, still))), after=reply.after)


def _no_answer(
    hint: str, conversation: state.Conversation, free: FreeText, message: Inbound
) -> Route:
    """Why the text was not taken as the answer, then the question still waiting."""
    question = free.question(conversation.data)
    text = hint.format(word=message.content.strip(), question=question)
    return partial(common.say, text), True


def _found_route(
    found: Found, conversation: state.Conversation | None, message: Inbound, member
) -> Route:
    """A command named: done (「取消 1」 read as NUMBERED_CANCEL says), or, negated, never run:
    「我不报名了」 hears how to withdraw, a refusal of what the conversation does leaves it,
    any other is acknowledged or, not working, answered with how it is done. A keyword that
    is not all the text asks for (Found.asked) is no answer to an open conversation's step,
    which hears it as any other text (「我在社区活动室」 during a check-in); a step that
    GATES another command keeps its conversation and says what it waits for first."""
    if found.asked and conversation is not None:
        return _other_route(conversation, message, member)
    answer = QUESTIONS.get(found.command.name)
    if answer and conversation is None and found.mood == DO and _asks(found, message.content):
        return partial(run, replace(found.command, handler=answer), message, member), True
    state_of = conversation.state if conversation else None
    gate = GATES.get(state_of)
    if gate and found.mood == DO and found.command.name not in {"cancel", *DOING[state_of]}:
        return partial(common.say, gate), True
    if found.mood == DO:
        command = _numbered(found, conversation)
        awaited_step = AWAITED.get(state_of) if command.reads_only else None
        if awaited_step is not None:  # 「帮助」 at the location step: the step is still open
            return partial(_aside, command, message, member, found.args, awaited_step), True
        return partial(run, command, message, member, found.args), command.reads_only
    if found.mood == REFUSE and found.command.name == "enroll":  # 「我不报名了」: withdraw
        return partial(asides.on_smalltalk, smalltalk.WITHDRAW, conversation), False
    if _leaves(conversation, found):
        return _cancel_route(message, member)
    return partial(asides.on_negated, found, member), True


def _asks(found: Found, text: str) -> bool:
    """Whether a text naming a command asks about it: a short question (「签到了吗」), or the
    keyword among other words with a question word (「谁没签到」, 「签到表在哪」). 「签到一下」
    and 「我想签个到」 ask for it, and still run it."""
    return is_question(text) or (found.asked and phrasing.asks_about(text))


def _other_route(conversation: state.Conversation | None, message: Inbound, member) -> Route:
    """No command: a no (DECLINES), small talk, the step's own answer, a skip word with no
    question waiting (NOTHING_TO_SKIP), or 'not understood'."""
    kind = smalltalk.kind(message.content) if member is not None else None
    if kind == smalltalk.DECLINE and conversation is not None:
        decline = DECLINES.get(conversation.state)
        if decline is None:
            return _cancel_route(message, member)
        return partial(decline, message, member, conversation.data), False
    if kind is not None:  # 「我不去了」 at the list writes what a bare number will do next
        reads_only = kind != smalltalk.WITHDRAW
        return partial(asides.on_smalltalk, kind, conversation, member), reads_only
    if conversation is not None:
        return partial(step, conversation, message, member), False
    if member is None:
        return partial(common.say, texts.NEEDS_BINDING), True
    if is_skip(message.content):
        return _skip_route(message, member)
    suggested = suggestions(message.content, member)
    text = not_understood(suggested)
    if len(suggested) == 1:  # kept, so that a yes starts it (_agreed)
        return partial(_suggest, message, suggested[0], text), False
    return partial(common.say, text), True


def _skip_route(message: Inbound, member) -> Route:
    """A skip word with no question waiting. After a step that timed out lately (签退's
    location), the member hears which one and to start it again, as a late location would
    (wechat.chat.lapsed): told that nothing waits, they took the entry for checked out while
    it stayed open. Otherwise (a second 「跳过」 after the questions ended) nothing waits."""
    if lapsed.flow_of(lapsed_conversation(message, member)) is None:
        return partial(common.say, texts.NOTHING_TO_SKIP), True
    return partial(lapsed.on_late_step, message, common.now()), False


# 'Not understood', by how many commands are near enough to suggest (near_miss.closest).
NOT_UNDERSTOOD = {0: texts.NOT_UNDERSTOOD, 1: texts.NOT_UNDERSTOOD_ONE, 2: texts.NOT_UNDERSTOOD_TWO}


# Not suggested from a sentence it begins: 'not understood' names 帮助 anyway.
NOT_LED = ("help",)


def suggestions(text: str, member) -> list[Command]:
    """The command (or two) a text that named none is nearest (「钱到」: 签到), else the one
    whose keyword only begins it (「签到今天的义诊活动」: wechat.matching._prose)."""
    near = near_miss.closest(normalize(text), member)
    if near:
        return near
    led = leading(text)
    if led is None or led.name in NOT_LED or not near_miss.suggestable(led, member):
        return []
    return [led]


def not_understood(suggested: list[Command]) -> str:
    """'Not understood', asking whether the member meant what the commands do (texts.DOING),
    with the keyword the help names each by to send."""
    words = {}
    for key, command in zip(("first", "second"), suggested, strict=False):
        words[key], words[f"{key}_doing"] = command.keywords[0], texts.DOING[command.name]
    return NOT_UNDERSTOOD[len(suggested)].format(**words)


def _suggest(message: Inbound, command: Command, text: str) -> Reply:
    state.suggest(message.openid, command.name, common.now())
    return common.say(text)


def _cancel_route(
    message: Inbound, member, conversation=None, free: FreeText | None = None
) -> Route:
    """取消: a free-text step's own leaving (keeping the answers given), else the command."""
    if free is not None:
        return partial(free.cancel, message, member, conversation.data), False
    return partial(run, BY_NAME["cancel"], message, member), False


def awaited(conversation: state.Conversation, text: str) -> bool:
    """Whether the text is a word the step waits for (STEP_WORDS), give or take 了 or 吧."""
    return normalize(text).strip(PARTICLES) in STEP_WORDS.get(conversation.state, ())


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


def current(message: Inbound, member) -> state.Conversation | None:
    """The member's live conversation, from the row loaded with the member when it was."""
    if member is None:
        return None
    if "chat" in vars(member):
        return state.of_row(member.chat, common.now())
    return state.current(message.openid, common.now())


def lapsed_conversation(message: Inbound, member) -> state.Conversation | None:
    """The member's conversation that timed out lately (state.lapsed), from the row loaded
    with the member when it was."""
    if "chat" in vars(member):
        return state.lapsed_of_row(member.chat, common.now())
    return state.lapsed(message.openid, common.now())


def step(conversation: state.Conversation, message: Inbound, member) -> Reply:
    """The conversation's step for this kind of message, else what the step waits for."""
    handler = STEPS.get(conversation.state, {}).get(message.kind)
    if handler is None:
        return common.say(REPROMPTS.get(conversation.state, texts.NOT_UNDERSTOOD))
    return handler(message, member, conversation.data)
