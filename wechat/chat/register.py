"""After a check-out: the register's fields the entry still lacks, asked one by one, since
only entries filled in count toward a member's hours. What the programme fills in by itself
(what was done at an activity, whom a household visit served) the check-out has already
written (services.register_defaults), so the fields still blank are the member's
(services.register_fill), as in the mini-program. A visit is asked in the visit flow's words
(what was seen, what help was given), even when it was checked in from the mini-program.
「跳过」, or a refusal such as 「算了吧」 (wechat.answers), leaves the rest for 「补登」 or the
mini-program and is never written as an answer.

Each answer is written into the entry as it is given (services.register_fill.complete, the
same service and history path as the mini-program's), not held in the conversation until the
last one: a conversation is forgotten after ten minutes (wechat.chat.state.TIMEOUT), and an
elderly member who pauses between questions must not lose what they typed. The entry's
history therefore has one 'fill' line per answer, not one per conversation."""

from collections.abc import Callable
from dataclasses import dataclass

from services import register_fill, review
from services.errors import DomainError
from services.record_names import DECIDER_NAMES

from .. import texts
from ..inbound import Inbound, Reply
from . import common, repeats, state
from .visits import stored_seen

ASKING = "register_fields"
# The list of open check-ins the check-out was picked from (wechat.chat.checkout), kept with
# the questions, and the command just refused at one (「签退」: wechat.text_route): a lone
# number sent next names an entry of that list, as the member saw it numbered, not an answer.
LISTED, REFUSED = "listed", "refused"
# The service's refusal of a fill-in once a reviewer rejected the entry (services.review).
REJECTED = "record_rejected"


@dataclass(frozen=True)
class Question:
    """A register field as the chat asks for it: the question, the name a too-long answer is
    told by, and how the answer is written into the field."""

    text: str
    label: str
    stored: Callable[[str], str] = str


QUESTIONS = {
    name: Question(text, texts.REGISTER_LABELS[name])
    for name, text in (
        ("target", texts.ASK_REGISTER_TARGET),
        ("content", texts.ASK_REGISTER_CONTENT),
        ("outcome", texts.ASK_REGISTER_OUTCOME),
    )
}
# The questions of a kind of entry that differ: a visit's are those of wechat.chat.visits.
BY_KIND = {
    "visit": {
        **QUESTIONS,
        "content": Question(texts.ASK_REGISTER_VISIT_SEEN, texts.VISIT_SEEN_LABEL, stored_seen),
        "outcome": Question(texts.ASK_REGISTER_VISIT_HELP, texts.VISIT_HELP_LABEL),
    }
}


def _question(data: dict, name: str) -> Question:
    return BY_KIND.get(data.get("kind"), QUESTIONS)[name]


def ask_missing(
    openid: str,
    member,
    record_id: int,
    done: str,
    lead: str = texts.REGISTER_LEAD,
    listed: list | None = None,
) -> Reply:
    """The check-out's answer, followed by the first question (put as `lead` puts it) if a
    field is still blank after the check-out wrote what the programme knows; `listed`: the
    list of open check-ins the entry was picked from, kept with the questions (LISTED)."""
    blanks = register_fill.blanks(common.actor(member), record_id)
    if not blanks.asked:
        return common.say(done)
    data = {"record_id": record_id, "kind": blanks.kind, "missing": blanks.asked, "answers": {}}
    if listed:
        data[LISTED] = listed
    state.start(openid, ASKING, data, common.now())
    question = _question(data, blanks.asked[0]).text
    return common.say(done + "\n" + lead.format(question=question))


def on_refill(message: Inbound, member, args: str = "") -> Reply:
    """「补登」: the questions of the latest entry still to fill in, as after its check-out, for
    a member who left them (「跳过」, 「取消」, or the conversation timed out)."""
    record_id = register_fill.latest_unfilled(common.actor(member))
    if record_id is None:
        rejected = register_fill.latest_rejected(common.actor(member))
        if rejected is None:
            return common.say(texts.REFILL_NOTHING)
        who = DECIDER_NAMES[review.decided_by(rejected)]
        what = common.record_label(rejected)
        return common.say(texts.REFILL_REJECTED.format(what=what, who=who))
    record = register_fill.entry(common.actor(member), record_id)
    intro = texts.REFILL_INTRO.format(what=common.record_label(record))
    return ask_missing(message.openid, member, record_id, intro, texts.REFILL_LEAD)


def on_answer(message: Inbound, member, data: dict) -> Reply:
    """One answer, written into the entry at once: ask the next question, or say the entry
    is filled in. Each answer is held to its register field's limit as it comes: a long one
    is asked again, keeping the answers before it. The same words sent again right after
    the last answer are a repeat (wechat.chat.repeats), not this question's answer; and a
    field filled in meanwhile (in the mini-program) is never written over."""
    text = message.content.strip()
    question = _question(data, data["missing"][0])
    if repeats.is_repeat(data, text, common.now()):
        return common.say(texts.ANSWER_REPEATED.format(question=question.text))
    problem = common.answer_problem(data["missing"][0], text, question.label, question.stored)
    if problem:
        return common.say(problem)
    fresh = still_missing(member, data)
    if data["missing"][0] not in fresh["missing"]:
        answer = Answer(data["missing"][0], question.label, question.stored(text), text)
        return _filled_meanwhile(message, member, fresh, answer)
    return _take(message, member, fresh, question.stored(text), text)


@dataclass(frozen=True)
class Answer:
    """An answer to a field found filled: the field, its label, the value it would store and
    the words as sent."""

    name: str
    label: str
    value: str
    text: str


