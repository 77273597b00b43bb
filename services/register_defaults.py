"""What the programme writes into a register entry by itself, and only while the field is
blank, so that the member is not asked what the programme already knows:
- an activity's content, 参加「title」: the activity says what was done;
- a household visit's target, 结对家庭 王**户: whom a visit served is the household it was
  checked in to (not the member's pairing of today), named as the member's own screens name
  it, the head's name masked (services.households).

They are written when an entry is closed, inside that change's own transaction and history
line: the member's check-out (services.checkin, from the mini-program or the chat alike), the
closing of a check-in nobody closed (services.checkin_closing) and a leader's registration,
which is closed at once (services.leader_registration). So no transport can forget them, and
an entry whose other fields are written counts toward hours as soon as it is checked out.
Text anybody wrote is never replaced, and a rejected entry is left as it was judged
(services.review closes it to fill-in).

Only the record's own activity or household is read, so a caller that loaded it already (a
check-out measures the place from it) pays no query.
"""

from collections.abc import Callable

from models import ServiceRecord

from .households import mask_name

ACTIVITY_CONTENT = "参加「{title}」"
VISIT_TARGET = "结对家庭 {head}户"


def _activity_content(record: ServiceRecord) -> str | None:
    return ACTIVITY_CONTENT.format(title=record.activity.title) if record.activity_id else None


def _visit_target(record: ServiceRecord) -> str | None:
    if record.household_id is None:  # no household to name: the member says whom
        return None
    return VISIT_TARGET.format(head=mask_name(record.household.head_name))


# What the programme writes by itself, by (kind, field); a rule answering None cannot tell,
# and the field is left for the member.
AUTOMATIC: dict[tuple[str, str], Callable[[ServiceRecord], str | None]] = {
    ("activity", "content"): _activity_content,
    ("visit", "target"): _visit_target,
}


def read_whole(record: ServiceRecord, name: str, text: str) -> str:
    """A field as a reader of residents' data whole (the office's Excel file) reads it: the
    visit target the programme wrote masked, for the member's eyes, with the head named
    whole, as the file's 活动/对象 names it (services.register_words); anything else as it is."""
    if name == "target" and record.kind == "visit" and text and text == _visit_target(record):
        return VISIT_TARGET.format(head=record.household.head_name)
    return text


def is_blank(record: ServiceRecord, name: str) -> bool:
    """Whether a register field holds no text (spaces are no text)."""
    return not (getattr(record, name) or "").strip()


def automatic(record: ServiceRecord) -> dict[str, str]:
    """The blank fields the programme can fill in on this entry, with their text; none on a
    rejected entry."""
    if record.status == "rejected":
        return {}
    filled = {}
    for (kind, name), rule in AUTOMATIC.items():
        value = rule(record) if kind == record.kind and is_blank(record, name) else None
        if value:
            filled[name] = value
    return filled


def fill(record: ServiceRecord) -> None:
    """Write the programme's text into the entry's blank fields; the caller saves the entry
    and records the change in its history line."""
    for name, value in automatic(record).items():
        setattr(record, name, value)
