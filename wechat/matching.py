"""Which command a text names (the table is wechat.commands').

Openers (「您好，」, 「在吗」) are dropped first, and alone ask for help; a known misspelling
of a keyword leading the text (「签倒」, 「签推」: wechat.misspellings) is read as the keyword;
a whole text stating a fact (「到了」, 「我走了」) names the command it may mean, and a
check-in asked for somebody else (「帮李秀英签到」, 「代签 李秀英」) is that, never the
sender's own, and a text marked urgent (「紧急：明早停水」) is 「紧急通知」 (wechat.phrasing).
Then, most certain first (all on the text with full-width and traditional characters
folded, case folded, spaces and punctuation removed): a command whose keyword starts the
text, or starts it after a wish (「我想报名」), its arguments the rest of the original text
as typed, as in 「绑定 13800000000 482913」 or 「通知 明早九点集合」;
for commands without arguments, a keyword contained in a short text (「我要签到」); a longer
question ending in a keyword that only shows something (「…有些什么活动呀」: wechat.asking);
then a near miss by difflib (「近期活东」: wechat.near_miss): 「收到」 is no typo of 签到, nor
「对」 of 结对. Small talk (wechat.smalltalk: 「收到」, 「好的」, 「谢谢」) is never guessed as
anything. Longer keywords are tried first, so 「我的结对」 is 结对 and not 我的, and 「取消报名
1」 is not 取消.

Before any of that, a keyword the text negates is found wherever matching would look for
it (and, in a short text, for commands with arguments too): 「我不想签到」, 「别报名」 and
「签到算了」 refuse the command, 「签到不了」, 「签不了到」 and 「不能签到」 say it is not
working; 签到 cut short counts there too (「别签了」, 「我签不上」). Such a text never runs
its command: the router acknowledges it, or leaves the conversation it negates, or says how
to get the thing done. When in doubt doing nothing is safe, so a negated keyword wins over
another in the same text.
"""

import re
import unicodedata
from dataclasses import dataclass, replace

from . import asking, misspellings, near_miss, phrasing, smalltalk
from .chat.common import position
from .commands import BY_NAME, COMMANDS, NUMBERED, Command
from .phrasing import AFTER, BEFORE, DO, REFUSE, TROUBLE  # noqa: F401 (REFUSE: re-exported)

SHORT_TEXT = 12  # longer texts are sentences, not commands: no keyword search inside them
# One of these may stand between a keyword and its arguments, as may a closing bracket
# ("【通知】明天…").
SEPARATORS = ":：,，、"
CLOSING = ("Pe", "Pf")  # Unicode categories: closing brackets and quotes
# Besides blanks and a closing bracket, what sets a command's arguments apart as its own words
# (「通知：大家好」), never small talk about it (wechat.matching._acknowledges).
SET_APART = ":："

SPLITTING = ("不了", "不上")  # 「签不了到」, 「报不上名」: read as 「签到不了」
# A keyword cut short where a negation stands with it: 「我签不上」, 「别签了」 and 「先不签」 are
# 签到's (members hardly ever cut 签退 so). Only before a particle, punctuation, a negating
# word or the end does the stem stand for the keyword: 「不签名」 is not 签到.
CLIPPED = {"签": "签到"}
FILLERS = "去再来看"  # may stand between a negation and its keyword: 「不想去签到」
# After a keyword taking arguments, arguments this short that hold a trouble word (or one of
# these) say the command is not working: 「通知发不了」, 「通知发不出去」, 「绑定不行」.
TROUBLE_ARGS = 4
# Words this many or more running on from a leading keyword make it a sentence's first word,
# no command (「帮助老人打扫卫生」, 「活动室门锁了」): wechat.matching._prose.
PROSE_CHARS = 4
ARGS_TROUBLE = ("不出", "没反应")
# All a bare negation (「我也不签到了」) holds besides the negation and the keyword.
PARTICLES = "我了啦吧呢啊呀哦嘛先就还也都"


@dataclass(frozen=True)
class Found:
    """The command a text names: its arguments when it is to be done, or its mood when the
    text refuses it or says it is not working. `bare` when the text is nothing but that
    negation (and particles), so it cannot be the answer to a question. `asked` when the
    keyword is not all the text asks for: it stands inside it (「我在社区活动室」), leads other
    words (「活动室门锁了」) or ends a longer text (wechat.asking): no answer to a step."""

    command: Command
    args: str = ""
    mood: str = DO
    bare: bool = False
    asked: bool = False


