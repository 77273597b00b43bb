"""Help and binding: what this chat can do, and linking this WeChat to the roster."""

import re

from services import chat_binding
from services.errors import DomainError

from .. import texts
from ..inbound import Inbound, Reply
from . import common

BIND_ARGS = re.compile(r"^\s*(\+?\d[\d\s-]{4,19}\d)\s+(\d{4,12})\s*$")


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
    found = BIND_ARGS.match(args)
    if found is None:
        return common.say(texts.BIND_USAGE)
    phone = re.sub(r"[\s-]", "", found[1]).removeprefix("+86")
    try:
        bound = chat_binding.bind_with_code(message.openid, phone, found[2], common.now())
    except DomainError as exc:
        return common.say(texts.SERVICE_ERROR.format(reason=exc.message))
    return common.say(texts.BIND_DONE.format(name=bound.name))


def bind_by_scene(message: Inbound, member) -> Reply | None:
    """A subscribe/SCAN whose scene is bind:<code>; None when the scene is no binding."""
    if chat_binding.scene_code(message.event_key) is None:
        return None
    if member is not None:
        return common.say(texts.ALREADY_BOUND.format(name=member.name))
    try:
        bound = chat_binding.bind_with_scene(message.openid, message.event_key, common.now())
    except DomainError as exc:
        return common.say(texts.SERVICE_ERROR.format(reason=exc.message))
    return common.say(texts.BIND_DONE.format(name=bound.name))
