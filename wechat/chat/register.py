"""After a check-out: the register's fields the entry still lacks (service target, outcome),
asked one by one, since only entries filled in count toward a member's hours. What was done
defaults to the activity's title. 「跳过」 leaves them for the mini-program."""

from models import ServiceRecord
from services import review
from services.errors import DomainError

from .. import texts
from ..inbound import Inbound, Reply
from . import common, state

ASKING = "register_fields"
QUESTIONS = {"target": texts.ASK_REGISTER_TARGET, "outcome": texts.ASK_REGISTER_OUTCOME}


def ask_missing(openid: str, record: ServiceRecord, title: str, done: str) -> Reply:
    """The check-out's answer, followed by the first question if a field is missing."""
    missing = [name for name in QUESTIONS if not getattr(record, name).strip()]
    if not missing or record.status == "rejected":
        return common.say(done)
    data = {"record_id": record.id, "title": title, "missing": missing, "answers": {}}
    state.start(openid, ASKING, data, common.now())
    return common.say(done + "\n" + QUESTIONS[missing[0]])


def on_answer(message: Inbound, member, data: dict) -> Reply:
    """One answer: ask the next question, or fill the entry in when all are answered."""
    text = message.content.strip()
    if text in texts.SKIP_WORDS:
        state.leave(message.openid, common.now())
        return common.say(texts.REGISTER_SKIPPED)
    name, *rest = data["missing"]
    answers = {**data["answers"], name: text}
    if rest:
        state.start(
            message.openid, ASKING, {**data, "missing": rest, "answers": answers}, common.now()
        )
        return common.say(QUESTIONS[rest[0]])
    state.leave(message.openid, common.now())
    return _fill(member, data, answers)


def _fill(member, data: dict, answers: dict) -> Reply:
    record = ServiceRecord.get_by_id(data["record_id"])
    content = record.content.strip() or texts.REGISTER_CONTENT.format(title=data["title"])
    try:
        review.fill_in(common.actor(member), record.id, common.now(), content=content, **answers)
    except DomainError as exc:
        return common.say(texts.SERVICE_ERROR.format(reason=exc.message))
    return common.say(texts.REGISTER_SAVED)