def normalize(text: str) -> str:
    """Full-width folded, lower case, traditional keyword characters simplified
    (wechat.phrasing), without spaces and punctuation."""
    folded = phrasing.fold(text)
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PZSC")


def _plain(text: str) -> str:
    """Folded as by normalize but keeping punctuation: 「不，签到」 (no, check in) negates
    nothing, and a comma would no longer show it once removed. Traditional characters are
    folded too, so 「我不想簽到了」 is read as a refusal as 「簽到」 is read as 签到."""
    folded = phrasing.fold(text)
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "ZC")


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
    return ch in SEPARATORS or _closes(ch)


_KEYWORDS = sorted(((k, c) for c in COMMANDS for k in c.keywords), key=lambda pair: -len(pair[0]))
_ARGUMENT_KEYWORDS = [k for k, c in _KEYWORDS if c.takes_args]  # longest first
_ALL_KEYWORDS = frozenset(k for k, _ in _KEYWORDS)
_UNSPLIT = {k[0] + w + k[1:]: k + w for k, _ in _KEYWORDS if len(k) == 2 for w in SPLITTING}
_TROUBLE_WORDS = [w for w, mood in {**BEFORE, **AFTER}.items() if mood == TROUBLE]
_PUNCTUATION = ",.!?;:，。！？；：、…~～"
_CLIP_END = "|".join(["$", f"[{re.escape(PARTICLES + _PUNCTUATION)}]", *map(re.escape, AFTER)])
_UNCLIP = [
    (re.compile(f"{re.escape(stem)}(?={_CLIP_END})"), whole) for stem, whole in CLIPPED.items()
]
# Every negating word holds its first character: a text with none of these negates nothing.
_MARKS = frozenset(w[0] for w, mood in {**BEFORE, **AFTER}.items() if mood != DO)


def is_keyword(text: str) -> bool:
    """Whether the text is nothing but a command's keyword (「活动」, 「签到！」), or one of
    its known misspellings (「签推」: wechat.misspellings)."""
    return normalize(misspellings.corrected(text)) in _ALL_KEYWORDS


def match(text: str) -> Found | None:
    """The command a text names, to be done or negated, or None. Openers before it count
    for nothing (「您好，我想签个到」), and alone ask for help (wechat.phrasing)."""
    text, greeted = phrasing.without_openers(text)
    text = misspellings.corrected(text)  # 「签倒」 is 签到
    compact = normalize(text)
    if not compact.strip(PARTICLES):
        return Found(BY_NAME["help"]) if greeted else None
    if phrasing.is_bind_pair(text):
        return Found(BY_NAME["bind"], text.strip())
    said = phrasing.SAID.get(compact.strip(phrasing.SAID_PARTICLES))
    if said is not None:
        return Found(BY_NAME[said])
    proxied = phrasing.proxy_name(text)
    if proxied is not None:  # 「帮李秀英签到」 is no check-in of the sender's
        return Found(BY_NAME["proxy"], proxied)
    lead = _lead(compact)
    marked = phrasing.urgent_notice(text) if lead is None else None
    if marked is not None:  # 「紧急：明早停水」 is an urgent notice
        return Found(BY_NAME["urgent"], marked)
    negated = _negated(text, compact, lead)
    if negated is not None:
        return negated
    if lead is None:
        text, compact, lead = _wished(text, compact)
    if lead is not None:
        keyword, command = lead
        args = _after(text, len(keyword)) if command.takes_args else _number(text, keyword)
        if args and _acknowledges(text, keyword, args):  # 「通知收到了」 answers a notice
            return None
        if args and _trouble_alone(args):
            return Found(command, mood=TROUBLE, bare=True)
        more = not command.takes_args and not args and _more(compact[len(keyword) :])
        if more and _prose(text, compact, keyword, command):
            return None  # 「帮助老人打扫卫生」 says what was done: no 帮助
        return Found(command, args, asked=more)  # 「活动室门锁了」 is about a room
    return _within(text, compact)


def _acknowledges(text: str, keyword: str, args: str) -> bool:
    """Whether a command's arguments are small talk about it (「通知收到了」, 「通知收到，谢谢」
    answer a notice): run on from the keyword, and no greeting. Set apart from it as the help
    teaches (「通知 大家好」, 「通知：收到」, 「【通知】好的」), or a greeting said to the team
    (「通知大家好」), they are the notice's own words, whatever they are."""
    if smalltalk.kind(args) is None or phrasing.is_greeting(args):
        return False
    following = _after_keyword(text, len(keyword))
    return not _sets_apart(following[:1])


