"""「帮李秀英签到」, 「代签 李秀英」: a check-in asked for somebody else (wechat.phrasing.PROXY).

The chat checks in only the member who sends the photo and location, so such a text never
starts a check-in: taken for 「签到」 it would check the leader in himself. A leader may
register attendance for a member who cannot use a phone (services.leader_registration), but
that needs the member, the activity, its times (an activity not yet over cannot be
registered) and a reason, and the office reviews it: the mini-program's 代为登记 form asks
for each, so the leader is sent there. A member hears that only the leader can.
"""

from models import Member

from .. import texts
from ..inbound import Inbound, Reply
from . import common


def on_proxy(message: Inbound, member: Member, args: str = "") -> Reply:
    """How a check-in for somebody else is registered, and by whom; nothing is recorded."""
    if not member.is_leader:
        return common.say(texts.PROXY_MEMBER)
    return common.say(texts.PROXY_LEADER.format(who=args or texts.PROXY_SOMEBODY))
