"""The steps that take the member's own words (FREE_TEXT: a visit's notes, the register's
questions after 签退), and whether a text sent to one is no answer at all: a bare skip word
(「跳过」) or a bare refusal (「算了吧」, 「不用了」). Such a text is never written into the
register: the step leaves the question for later, as 「跳过」 does (wechat.text_route). 「取消」
leaves the step too, and also keeps the answers already given: nothing is undone by it.

Bare means nothing else is said: particles and politeness around the word (「那就算了吧」,
「不用了，谢谢！」), punctuation and emoji do not count, but any other word does, so
「老人说不用了，家里都有」 is an answer and is kept as typed.

「没有」 and 「无」 are left out on purpose: to 「您为这户家庭提供了哪些帮助？」 "none" is a
true answer that the register may hold, and a member who means it could otherwise never
complete the entry. A refusal like 「不用了」 says nothing of the household; it answers the
chat, not the question.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from . import misspellings, texts
from .chat import common, register, visits
from .inbound import Inbound, Reply
from .matching import normalize

# Words that leave a question for later.
SKIPS = (
    "跳过",
    "略",
    "略过",
    "不填",
    "稍后再填",
    "以后再填",
    "回头再填",
    "下次再填",
    "直接签退",  # the check-out's own skip word, still used once its location step is over
)
# Words that refuse to answer. 「算了」 and 「不要了」 name 取消 elsewhere; in a free-text step
# they skip, so the answers already given are kept. 「取消」 itself still leaves.
REFUSALS = ("算了", "不了", "不用", "不要", "不必", "不需要", "不想填", "不想写", "不想说")
# Words that say the member cannot answer (yet): the question waits, as after 「跳过」.
UNKNOWING = ("不知道", "不清楚", "不晓得", "说不好", "说不清")
LEADING = "我那就还是先也"  # 「那就算了」, 「我先不填」, 「还是算了」
TRAILING = "了啦吧呢啊呀哦嘛"  # 「算了吧」, 「不用了」, 「跳过啊」
POLITE = ("谢谢您", "谢谢你", "谢谢", "谢了")  # 「不用了，谢谢」, longest first


def _core(text: str) -> str:
    """The text without punctuation, emoji, politeness and particles around its words."""
    core = normalize(text)
    for word in POLITE:
        core = core.removesuffix(word)
    return core.lstrip(LEADING).rstrip(TRAILING)


_NOT_ANSWERS = frozenset(_core(word) for word in SKIPS + REFUSALS + UNKNOWING)
_SKIPS = frozenset(_core(word) for word in SKIPS)
# 「明天有活动吗」, 「？」: asked, not answered (「没什么」 ends in 么 and answers, so not 么).
QUESTION_ENDS = ("吗", "?")
QUESTION_CHARS = 12  # a longer text may quote a question (「老人问能不能帮忙买药？」)
# WeChat's own emoji arrive as bracketed codes: 「[强]」, 「[抱拳]」 in a Chinese phone, the English
# names in an English one. Alone they say nothing of the service; in an answer they stay as typed.
EMOJI_NAMES = (
    *("OK", "Yeah!", "Smile", "Grin", "Chuckle", "Joyful", "Laugh", "Sob", "Cry", "Rose"),
    *("ThumbsUp", "Thumbs Up", "Strong", "Fist", "Peace", "Clap", "Hug", "Heart", "Sun"),
    *("Salute", "Respect", "Hey", "Wow", "Emm", "Facepalm", "Smirk", "Kotow", "Shake"),
    *("Beer", "Coffee", "Cake", "Gift", "Party", "Fireworks", "Lucky", "Blessing", "Shy"),
)
EMOJI_CODE = re.compile(
    r"\[(?:[\u4e00-\u9fff]{1,4}|" + "|".join(map(re.escape, EMOJI_NAMES)) + r")\]",
    re.IGNORECASE,
)


def is_blank(text: str) -> bool:
    """Whether the text holds no word at all (「？」, 「……」, 「[强]」, 「[抱拳][抱拳]」):
    nothing to store; a WeChat emoji code is no word, though its name is."""
    return not normalize(EMOJI_CODE.sub("", text))


def is_question(text: str) -> bool:
    """Whether a short text asks something (it ends in 吗 or a question mark): a question put
    to the chat is no answer to the register's, and storing it would fill the entry with it."""
    plain = unicodedata.normalize("NFKC", text).strip().rstrip("。.!！~～")
    return len(normalize(plain)) <= QUESTION_CHARS and plain.endswith(QUESTION_ENDS)


def is_lone_number(text: str) -> bool:
    """Whether the text is nothing but a number (「1」, 「３」, 「第2条」, 「第三个」): a choice
    from some list, never whom a service was for or what came of it. Like an emoji alone
    (is_blank) it is not stored; 「20位老人」 is an answer."""
    return common.is_numberish(text)


def is_no_answer(text: str) -> bool:
    """Whether the text is nothing but a skip word or a refusal."""
    core = _core(text)
    return bool(core) and core in _NOT_ANSWERS


def is_skip(text: str) -> bool:
    """Whether the text is nothing but a skip word (「跳过」, 「略过。」)."""
    return _core(text) in _SKIPS


def is_cancel(text: str, keywords) -> bool:
    """Whether the text is 取消 (one of `keywords`) said with particles or a wish around it:
    「取消吧」 and 「我要取消」 leave a free-text step as 「取消」 does, never becoming an
    answer. A known misspelling of it (「取销」: wechat.misspellings) is 取消 too."""
    return _core(misspellings.corrected(text)).removeprefix("要").removeprefix("想") in keywords


@dataclass(frozen=True)
class FreeText:
    """A step whose answer is the member's own words: what a skip or refusal does there, what
    leaving it (「取消」) does, which keeps the answers already given, and the question still
    waiting, repeated when a text is no answer to it."""

    skip: Callable[[Inbound, object, dict], Reply]
    cancel: Callable[[Inbound, object, dict], Reply]
    question: Callable[[dict], str]


# The steps that take free text, by conversation state (wechat.chat.state).
FREE_TEXT = {
    visits.SEEN: FreeText(visits.on_skip, visits.on_cancel, lambda d: texts.VISIT_SEEN_QUESTION),
    visits.HELP: FreeText(visits.on_skip, visits.on_cancel, lambda d: texts.VISIT_HELP_QUESTION),
    register.ASKING: FreeText(register.on_skip, register.on_cancel, register.pending_question),
}
