"""Naming the members WeChat cannot reach in a leader's broadcast replies, within WeChat's text
limit (common.MAX_TEXT_BYTES, counted in UTF-8 bytes: a Chinese character takes three, most
emoji four). The names give way first, then the notice's own text; the reply's instructions
(「回复「确认」发送…」) are never cut, as common.fit would cut them."""

from collections.abc import Callable

from services.notification_texts import UNREACHABLE_NAMES
from services.reach import Audience, Unreached

from .. import texts
from . import common


def fitted(render: Callable[[str], str], audience: Audience) -> str:
    """The reply `render` makes around the line naming the members WeChat cannot reach, that
    line cut to the bytes the rest leaves."""
    room = common.MAX_TEXT_BYTES - size(render("")) - 2  # the line's own line breaks
    return render(line(audience, room))


def lost_line(lost: tuple[Unreached, ...]) -> str:
    """「刚才预览时能收到的 1 名队员，现在收不到了…」, naming the members the preview
    counted whom the notice no longer reaches, in at most half the reply; "" when there are none."""
    if not lost:
        return ""
    room, count = common.MAX_TEXT_BYTES // 2, len(lost)
    return naming(Audience((), lost), room, count, texts.BROADCAST_LOST, texts.BROADCAST_LOST_COUNT)


def line(audience: Audience, room: int) -> str:
    """「另有 3 名队员收不到微信消息，请另行通知：…。」 within `room` bytes, or only the count
    and where the list is when not one name fits; "" if WeChat reaches everyone."""
    if not audience.unreached:
        return ""
    count = len(audience.unreached)
    return naming(audience, room, count, texts.BROADCAST_UNREACHED, texts.BROADCAST_UNREACHED_COUNT)


def naming(audience: Audience, room: int, count: int, named: str, counted: str) -> str:
    """`named` with the members' groups in `room` bytes; `counted` if not one name fits."""
    frame = named.format(count=count, groups="")
    found = groups(audience, room - size(frame))
    return named.format(count=count, groups=found) if found else counted.format(count=count)


def groups(audience: Audience, room: int) -> str:
    """「王某、李某（未绑定微信）；张某（已取消关注公众号）」: every reason with its members,
    as many names as fit in `room` bytes, taken from each reason in turn, the rest counted
    (「王某、李某等 7 人」); "" when not one name fits."""
    by_reason: dict[str, list[str]] = {reason: [] for reason in UNREACHABLE_NAMES}
    for unreached in audience.unreached:
        by_reason.setdefault(unreached.reason, []).append(unreached.name)
    by_reason = {reason: names for reason, names in by_reason.items() if names}
    shown, text = dict.fromkeys(by_reason, 0), ""
    for count in range(1, max(map(len, by_reason.values()), default=0) + 1):
        for reason in [reason for reason, names in by_reason.items() if len(names) >= count]:
            longer = _groups_text(by_reason, shown | {reason: count})
            if size(longer) > room:
                return text
            shown[reason], text = count, longer
    return text


def _groups_text(by_reason: dict[str, list[str]], shown: dict[str, int]) -> str:
    parts = []
    for reason, names in by_reason.items():
        named = texts.UNREACHED_NAME_SEPARATOR.join(names[: shown[reason]])
        if shown[reason] == len(names):
            who = named
        elif named:
            who = texts.UNREACHED_SOME.format(names=named, count=len(names))
        else:
            who = texts.UNREACHED_COUNT.format(count=len(names))
        parts.append(
            texts.UNREACHED_GROUP.format(who=who, reason=UNREACHABLE_NAMES.get(reason, reason))
        )
    return texts.UNREACHED_GROUP_SEPARATOR.join(parts)


def clip(text: str, room: int) -> str:
    """The text whole if it fits in `room` bytes, else its start and a note that it goes on."""
    if size(text) <= room:
        return text
    start = text.encode()[: max(room - size(texts.BROADCAST_CLIPPED), 0)]
    return start.decode(errors="ignore") + texts.BROADCAST_CLIPPED


def size(text: str) -> int:
    return len(text.encode())
