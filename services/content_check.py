"""Content security for text a member writes and others read (a leader's notice to the team).

Two layers. The local filter (content_words.txt beside this module) always runs: a short list
of words and patterns that no notice should carry, matched whatever the case, width or
spacing. When the mini-program is configured, WeChat's msgSecCheck v2 is asked as well, for an
author WeChat knows (their mini-program openid): "risky" is refused like a local match,
"review" goes out and is written to the audit log for the office to look at.

WeChat is reached through a `Screen` the transport passes in (registered by wechat/ in
app.extensions), so this module never imports wechat/. A screen answers None when WeChat could
not give a verdict (an error, a timeout): the notice then goes by the local filter alone, as
a notice is never held back because WeChat is down.
"""

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

from models import Member

from . import audit
from .actors import Actor
from .errors import Invalid

log = logging.getLogger(__name__)

WORDS_FILE = Path(__file__).with_name("content_words.txt")
PATTERN_PREFIX = "re:"
#: Said to the author, never naming the word that matched (that would teach the way round it).
REFUSED = "通知内容含有不宜发送的词语，请修改后再发送。"
REVIEW_ACTION = "content_review"
#: Spacing and joining characters a word may be broken up with and still be found.
_SPREAD = re.compile(r"[\s\u200b-\u200d\ufeff·.\-_*|/\\]+")


class ContentRefused(Invalid):
    """The text holds what a notice should not carry; the message does not say which words."""

    def __init__(self):
        super().__init__(REFUSED, "content_refused")


@dataclass(frozen=True)
class Verdict:
    """WeChat's answer for a text: suggest is 'pass', 'review' or 'risky'."""

    suggest: str
    label: int = 0
    trace_id: str = ""


#: (mp_openid, text) -> WeChat's verdict, or None when WeChat gave none (error, timeout).
Screen = Callable[[str, str], Verdict | None]


@dataclass(frozen=True)
class Rules:
    """The local list: words (compared spacing removed) and patterns (spacing kept)."""

    words: tuple[str, ...]
    patterns: tuple[re.Pattern, ...] = field(default=())


def normalized(text: str) -> str:
    """The text in half width (NFKC) and lower case, so ＦＯＯ, Foo and foo compare equal."""
    return unicodedata.normalize("NFKC", text).casefold()


def parse_rules(lines) -> Rules:
    """The rules in a list's lines: blank lines and '#' comments skipped."""
    words, patterns = [], []
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(PATTERN_PREFIX):
            patterns.append(re.compile(normalized(line[len(PATTERN_PREFIX) :])))
        else:
            words.append(_SPREAD.sub("", normalized(line)))
    return Rules(tuple(words), tuple(patterns))


@cache
def default_rules() -> Rules:
    """The list shipped in content_words.txt, read once."""
    return parse_rules(WORDS_FILE.read_text(encoding="utf-8").splitlines())


def is_locally_refused(text: str, rules: Rules | None = None) -> bool:
    """True when the text holds a listed word (however spaced) or matches a listed pattern."""
    rules = rules or default_rules()
    plain = normalized(text)
    compact = _SPREAD.sub("", plain)
    return any(w in compact for w in rules.words) or any(p.search(plain) for p in rules.patterns)


def check_content(author: Member, text: str, screen: Screen | None = None) -> Verdict | None:
    """Refuse (ContentRefused) a text the local filter or WeChat finds unfit; else WeChat's
    verdict, None when WeChat was not asked or gave none."""
    if is_locally_refused(text):
        raise ContentRefused()
    if screen is None or not author.mp_openid:
        return None
    verdict = screen(author.mp_openid, text)
    if verdict is None:
        log.warning("msgSecCheck gave no verdict for member %s: local filter only", author.id)
        return None
    if verdict.suggest == "risky":
        log.info("msgSecCheck found member %s's text risky (label %s)", author.id, verdict.label)
        raise ContentRefused()
    return verdict


def audit_review(
    verdict: Verdict | None, author: Member, object_type: str, object_id: int, now: datetime
) -> None:
    """Write an audit line for a text WeChat let through for review, so the office sees it."""
    if verdict is None or verdict.suggest != "review":
        return
    detail = {"suggest": verdict.suggest, "label": verdict.label, "trace_id": verdict.trace_id}
    audit.record(Actor(member=author).label, REVIEW_ACTION, now, object_type, object_id, detail)
