"""The figures and suggestions of a final (定稿) year, kept as they were at 定稿.

The figures are counted afresh on every read of an open year, so a review of one of the
year's entries after 定稿 would change a locked year's hours, rejected entries and
suggestion, on screen and in its Excel file. 定稿 therefore stores each member's figures and
suggestion on the year's row (JSON), and a final year is served from that copy.
"""

import json
from dataclasses import asdict, fields
from datetime import date

from .annual_figures import MemberYear
from .annual_grades import Suggestion

_DATES = ("joined_on", "left_on")
_FIELDS = {f.name for f in fields(MemberYear)}


def dump(members: list[tuple[MemberYear, Suggestion]]) -> str:
    """The year's members in list order, with their suggestion, as JSON text."""
    rows = []
    for figures, suggestion in members:
        row = asdict(figures)
        for name in _DATES:
            row[name] = _text(row[name])
        row["away"] = [[_text(gone), _text(back)] for gone, back in row["away"]]
        row["suggestion"] = {"grade": suggestion.grade, "reason": suggestion.reason}
        rows.append(row)
    return json.dumps({"members": rows}, ensure_ascii=False)


def load(text: str) -> list[tuple[MemberYear, Suggestion]]:
    """The members as `dump` kept them."""
    kept = []
    for row in json.loads(text)["members"]:
        values = {k: v for k, v in row.items() if k in _FIELDS}
        for name in _DATES:
            values[name] = _day(values[name])
        values["away"] = tuple((_day(gone), _day(back)) for gone, back in row.get("away", ()))
        kept.append((MemberYear(**values), Suggestion(**row["suggestion"])))
    return kept


def _text(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
