"""A short text that misses a keyword by a character or two (「近期活东」, 「签个道」): the
command it is a typo of, guessed by difflib.

A guess is accepted only when one command is clearly closest, the text shares at least
NEAR_MISS_SHARED characters with its keyword (收到/签到, 是的/我的 and 对/结对 share one),
and, for commands whose synonyms are everyday words, one of the shared characters is one
that makes the keyword the command's (NEAR_MISS_MARKS): 「打个电话」 shares 打个 with 打个卡,
「多少钱」 shares 多少 with 多少小时, and neither is a typo. Only commands without arguments are
guessed: their arguments could not be told from the typo.

A text that names nothing may still be close to a command without being clearly its typo
(「钱到」, 「活洞洞」): `closest` finds the command (or the two as close) to suggest in the reply,
which runs nothing, so it asks for less: one shared character, ties kept.
"""

import difflib

from .commands import BY_NAME, COMMANDS, Command

NEAR_MISS_TEXT = 8
NEAR_MISS_CUTOFF = 0.5
NEAR_MISS_SHARED = 2
NEAR_MISS_MARKS = {"checkin": "签卡", "checkout": "签退", "mine": "时长统计"}
# The same for a suggestion, which runs nothing: 「钱到」 may well mean 签到.
SUGGEST_MARKS = {**NEAR_MISS_MARKS, "checkin": "签卡到"}
# Commands never suggested: with nothing under way there is nothing to leave or confirm.
NOT_SUGGESTED = ("cancel", "confirm")
# Commands never guessed from shared characters, as following a wrong guess undoes
# something: 「签倒不了」 shares 不/了 with 不报名了, and steering a member who cannot check in
# towards un-enrolling would harm them. Named plainly (「取消报名」) they still run.
NOT_GUESSED = ("unenroll",)
SUGGESTED_AT_MOST = 2

_KEYWORDS = [(k, c) for c in COMMANDS if not c.takes_args for k in c.keywords]
_ALL_KEYWORDS = [(k, c) for c in COMMANDS for k in c.keywords]
_KEYWORD_CHARS = frozenset("".join(k for c in COMMANDS for k in c.keywords))


def guess(compact: str) -> Command | None:
    """The one command whose keyword is clearly closest to a short compact text, or None."""
    if not NEAR_MISS_SHARED <= len(compact) <= NEAR_MISS_TEXT:
        return None
    if _KEYWORD_CHARS.isdisjoint(compact):
        return None  # sharing no character with any keyword, it is near none (ratio 0)
    best: dict[str, tuple[float, str]] = {}
    for keyword, command in _KEYWORDS:
        ratio = difflib.SequenceMatcher(None, compact, keyword).ratio()
        best[command.name] = max(best.get(command.name, (0.0, "")), (ratio, keyword))
    ranked = sorted(best.items(), key=lambda item: -item[1][0])
    (name, (score, keyword)), runner_up = ranked[0], ranked[1][1][0]
    shared = _shared(compact, keyword)
    if score < NEAR_MISS_CUTOFF or score <= runner_up or len(shared) < NEAR_MISS_SHARED:
        return None
    return BY_NAME[name] if _marked(name, shared) else None


def _shared(compact: str, keyword: str) -> str:
    """The characters difflib matched between a text and a keyword."""
    matcher = difflib.SequenceMatcher(None, compact, keyword)
    return "".join(compact[a : a + size] for a, _, size in matcher.get_matching_blocks())


def closest(compact: str, member) -> list[Command]:
    """The commands this member may use whose keywords are nearest a short compact text
    that named none (one, or two as near), to suggest; [] when none is near enough."""
    if not NEAR_MISS_SHARED <= len(compact) <= NEAR_MISS_TEXT:
        return []
    if _KEYWORD_CHARS.isdisjoint(compact):
        return []
    scores: dict[str, float] = {}
    for keyword, command in _ALL_KEYWORDS:
        if command.name in NOT_GUESSED or not suggestable(command, member):
            continue
        shared = _shared(compact, keyword)
        if not shared or not _marked(command.name, shared, SUGGEST_MARKS):
            continue
        ratio = difflib.SequenceMatcher(None, compact, keyword).ratio()
        scores[command.name] = max(scores.get(command.name, 0.0), ratio)
    best = max(scores.values(), default=0.0)
    if best < NEAR_MISS_CUTOFF:
        return []
    names = [name for name, score in scores.items() if score == best]
    return [BY_NAME[name] for name in names[:SUGGESTED_AT_MOST]]


def suggestable(command: Command, member) -> bool:
    """Whether the chat may suggest the command to this member (NOT_SUGGESTED, barred)."""
    return command.name not in NOT_SUGGESTED and command.barred(member) is None


def _marked(name: str, shared: str, table: dict = NEAR_MISS_MARKS) -> bool:
    """Whether the characters shared with a keyword hold one that makes it the command's
    (NEAR_MISS_MARKS), for commands whose synonyms are everyday words."""
    marks = table.get(name)
    return marks is None or any(ch in marks for ch in shared)