def still_missing(member, data: dict) -> dict:
    """The register's conversation with only the fields still blank left to ask: any filled
    in meanwhile (in the mini-program) is neither asked, written over, nor named as left."""
    blank = register_fill.blanks(common.actor(member), data["record_id"]).asked
    return {**data, "missing": [name for name in data["missing"] if name in blank]}


def _take(message: Inbound, member, data: dict, value: str, text: str) -> Reply:
    """Write the answer to the first field still missing, then ask the next one or finish."""
    name, *rest = data["missing"]
    try:
        record = _write(member, data, {name: value})
    except DomainError as exc:  # the question stays open: nothing was written
        if exc.code == REJECTED:  # nor can anything be: asking on would only fail again
            state.leave(message.openid, common.now())
            return _rejected(register_fill.entry(common.actor(member), data["record_id"]))
        return common.say(texts.SERVICE_ERROR.format(reason=exc.message))
    answers = {**data["answers"], name: value}
    answered = {k: v for k, v in data.items() if k != REFUSED}  # a number next is no pick
    after = {**answered, "missing": rest, "answers": answers, **repeats.noted(text, common.now())}
    return _ask_next(message, record, after)


def _filled_meanwhile(message: Inbound, member, data: dict, answer: Answer) -> Reply:
    """The field asked was filled in meanwhile: the answer is not written, the member hears
    so, and the next blank question follows (none: the entry as it now is). Filled with these
    very words, it is a double tap whose first message wrote them before its repeat note
    (repeats): a repeat, not an answer lost. An entry rejected meanwhile has nothing blank to
    ask: it is told as a rejection."""
    record = register_fill.entry(common.actor(member), data["record_id"])
    if record.status == "rejected":
        state.leave(message.openid, common.now())
        return _rejected(record)
    if getattr(record, answer.name) != answer.value:
        reply = _ask_next(message, record, data)
        said = texts.REGISTER_FILLED_MEANWHILE.format(label=answer.label)
        return common.say(said + "\n" + reply.text)
    reply = _ask_next(message, record, {**data, **repeats.noted(answer.text, common.now())})
    if data["missing"]:
        return common.say(texts.ANSWER_REPEATED.format(question=reply.text))
    return common.say(texts.REPEAT_RECEIVED + "\n" + reply.text)


def _ask_next(message: Inbound, record, data: dict) -> Reply:
    """The next question of `data["missing"]`, or, with none left, what the entry is now."""
    if data["missing"]:
        state.start(message.openid, ASKING, data, common.now())
        return common.say(_question(data, data["missing"][0]).text)
    state.leave(message.openid, common.now())
    return _saved(record)


def on_skip(message: Inbound, member, data: dict) -> Reply:
    """「跳过」 or a refusal: the answers given so far are kept, the rest are left for 「补登」
    or the mini-program."""
    return _leave(message, member, data, texts.REGISTER_SKIPPED_OPENING)


def on_cancel(message: Inbound, member, data: dict) -> Reply:
    """「取消」: the check-out is done, so there is nothing to undo; leaving the questions
    keeps what was answered, as 「跳过」 does, and says what is left and where to fill it in.
    Dropping the answers would make the member type them again in the mini-program."""
    given = texts.REGISTER_LEFT_OPENING if data["answers"] else texts.REGISTER_LEFT_EMPTY_OPENING
    return _leave(message, member, data, given)


def _leave(message: Inbound, member, data: dict, opening: str) -> Reply:
    """The answers given were written as they came: only what is left is told."""
    state.leave(message.openid, common.now())
    try:
        record = register_fill.entry(common.actor(member), data["record_id"])
    except DomainError as exc:
        return common.say(texts.SERVICE_ERROR.format(reason=exc.message))
    if record.status == "rejected":  # rejected meanwhile: nothing left is to be filled in
        return _rejected(record)
    return _saved(record, left=data["missing"], opening=opening)


def _rejected(record) -> Reply:
    """The entry was rejected meanwhile: the member is sent to whoever rejected it (the
    office's rejection is the office's to change, not the leader's)."""
    who = DECIDER_NAMES[review.decided_by(record)]
    return common.say(texts.REGISTER_REJECTED.format(who=who))


def pending_question(data: dict) -> str:
    """The question waiting for an answer."""
    return _question(data, data["missing"][0]).text


# What the member is told once the answers are saved, by (fields left, needs review): an
# entry flagged at check-out (「服务时长过短，需队长审核」) counts while it waits for its
# reviewer (common.reviewer: the office, for a leader's own entry).
SAVED = {
    (False, False): texts.REGISTER_SAVED,
    (False, True): texts.REGISTER_SAVED_FLAGGED,
    (True, False): texts.REGISTER_SKIPPED,
    (True, True): texts.REGISTER_SKIPPED_FLAGGED,
}


def _write(member, data: dict, answers: dict):
    return register_fill.complete(common.actor(member), data["record_id"], common.now(), answers)


# The same for an entry still open (a visit's notes given with 「补登」): it counts once
# checked out, so the member hears to check out.
SAVED_OPEN = {False: texts.REGISTER_SAVED_OPEN, True: texts.REGISTER_SKIPPED_OPEN}


def _saved(record, left: tuple = (), opening: str = "") -> Reply:
    """What the member is told of the entry; `left`: the fields skipped, to be filled in the
    mini-program, named as its form names them."""
    names = "、".join(texts.REGISTER_LABELS[name] for name in left)
    if record.checkout_at is None:
        saved = SAVED_OPEN[bool(left)]
    else:
        saved = SAVED[bool(left), record.status == "flagged"]
    return common.say(saved.format(fields=names, opening=opening, who=common.reviewer(record)))
