"""A register entry's text (content, target, outcome) as each reader may see it.

The text often names the resident served (看望王建华老人，电话13712345678). The office sees it
whole, as it sees residents' data; so do the entry's authors, the member and the leader who
registered it (services.review): they wrote it, and they edit it with PATCH, so masked text
sent back would overwrite what was written. Every other reader (the team's leader) gets it
with the resident's data masked as the register's Excel file masks it
(services.households.redact), so one reader sees the same text on the screen and in the file.
"""

from models import ServiceRecord

from .actors import Actor
from .households import redact

TEXT_FIELDS = ("content", "target", "outcome")


def is_author(actor: Actor, record: ServiceRecord) -> bool:
    """The entry's own member, or the leader who registered it for the member."""
    me = actor.member
    return me is not None and me.id in (record.member_id, record.registered_by_id)


def reads_whole(actor: Actor, record: ServiceRecord) -> bool:
    """Whether the actor reads the entry's text unmasked: the office and the authors."""
    return actor.is_office or is_author(actor, record)


def shown_text(actor: Actor, record: ServiceRecord, text: str) -> str:
    """One of the entry's texts (or an earlier value of one, from its history) as the actor
    may read it; a value that is not text (none yet, in the history) stays as it is."""
    if reads_whole(actor, record) or not isinstance(text, str):
        return text
    household = record.household if record.household_id is not None else None
    return redact(text, household)
