"""A register status as the office types it at the terminal (`export records --status`): a
code, or a Chinese name as the app and the exported file show it, turned into the list's
filters (services.records.RecordFilters).

Two codes share the name 待审核 (pending and flagged both wait for review), so that name
asks for both: mapping names back to single codes would keep only one of them. The file
itself names a waiting entry by whose review it waits for (待队长审核, 待办公室审核), and a
clerk who copies that word from the file gets exactly those entries.
"""

from collections import defaultdict

from models.record import RECORD_STATUSES

from .errors import Invalid
from .record_names import AWAITING_NAMES, STATUS_NAMES


def _by_name() -> dict[str, dict]:
    codes = defaultdict(set)
    for code, name in STATUS_NAMES.items():
        codes[name].add(code)
    return {name: {"statuses": frozenset(found)} for name, found in codes.items()}


# word → the RecordFilters fields it sets; each word once, names first, then the codes.
STATUS_WORDS: dict[str, dict] = {
    **_by_name(),
    **{name: {"awaiting_review_by": who} for who, name in AWAITING_NAMES.items()},
    **{code: {"statuses": frozenset({code})} for code in RECORD_STATUSES},
}
CHOICES = (
    "、".join(w for w in STATUS_WORDS if w not in RECORD_STATUSES)
    + "，或代码 "
    + "、".join(RECORD_STATUSES)
)


def status_filter(word: str) -> dict:
    """The RecordFilters fields for a status word; Invalid naming every choice once."""
    found = STATUS_WORDS.get(word.strip())
    if found is None:
        raise Invalid(f"状态应为：{CHOICES}（收到 {word}）。", "bad_filter")
    return found