def _sets_apart(ch: str) -> bool:
    """Whether a character after a keyword sets its arguments apart: a blank, a colon or a
    closing bracket (a comma may run on: 「通知，收到」 acknowledges)."""
    return bool(ch) and (ch in SET_APART or unicodedata.category(ch)[0] == "Z" or _closes(ch))


def _closes(ch: str) -> bool:
    return unicodedata.category(ch) in CLOSING


def _prose(text: str, compact: str, keyword: str, command: Command) -> bool:
    """Whether a leading keyword only begins a sentence (「帮助老人打扫卫生」, 「活动室门锁了」):
    PROSE_CHARS or more other words run on from it, with no blank, punctuation or number
    between, not asking about it (「签到表在哪」: wechat.text_route answers that) and not
    naming the command again (「我的服务时长」). A command is its keyword alone (with particles
    and ENDINGS: 「签到一下」), a short text around it (「签到活动」, a typo: 「我的时常」), or
    the keyword set apart from what follows (「签到，今天的义诊」)."""
    rest = _without_endings(compact[len(keyword) :])
    asked = phrasing.asks_about(text) or phrasing.fold(text).rstrip().endswith("?")
    if len(rest) < PROSE_CHARS or asked:
        return False
    again = _lead(rest)
    if again is not None and again[1] is command:
        return False
    following = _after_keyword(text, len(keyword))
    return bool(following) and unicodedata.category(following[0])[0] == "L"


def _after_keyword(text: str, count: int) -> str:
    """The text right after its first `count` meaningful characters, as typed."""
    consumed = 0
    for index, ch in enumerate(text or ""):
        if consumed >= count:
            return text[index:]
        consumed += len(normalize(ch))
    return ""


def leading(text: str) -> Command | None:
    """The command whose keyword the text starts with (after openers, a misspelling or a
    wish), whether or not the text names it: what a sentence that only begins with it
    (_prose) may have meant, to suggest."""
    text = misspellings.corrected(phrasing.without_openers(text)[0])
    lead = _lead(normalize(text)) or _wished(text, normalize(text))[2]
    return lead[1] if lead else None


# What may follow a leading keyword and still ask for it (「签到一下」, 「时长多少」, 「确认无误」).
ENDINGS = (
    *("一下", "下", "了吗", "吗", "了没", "没有", "没"),
    *("多少", "有哪些", "哪些", "无误", "发送", "发"),
)


def _more(rest: str) -> bool:
    """Whether words follow a leading keyword that make the text about something else
    (「活动室门锁了」, 「我的手机坏了」), besides particles and ENDINGS."""
    return bool(_without_endings(rest))


def _without_endings(rest: str) -> str:
    """What follows a leading keyword, without the particles and ENDINGS it starts with."""
    rest = rest.strip(PARTICLES)
    while rest:
        ending = next((e for e in ENDINGS if rest.startswith(e)), None)
        if ending is None:
            return rest
        rest = rest[len(ending) :].strip(PARTICLES)
    return ""


def _lead(compact: str):
    """The (keyword, command) the text starts with, longest keyword first, or None."""
    return next(((k, c) for k, c in _KEYWORDS if compact.startswith(k)), None)


def _wished(text: str, compact: str):
    """The text after a wish (「我想报名」, 「怎么报名」) when a keyword leads what follows it,
    with that (keyword, command); else the text as it was, without one. Negations were
    read on the whole text already."""
    body = phrasing.without_wish(text)
    lead = _lead(normalize(body)) if body != text else None
    return (body, normalize(body), lead) if lead else (text, compact, None)


def _within(text: str, compact: str) -> Found | None:
    """A keyword inside a short text, one a text ends with (wechat.asking), or a near miss
    (wechat.near_miss)."""
    rest = _without_argument_keywords(compact)
    if len(compact) <= SHORT_TEXT:
        for keyword, command in _KEYWORDS:
            if not command.takes_args and keyword in rest:
                return Found(command, asked=True)
    ending = asking.ending(compact, PARTICLES)
    if ending is not None:
        return _ending(text, compact, ending)
    if rest != compact or _troubled(compact) or smalltalk.kind(text):
        return None
    if phrasing.names_location(text):  # 「不发位置了」 is near 「不要了」 (取消) to difflib
        return None
    near = near_miss.guess(compact)
    return Found(near) if near else None


