"""A visit's notes (what was seen, the help given), held in its conversation and written into
its entry as each is given, through services.register_fill as the register's questions after
签退 are (wechat.chat.register): a conversation is forgotten after ten minutes
(wechat.chat.state.TIMEOUT), and an elderly member who pauses between the two questions must
not lose what they typed. Until the photo's check has made the entry, the notes wait in the
conversation, and the check writes them (wechat.chat.photo_check)."""

from services import register_fill
from services.actors import Actor
from services.checkin import entry_made_by

from .. import texts
from . import common


def stored_seen(seen: str) -> str:
    """What was seen as the register's content keeps it: the limit counts the prefix too."""
    return texts.VISIT_CONTENT.format(seen=seen)


# The notes by their key in the conversation: the entry's field and how it is written there.
NOTES = {"seen": ("content", stored_seen), "helped": ("outcome", str)}


def held(data: dict) -> dict:
    """The notes the conversation holds, as the entry's fields keep them."""
    return {field: stored(data[key]) for key, (field, stored) in NOTES.items() if data.get(key)}


def keep(actor: Actor, member_id: int, data: dict):
    """Write the held notes the visit's entry does not have yet (one history line per write);
    the entry, or None while the photo's check has not made it."""
    record = entry_made_by(member_id, data["request_id"])
    if record is None:
        return None
    changed = {name: value for name, value in held(data).items() if getattr(record, name) != value}
    if changed:
        record = register_fill.complete(actor, record.id, common.now(), changed)
    return record
