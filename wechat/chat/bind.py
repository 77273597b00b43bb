"""Help and binding: what this chat can do, and linking this WeChat to the roster."""

import re
import unicodedata

from services import chat_binding, roster_cells
from services.binding import CODE_DIGITS
from services.errors import DomainError

from .. import texts
from ..inbound import Inbound, Reply
from . import common

# The code is the six digits at the end; everything before them is the phone as written
# (「+86 138-0000-0001 482913」), read by the roster's own reader of mobile numbers.
BIND_ARGS = re.compile(rf"^(?P<phone>.*\d)[\s,;/]*(?P<code>\d{{{CODE_DIGITS}}})$")


def on_help(message: Inbound, member, args: str = "") -> Reply:
    """What the user can do here: how to bind, or the commands of a member or a leader."""
    if member is None:
        return common.say(texts.HELP_UNBOUND)
    text = texts.HELP_MEMBER.format(name=member.name)
    if member.is_leader:
        text += texts.HELP_LEADER_EXTRA
    return common.say(text)


def on_bind(message: Inbound, member, args: str) -> Reply:
    """「绑定 手机号 绑定码」: bind this openid with the office's one-time code."""
    if member is not None:
        return common.say(texts.ALREADY_BOUND.format(name=member.name))
    found = _phone_and_code(args)
    if found is None:
        return common.say(texts.BIND_USAGE)
    try:
        bound = chat_binding.bind_with_code(message.openid, *found, common.now())
    except DomainError as exc:
        return common.say(texts.BIND_FAILED.format(reason=exc.message))
    return common.say(texts.BIND_DONE.format(name=bound.name))


def _phone_and_code(args: str) -> tuple[str, str] | None:
    """The 11-digit mobile and the code, or None: a text that is no such pair is a typing slip
    to explain, not a wrong try to count toward the lockout."""
    found = BIND_ARGS.match(unicodedata.normalize("NFKC", args).strip())
    if found is None:
        return None
    try:
        return roster_cells.mobile(found["phone"]), found["code"]
    except roster_cells.CellError:
        return None


def bind_by_scene(message: Inbound, member) -> Reply | None:
    """A subscribe/SCAN whose scene is bind:<code>; None when the scene is no binding."""
    if chat_binding.scene_code(message.event_key) is None:
        return None
    if member is not None:
        return common.say(texts.ALREADY_BOUND.format(name=member.name))
    try:
        bound = chat_binding.bind_with_scene(message.openid, message.event_key, common.now())
    except DomainError as exc:
        return common.say(texts.BIND_FAILED.format(reason=exc.message))
    return common.say(texts.BIND_DONE.format(name=bound.name))
