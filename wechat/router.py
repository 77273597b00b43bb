"""Which handler answers a push: tables of commands (Chinese keywords with synonyms), menu keys,
conversation steps, message kinds and events. `handle(message)` is what the endpoint calls.

Matching a text, most certain first (all on the text with full-width folded, case folded,
spaces and punctuation removed): a command whose keyword starts the text (its arguments are
the rest of the original text as typed, as in 「绑定 13800000000 482913」 or 「通知 明早九点集合」);
for commands without arguments, a keyword contained in a short text (「我要签到」); then a near
miss by difflib (「帮住」), accepted only when one command is clearly closest. Longer keywords
are tried first, so 「我的结对」 is 结对 and not 我的, and 「取消报名 1」 is not 取消.

During a conversation, 「取消」 always leaves it; while it waits for free text (a visit's
notes) nothing else is read as a command, otherwise a command still wins over the step.
"""

import difflib
import unicodedata
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
    bind,
    checkin,
    checkout,
    common,
    events,
    leader,
    mine,
    register,
    state,
    visits,
)
from .inbound import Inbound, Reply

SHORT_TEXT = 12  # longer texts are sentences, not commands: no keyword search inside them
NEAR_MISS_TEXT = 8
NEAR_MISS_CUTOFF = 0.5
# One of these may stand between a keyword and its arguments, as may a closing bracket
# ("【通知】明天…").
SEPARATORS = ":：,，、"
CLOSING = ("Pe", "Pf")  # Unicode categories: closing brackets and quotes


def on_cancel(message: Inbound, member, args: str = "") -> Reply:
    """「取消」: leave whatever conversation is going on."""
    left = state.leave(message.openid, common.now())
    return common.say(texts.CANCELLED if left else texts.NOTHING_TO_CANCEL)


@dataclass(frozen=True)
class Command:
    name: str
    keywords: tuple[str, ...]
    handler: Callable  # (message, member, args) -> Reply
    leader_only: bool = False
    unbound_ok: bool = False  # usable before binding
    takes_args: bool = False  # matched only at the start of the text
    reads_only: bool = False  # changes nothing: its reply may be worked out before the claim


C = Command
COMMANDS = (
    C(
        "help",
        ("帮助", "菜单", "help", "功能", "你好", "您好", "怎么用"),
        bind.on_help,
        unbound_ok=True,
        reads_only=True,
    ),
    C("bind", ("绑定", "bind"), bind.on_bind, unbound_ok=True, takes_args=True),
    C("cancel", ("取消", "算了", "退出", "不要了"), on_cancel, unbound_ok=True),
    C("confirm", ("确认", "确定", "确认发送"), leader.on_confirm),
    C("checkin", ("签到", "我要签到", "打卡", "签个到", "活动签到"), checkin.on_checkin),
    C("checkout", ("签退", "我要签退", "结束服务", "服务结束"), checkout.on_checkout),
    C("visit", ("走访", "入户走访", "走访登记", "家访", "探访"), visits.on_visit),
    C("activities", ("活动", "近期活动", "活动列表", "有什么活动"), activities.on_activities),
    C("enroll", ("报名",), activities.on_enroll, takes_args=True),
    C(
        "unenroll",
        ("取消报名", "退出报名", "不报名了"),
        activities.on_unenroll,
        takes_args=True,
    ),
    C("mine", ("我的", "我的时长", "服务时长", "时长", "统计"), mine.on_mine, reads_only=True),
    C("pairing", ("结对", "结对家庭", "我的结对", "结对户"), mine.on_pairing, reads_only=True),
    C(
        "broadcast",
        ("通知", "发通知", "群发"),
        leader.on_broadcast,
        leader_only=True,
        takes_args=True,
    ),
    C(
        "pending",
        ("待审", "待审核", "审核"),
        leader.on_pending,
        leader_only=True,
        reads_only=True,
    ),
    C(
        "report",
        ("报告", "季度报告", "季度上报"),
        leader.on_report,
        leader_only=True,
        reads_only=True,
    ),
)
BY_NAME = {c.name: c for c in COMMANDS}
# The custom menu's CLICK keys (wechat.chat.menu) name the same commands.
MENU_KEYS = {
    "CHECKIN": "checkin",
    "CHECKOUT": "checkout",
    "VISIT": "visit",
    "ACTIVITIES": "activities",
    "MINE": "mine",
    "PAIRING": "pairing",
    "HELP": "help",
    "PENDING": "pending",
    "REPORT": "report",
}
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


def normalize(text: str) -> str:
    """Full-width folded, lower case, without spaces and punctuation."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PZSC")


def _after(text: str, count: int) -> str:
    """The text after its first `count` meaningful characters (the keyword), as typed: the
    arguments are the member's own words (a notice goes out verbatim), so only the blanks and
    one separator between keyword and arguments are dropped."""
    consumed = 0
    for index, ch in enumerate(text or ""):
        if consumed >= count:
            rest = text[index:].strip()
            return rest[1:].strip() if rest and _separates(rest[0]) else rest
        consumed += len(normalize(ch))
    return ""


def _separates(ch: str) -> bool:
    return ch in SEPARATORS or unicodedata.category(ch) in CLOSING


_KEYWORDS = sorted(((k, c) for c in COMMANDS for k in c.keywords), key=lambda pair: -len(pair[0]))
_ARGUMENT_KEYWORDS = [k for k, c in _KEYWORDS if c.takes_args]  # longest first
_ALL_KEYWORDS = frozenset(k for k, _ in _KEYWORDS)


def match(text: str) -> tuple[Command, str] | None:
    """The command a text names and its arguments, or None."""
    compact = normalize(text)
    if not compact:
        return None
    for keyword, command in _KEYWORDS:
        if compact.startswith(keyword):
            return command, _after(text, len(keyword)) if command.takes_args else ""
    rest = _without_argument_keywords(compact)
    if len(compact) <= SHORT_TEXT:
        for keyword, command in _KEYWORDS:
            if not command.takes_args and keyword in rest:
                return command, ""
    near = _near_miss(compact) if rest == compact else None
    return (near, "") if near else None


def _without_argument_keywords(compact: str) -> str:
    """The text with the keywords of commands taking arguments blanked out, so that
    「我要取消报名」 is not read as 取消 (or guessed as anything): it names 取消报名 but does
    not start with it, and a command's arguments are only read after a leading keyword."""
    for keyword in _ARGUMENT_KEYWORDS:
        compact = compact.replace(keyword, " ")
    return compact


def _near_miss(compact: str) -> Command | None:
    """The one command whose keyword is clearly closest to a short text, by difflib."""
    if len(compact) > NEAR_MISS_TEXT:
        return None
    best: dict[str, float] = {}
    for keyword, command in _KEYWORDS:
        if not command.takes_args:
            ratio = difflib.SequenceMatcher(None, compact, keyword).ratio()
            best[command.name] = max(best.get(command.name, 0.0), ratio)
    ranked = sorted(best.items(), key=lambda item: -item[1])
    (name, score), runner_up = ranked[0], ranked[1][1]
    return BY_NAME[name] if score >= NEAR_MISS_CUTOFF and score > runner_up else None


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
        if normalize(message.content) in _ALL_KEYWORDS:  # a bare command word is no answer
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
