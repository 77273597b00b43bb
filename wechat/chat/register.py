"""After a check-out: the register's fields the entry still lacks (service target, outcome),
asked one by one, since only entries filled in count toward a member's hours. Which fields
those are, and what the programme fills in by itself (what was done, for an activity or a
visit), is services.register_fill's, so the mini-program's rules are the same; an individual
service has no title that says what was done, so the member is asked. 「跳过」 leaves the
rest for the mini-program."""

from services import register_fill
from services.errors import DomainError

from .. import texts
from ..inbound import Inbound, Reply
from . import common, state

ASKING = "register_fields"
QUESTIONS = {
    "target": texts.ASK_REGISTER_TARGET,
    "content": texts.ASK_REGISTER_CONTENT,
    "outcome": texts.ASK_REGISTER_OUTCOME,
}


def ask_missing(openid: str, member, record_id: int, done: str) -> Reply:
    """The check-out's answer, followed by the first question if a field is missing."""
    missing = list(register_fill.blanks(common.actor(member), record_id).asked)
    if not missing:
        return common.say(done)
    data = {"record_id": record_id, "missing": missing, "answers": {}}
    state.start(openid, ASKING, data, common.now())
    return common.say(done + "\n" + QUESTIONS[missing[0]])


def on_answer(message: Inbound, member, data: dict) -> Reply:
    """One answer: ask the next question, or fill the entry in when all are answered. Each
    answer is held to its register field's limit as it comes: a long one is asked again,
    keeping the answers before it, instead of failing the whole entry after the last one."""
    text = message.content.strip()
    if text in texts.SKIP_WORDS:  # the answers given so far are kept
        state.leave(message.openid, common.now())
        return _fill(member, data, data["answers"], left=data["missing"])
    name, *rest = data["missing"]
    problem = common.answer_problem(name, text, texts.REGISTER_LABELS[name])
    if problem:
        return common.say(problem)
    answers = {**data["answers"], name: text}
    if rest:
        state.start(
            message.openid, ASKING, {**data, "missing": rest, "answers": answers}, common.now()
        )
        return common.say(QUESTIONS[rest[0]])
    state.leave(message.openid, common.now())
    return _fill(member, data, answers)


def _fill(member, data: dict, answers: dict, left: tuple = ()) -> Reply:
    """Save the answers (and what the programme fills in by itself); `left`: the fields
    skipped, to be filled in the mini-program."""
    try:
        register_fill.complete(common.actor(member), data["record_id"], common.now(), answers)
    except DomainError as exc:
        return common.say(texts.SERVICE_ERROR.format(reason=exc.message))
    if not left:
        return common.say(texts.REGISTER_SAVED)
    names = "、".join(texts.REGISTER_LABELS[name] for name in left)
    return common.say(texts.REGISTER_SKIPPED.format(fields=names))