def _ending(text: str, compact: str, ending) -> Found | None:
    """The (keyword, command) a text ends with (wechat.asking): in a short text as any
    keyword in it (「我也要报名」); in a longer one negated by any word (「…就不报名了」), or
    done only when really asked (「…还有什么活动」), and marked `asked` either way."""
    if len(compact) <= SHORT_TEXT:
        return _negated(text, compact, ending) or Found(ending[1])
    negated = _negated(text, compact, ending, strict=True)
    if negated is not None:
        return replace(negated, asked=True)
    return Found(ending[1], asked=True) if asking.asks(compact, ending[1]) else None


def _number(text: str, keyword: str) -> str:
    """The list's number after a keyword a number may follow (「取消 1」, 「退出第二个」), or ''."""
    rest = _after(text, len(keyword)) if keyword in NUMBERED else ""
    return rest if rest and position(rest) is not None else ""


def _trouble_alone(args: str) -> bool:
    """Whether a command's arguments only say it is not working: 「通知发不了」 is no notice
    whose text is 「发不了」. A few words more make them the member's own (「通知 失败的同志
    请重新报名」 is a notice)."""
    compact = normalize(args)
    if len(compact.strip(PARTICLES)) > TROUBLE_ARGS:
        return False
    return any(word in compact for word in (*_TROUBLE_WORDS, *ARGS_TROUBLE))


def _troubled(compact: str) -> bool:
    """Whether the text says something is not working (「签不了」): never a typo of a command,
    though difflib finds 「签不了」 near 「不要了」 (取消). 「不了」 alone is "no, thanks"."""
    return compact not in _TROUBLE_WORDS and any(word in compact for word in _TROUBLE_WORDS)


def _negated(text: str, compact: str, lead, strict: bool = False) -> Found | None:
    """The keyword the text negates: the one it starts with (only words after it can), else
    any in a short text. After a leading keyword taking arguments only a bare negation
    counts, as its arguments are the member's own words (「通知 失败的同志请重新报名」);
    `strict` (a longer text ending in the keyword) counts any (「…明天的活动就不报名了」)."""
    if lead is None and len(compact) > SHORT_TEXT or _MARKS.isdisjoint(compact):
        return None
    plain = _plain(text)
    for split, whole in _UNSPLIT.items() if "不" in plain else ():
        plain = plain.replace(split, whole)
    for stem, whole in _UNCLIP:
        plain = stem.sub(whole, plain)
    for keyword, command in [lead] if lead else _KEYWORDS:
        start = plain.find(keyword)
        if start < 0:
            continue
        mood, begin, end = _mood(plain, start, start + len(keyword))
        if mood == DO:
            continue
        bare = not normalize(plain[:begin] + plain[end:]).strip(PARTICLES)
        if bare or strict or not (lead and command.takes_args):
            return Found(command, mood=mood, bare=bare)
    return None


def _mood(plain: str, start: int, end: int) -> tuple[str, int, int]:
    """What the words around plain[start:end] (a keyword) make of it, and the span they
    cover with it. Punctuation may follow the keyword (「签到，算了」), but not stand between
    a negation and it (「不，签到」 is "no, check in")."""
    gap = end + len(plain[end:]) - len(plain[end:].lstrip(_PUNCTUATION))
    after = _word(plain[gap:], AFTER, str.startswith)
    if after:
        return AFTER[after], start, gap + len(after)
    core = plain[:start].rstrip(FILLERS)
    before = _word(core, BEFORE, str.endswith)
    if not before:
        return DO, start, end
    begin = len(core) - len(before)
    if 0 < begin and plain[begin] == "不" and plain[begin - 1] == plain[begin + 1]:
        return DO, start, end  # 「签不签到」, 「要不要签到」 ask; they do not refuse
    return BEFORE[before], begin, end


def _word(text: str, table: dict, at) -> str:
    """The longest word of the table that `text` starts or ends with (`at`), or ''."""
    return max((word for word in table if at(text, word)), key=len, default="")


def _without_argument_keywords(compact: str) -> str:
    """The text with the keywords of commands taking arguments blanked out, so that
    「我要取消报名」 is not read as 取消 (or guessed as anything): it names 取消报名 but does
    not start with it, and a command's arguments are only read after a leading keyword."""
    for keyword in _ARGUMENT_KEYWORDS:
        compact = compact.replace(keyword, " ")
    return compact
