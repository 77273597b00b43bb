"""The next step of a conversation that came after it timed out (wechat.chat.state.TIMEOUT).

An elderly member often pauses longer than ten minutes between two steps. What they send
then must not become something else unsaid: a visit's location taken as a stray one would
offer an activity's check-in, and its photo would register that instead of the visit; an
answer to the register's questions would be 'not understood', or read as a command when it
starts with one (「帮助老人打扫卫生」). For a while after the timeout (state.LAPSED_FOR) the
member hears instead which step timed out and how to start it again, once (the next photo or
location is taken afresh). An answer to one of the register's questions is written all the
same (the entry and the field it answers are still known; a field filled in meanwhile is
left as it is), so a slow typist never types an answer twice; so is a visit's note.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from services import register_fill
from services.checkin import entry_made_by

from .. import texts
from ..inbound import Inbound, Reply
from . import checkin, checkout, common, individual, leader, register, state, visits

MINUTES = int(state.TIMEOUT.total_seconds() // 60)


@dataclass(frozen=True)
class Flow:
    """What timed out, in words (「走访」), and the command that starts it again."""

    name: str
    word: str


FLOWS = {
    "checkin": Flow("签到", "签到"),
    "visit": Flow("走访", "走访"),
    "checkout": Flow("签退", "签退"),
    "individual": Flow("个人服务登记", "分散活动"),
    "register": Flow("补充登记", "补登"),
    "visit_notes": Flow("走访情况登记", "补登"),
    "broadcast": Flow("通知", "通知"),
    "urgent": Flow("紧急通知", "紧急通知"),
}


def _located(data: dict) -> str:
    """A check-in's location and photo steps serve a visit and an own service too: its
    target says which."""
    target = data.get("target")
    return target if target in ("visit", "individual") else "checkin"


# The flow each conversation state belongs to (states not listed time out unsaid: a list of
# activities, a notice's preview, which 「确认」 explains by itself).
STATES = {
    checkin.PICK: lambda data: "checkin",
    checkin.LOCATION: _located,
    checkin.PHOTO: _located,
    individual.CONFIRM: lambda data: "individual",
    checkout.OUT_PICK: lambda data: "checkout",
    checkout.OUT_LOCATION: lambda data: "checkout",
    visits.SEEN: lambda data: "visit_notes",
    visits.HELP: lambda data: "visit_notes",
    register.ASKING: lambda data: "register",
    leader.TEXT: lambda data: "urgent" if data.get("urgent") else "broadcast",
}


def flow_of(conversation: state.Conversation | None) -> str | None:
    """The flow a timed-out conversation was in, or None."""
    if conversation is None or conversation.state not in STATES:
        return None
    return STATES[conversation.state](conversation.data)


def timed_out(flow: str) -> str:
    """The step of `flow` timed out: start it again."""
    found = FLOWS[flow]
    return texts.LAPSED.format(name=found.name, minutes=MINUTES, word=found.word)


def on_late_step(message: Inbound, now: datetime) -> Reply | None:
    """A location or photo after a conversation timed out: which step timed out and how to
    start again, said once: the timed-out conversation is then forgotten, so the photo sent
    again is a new photo sent first (wechat.chat.photo_first), and the next location one
    sent out of the blue, not the same refusal for two hours. None when no conversation
    timed out lately."""
    conversation = state.lapsed(message.openid, now)
    flow = flow_of(conversation)
    if flow is None:
        return None
    state.leave(message.openid, now)
    return common.say(timed_out(flow) + unused_photo(conversation))


def unused_photo(conversation: state.Conversation) -> str:
    """A photo sent first (wechat.chat.photo_first) belongs to its conversation: timed out,
    it was not used, and the member hears so."""
    return texts.PHOTO_NOT_USED if "photo" in conversation.data else ""


def is_late_words(conversation: state.Conversation | None) -> bool:
    """Whether a timed-out conversation waited for the member's words (WORDS)."""
    return conversation is not None and conversation.state in WORDS


def on_late_words(message: Inbound, member, conversation: state.Conversation) -> Reply:
    """Words for a question that timed out (WORDS)."""
    return WORDS[conversation.state](message, member, conversation.data)


