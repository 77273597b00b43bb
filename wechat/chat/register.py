"""After a check-out: the register's fields the entry still lacks (service target, outcome),
asked one by one, since only entries filled in count toward a member's hours. What was done
defaults to the title of an activity or a visit; an individual service has no title that
says it, so the member is asked. 「跳过」 leaves them for the mini-program."""

from models import ServiceRecord
from services import review
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
TITLED_KINDS = ("activity", "visit")  # what was done defaults to the entry's title


def ask_missing(openid: str, record: ServiceRecord, done: str) -> Reply:
    """The check-out's answer, followed by the first question if a field is missing."""
    missing = [name for name in QUESTIONS if _lacks(record, name)]
    if not missing or record.status == "rejected":
        return common.say(done)
    data = {"record_id": record.id, "missing": missing, "answers": {}}
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


def _lacks(record: ServiceRecord, name: str) -> bool:
    """Whether to ask for the field; content only where no title can stand for it."""
    if name == "content" and record.kind in TITLED_KINDS:
        return False
    return not getattr(record, name).strip()


def _fill(member, data: dict, answers: dict, left: tuple = ()) -> Reply:
    """Save the answers (and the default content); `left`: the fields skipped, to be filled in
    the mini-program."""
    record = ServiceRecord.get_by_id(data["record_id"])
    fields = {**_default_content(record), **answers}
    try:
        review.fill_in(common.actor(member), record.id, common.now(), **fields)
    except DomainError as exc:
        return common.say(texts.SERVICE_ERROR.format(reason=exc.message))
    if not left:
        return common.say(texts.REGISTER_SAVED)
    names = "、".join(texts.REGISTER_LABELS[name] for name in left)
    return common.say(texts.REGISTER_SKIPPED.format(fields=names))


def _default_content(record: ServiceRecord) -> dict:
    """参加「title」 for an activity or a visit with nothing written yet; nothing for an
    individual service, whose content is the member's own answer or left for them to write."""
    if record.content.strip() or record.kind not in TITLED_KINDS:
        return {}
    return {"content": texts.REGISTER_CONTENT.format(title=common.record_label(record))}
