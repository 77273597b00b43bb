"""Longer texts that end in a keyword (「我想看看最近都有些什么活动呀」): too long for a keyword
search inside them (wechat.matching.SHORT_TEXT), they may still ask for what they end with.

Such a text names the command it ends with, give or take particles, up to ASKED_TEXT, for
the commands in ASKED. It runs the command only when it really asks (a word of ASKING) and
the command only shows something (SHOWN): a sentence may end in 签到 or 报名 without asking
for it (「大家记得准时到场签到」, 「这次活动大家辛苦了，请记得签退」), and never in 取消 or 确认
(「明天的活动因为下雨取消」). The others are read there only for a negation (「…就不报名了」),
which runs nothing (wechat.matching). The router takes every such match, while a
conversation is open, as unrelated text: it never replaces the step (wechat.text_route).
"""

from .commands import COMMANDS, Command

ASKED_TEXT = 24
ASKED = ("activities", "enroll", "checkin", "checkout", "visit", "mine", "pairing", "help")
SHOWN = ("activities", "mine", "pairing", "help")
ASKING = ("吗", "么", "什么", "哪", "怎么", "有没有")
ASK_ENDINGS = "吗么"

_ENDINGS = sorted(
    ((k, c) for c in COMMANDS if c.name in ASKED for k in c.keywords),
    key=lambda pair: -len(pair[0]),
)


def ending(compact: str, particles: str):
    """The (keyword, command) of ASKED a compact text up to ASKED_TEXT long ends with, give
    or take `particles` and question endings, longest keyword first; else None."""
    if len(compact) > ASKED_TEXT:
        return None
    core = compact.rstrip(particles + ASK_ENDINGS)
    return next(((k, c) for k, c in _ENDINGS if core.endswith(k)), None)


def asks(compact: str, command: Command) -> bool:
    """Whether a longer text ending in the command's keyword asks to be shown it."""
    return command.name in SHOWN and any(word in compact for word in ASKING)