def _register_late(message: Inbound, member, data: dict) -> Reply:
    """An answer to the register's question after it timed out: the entry and the field are
    still known, so a slow typist's answer is written as if in time and the next question
    follows; dropping it and asking the same question again only made them type it twice.
    A field filled in meanwhile is left as it is, as an answer in time finds it
    (register.on_answer): one check, said one way."""
    return register.on_answer(message, member, data)


def _register_skip_late(message: Inbound, member, data: dict) -> Reply:
    """「跳过」 after the register's question timed out: a skip as in time, naming only the
    fields still blank."""
    return register.on_skip(message, member, register.still_missing(member, data))


# A visit's note step: the entry's field its answer fills, and the step's own handler.
VISIT_NOTES = {
    visits.SEEN: ("content", visits.on_seen),
    visits.HELP: ("outcome", visits.on_help_given),
}


def _visit_note_late(step: str, message: Inbound, member, data: dict) -> Reply:
    """A visit's note after its question timed out: kept as a late answer to the register's
    questions is (_register_late), and the next note asked, since the visit's entry and the
    field the note fills are still known; asking again only made a slow typist type it twice.
    A field filled in meanwhile (in the mini-program) is not overwritten: the entry's first
    blank question is asked instead. With no entry (its photo's check never made one), the
    visit from the start."""
    record = entry_made_by(member.id, data.get("request_id"))
    if record is None:
        return common.say(timed_out("visit"))
    field, answer = VISIT_NOTES[step]
    if field not in register_fill.blanks(common.actor(member), record.id).asked:
        return _ask_again(message, member, record.id, "visit_notes")
    return answer(message, member, _unseen(data))


def _unseen(data: dict) -> dict:
    """What was seen is in the entry already (written when given, or by the photo's check):
    held again, it would undo a change made meanwhile in the mini-program."""
    return {k: v for k, v in data.items() if k != "seen"}


def _visit_skip_late(message: Inbound, member, data: dict) -> Reply:
    """「跳过」 after a visit's note timed out: a skip as in time, writing nothing back; with no
    entry (its photo's check never made one), the visit from the start."""
    if entry_made_by(member.id, data.get("request_id")) is None:
        return common.say(timed_out("visit"))
    return visits.on_skip(message, member, _unseen(data))


def _ask_again(message: Inbound, member, record_id: int, flow: str) -> Reply:
    """The words were not written; the entry's first blank question, if any is left."""
    intro = texts.LAPSED_UNSAVED.format(name=FLOWS[flow].name, minutes=MINUTES)
    if not register_fill.blanks(common.actor(member), record_id).asked:
        return common.say(intro + texts.REFILL_NOTHING)
    return register.ask_missing(message.openid, member, record_id, intro, texts.ASK_AGAIN)


def _notice_not_sent(message: Inbound, member, data: dict) -> Reply:
    """A notice's text after 「通知」 timed out: nothing is sent unconfirmed."""
    return common.say(texts.LAPSED_NOTICE[bool(data.get("urgent"))].format(minutes=MINUTES))


def _own_photo_late(message: Inbound, member, data: dict) -> Reply:
    """A yes or no (or any answer) after the photo's own-service question timed out
    (wechat.chat.photo_first): the photo went with it, nothing was recorded; said once."""
    state.leave(message.openid, common.now())
    return common.say(texts.LAPSED_OWN_PHOTO.format(minutes=MINUTES))


# The steps whose timed-out question a text may still mean to answer, with what it hears.
WORDS = {
    register.ASKING: _register_late,
    visits.SEEN: partial(_visit_note_late, visits.SEEN),
    visits.HELP: partial(_visit_note_late, visits.HELP),
    leader.TEXT: _notice_not_sent,
    individual.CONFIRM: _own_photo_late,
}
# What a skip word (「跳过」) does at those of them that take free text (wechat.answers).
SKIPS = {
    register.ASKING: _register_skip_late,
    visits.SEEN: _visit_skip_late,
    visits.HELP: _visit_skip_late,
}


def on_late_skip(message: Inbound, member, conversation: state.Conversation) -> Reply:
    """A skip word for a free-text question that timed out (SKIPS)."""
    return SKIPS[conversation.state](message, member, conversation.data)
