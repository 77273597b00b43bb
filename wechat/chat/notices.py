"""A leader's notices, read in full in the chat: 「通知」 lists the team's latest, 「通知 N」
shows the Nth whole, and so does a lone number sent right after the list (「2」, 「第2条」:
the list is kept for the next message, wechat.chat.state.LISTED_NOTICES).

A member hears of a notice by a customer-service text (whole) or, outside the 48-hour
window, by a template or subscribe message, which shows only its first twenty characters
and links to a mini-program page that a chat-only member never opens. Here the notice is
read whole, split over several messages when the heading takes it past WeChat's text limit
(the first in the reply, the rest as customer-service messages after it). A leader's 「通知」
sends a notice (wechat.chat.leader), so a leader reads them with 「看通知」."""

from services import broadcast_reading

from .. import texts
from ..inbound import Inbound, Reply
from . import common, state

# The keyword the list's footer names, by whether the reader is a leader (whose 「通知」 sends).
READ_WORD = {False: "通知", True: "看通知"}
# What may follow the keyword and still only ask for the list (「通知呢」, 「通知？」).
ASKING = " 呢吗嘛啊呀吧了？?！!。，,"


def on_notices(message: Inbound, member, args: str = "") -> Reply:
    """「通知」: the team's latest notices, numbered; 「通知 N」: the Nth in full."""
    word = READ_WORD[bool(member.is_leader)]
    found = broadcast_reading.team_notices(common.actor(member))
    if not args.strip(ASKING):  # 「通知呢」, 「通知？」 ask for them
        return _list(message.openid, found, word)
    return _one(message, member, found, args, word)


def _list(openid: str, found: list, word: str) -> Reply:
    """The list, kept for a number sent next (on_listed_number). Keeping it writes nothing a
    retry of the push could double, so 「看通知」 still only reads (Command.reads_only)."""
    if not found:
        return common.say(texts.NO_NOTICES)
    state.list_notices(openid, [b.id for b in found], common.now())
    return common.say(_listed(found, word))


def on_listed_number(message: Inbound, member, ids: list[int]) -> Reply:
    """A lone number right after the list (wechat.text_route): the notice it named there,
    as 「通知 N」 shows it, though a newer notice has come meanwhile; the list stays kept for
    the next number. A number naming none hears how many there were."""
    word = READ_WORD[bool(member.is_leader)]
    shown = {b.id: b for b in broadcast_reading.team_notices(common.actor(member))}
    state.list_notices(message.openid, ids, common.now())
    n = common.position(message.content)
    if n is None or not 1 <= n <= len(ids) or ids[n - 1] not in shown:
        return common.say(texts.NO_SUCH_NOTICE.format(count=len(ids), word=word))
    return _whole(message.openid, shown[ids[n - 1]])


def _one(message: Inbound, member, found: list, args: str, word: str) -> Reply:
    """「通知 N」: the Nth of the list (a number naming none hears how many there are); words
    instead of a number are a member's attempt to send a notice, which only a leader can."""
    n = common.position(args)
    meant_number = n is not None or common.is_numberish(args)  # 「通知 -1」: no such notice
    if not meant_number and not member.is_leader:  # 「通知 明天集合」: meant to send one
        return common.say(texts.NOTICE_SENDING_LEADER_ONLY)
    if not found:
        return common.say(texts.NO_NOTICES)
    if n is None or not 1 <= n <= len(found):
        return common.say(texts.NO_SUCH_NOTICE.format(count=len(found), word=word))
    return _whole(message.openid, found[n - 1])


def _listed(found: list, word: str) -> str:
    lines = [
        texts.NOTICE_LINE.format(
            n=n,
            time=common.local_time(b.created_at, "%m-%d %H:%M"),
            sender=b.sender.name,
            mark=texts.NOTICE_URGENT_MARK[_urgent(b)],
            excerpt=common.excerpt(" ".join(b.text.split())),
        )
        for n, b in enumerate(found, 1)
    ]
    footer = texts.NOTICES_FOOTER.format(word=word)
    return common.listing(texts.NOTICES_HEADER, lines, footer)


def _whole(openid: str, broadcast) -> Reply:
    """The notice under its heading; parts past the first go out after the reply, in order."""
    when = common.local_time(broadcast.created_at, "%Y-%m-%d %H:%M")
    head = texts.NOTICE_HEAD[_urgent(broadcast)].format(time=when, sender=broadcast.sender.name)
    parts = common.pieces(head + "\n" + broadcast.text, texts.NOTICE_PART)
    return Reply(parts[0], after=tuple((common.send, (openid, part)) for part in parts[1:]))


def _urgent(broadcast) -> bool:
    """Whether the notice went out urgent (services.broadcast_reading.team_notices says)."""
    return bool(getattr(broadcast, "is_urgent", False))
