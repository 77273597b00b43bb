"""Which command a text names (the table is wechat.commands').

Matching a text, most certain first (all on the text with full-width folded, case folded,
spaces and punctuation removed): a command whose keyword starts the text (its arguments are
the rest of the original text as typed, as in 「绑定 13800000000 482913」 or 「通知 明早九点集合」);
for commands without arguments, a keyword contained in a short text (「我要签到」); then a near
miss by difflib (「帮住」), accepted only when one command is clearly closest. Longer keywords
are tried first, so 「我的结对」 is 结对 and not 我的, and 「取消报名 1」 is not 取消.
"""

import difflib
import unicodedata

from .commands import BY_NAME, COMMANDS, Command

SHORT_TEXT = 12  # longer texts are sentences, not commands: no keyword search inside them
NEAR_MISS_TEXT = 8
NEAR_MISS_CUTOFF = 0.5
# One of these may stand between a keyword and its arguments, as may a closing bracket
# ("【通知】明天…").
SEPARATORS = ":：,，、"
CLOSING = ("Pe", "Pf")  # Unicode categories: closing brackets and quotes


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


def is_keyword(text: str) -> bool:
    """Whether the text is nothing but a command's keyword (「活动」, 「签到！」)."""
    return normalize(text) in _ALL_KEYWORDS


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
