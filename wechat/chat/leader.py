"""Leaders' commands: broadcast a notice (「通知」 then 「确认」), flagged check-ins waiting
for review (「待审」) and the quarter's report (「报告」). The router refuses them to members.

A confirmed notice goes to services.broadcast, the same call as the mini-program's, keyed by
the 「通知」 message's MsgId so that a repeated confirmation queues nothing more. The preview
and the confirmation count the members WeChat can reach, by the rule the sender applies
(services.reach), and name the others so the leader can tell them another way; a notice none
of them can receive is refused by the service, at the preview and again at 「确认」."""

from collections.abc import Callable

from services import broadcast, clock, outbox, reports
from services.errors import DomainError
from services.notification_texts import UNREACHABLE_NAMES
from services.outbox_delivery import Policy
from services.reach import Audience
from services.records import RecordFilters, list_records

from .. import texts
from ..inbound import Inbound, Reply
from . import checkin, common, state

CONFIRM = "broadcast_confirm"
CONFIRM_MINUTES = int(state.TIMEOUT.total_seconds() // 60)  # a preview then expires
PENDING_SHOWN = 20


def on_broadcast(message: Inbound, member, args: str) -> Reply:
    """「通知 内容」: a preview, to be confirmed with 「确认」."""
    if not args.strip():
        return common.say(texts.BROADCAST_USAGE)
    try:
        text = broadcast.check_text(args)  # the service's rules, told before the preview
        audience = broadcast.preview(member, _policy(), common.now())
        broadcast.require_reachable(audience)  # nothing would arrive: nothing to confirm
    except DomainError as exc:
        return common.say(_refused(exc))
    data = {"text": text, "request_key": _request_key(message)}
    state.start(message.openid, CONFIRM, data, common.now())
    return common.say(_preview(text, audience))


def _preview(text: str, audience: Audience) -> str:
    """The notice as it will go out, to how many, and who cannot receive it."""

    def render(unreached: str) -> str:
        unreached = f"{unreached}\n" if unreached else ""
        preview = texts.BROADCAST_PREVIEW
        return preview.format(count=audience.reachable, text=text, unreached=unreached)

    return _fitted(render, audience)


def _refused(exc: DomainError, frame: str = "{reason}") -> str:
    """Why the service will not send the notice; for nobody WeChat can reach, who they are."""
    if isinstance(exc, broadcast.NobodyReachable):
        return _nobody_reachable(exc.audience)
    return frame.format(reason=exc.message)


def _nobody_reachable(audience: Audience) -> str:
    def render(groups: str) -> str:
        return texts.BROADCAST_NOBODY_REACHABLE.format(count=audience.total, groups=groups)

    return _fitted(render, audience, part=unreached_groups)


def on_confirm(message: Inbound, member, args: str = "") -> Reply:
    """「确认」: queue the broadcast waiting for confirmation, if there is one."""
    if not member.is_leader:
        return common.say(texts.NOTHING_TO_CONFIRM)
    conversation = state.current(message.openid, common.now())
    if conversation is None or conversation.state != CONFIRM:
        return _nothing_to_confirm(member)
    data, now, policy = conversation.data, common.now(), _policy()
    try:
        sent = broadcast.send(member, data["text"], data["request_key"], now, policy)
    except DomainError as exc:  # the team changed since the preview: nothing was queued
        state.leave(message.openid, now)
        return common.say(_refused(exc, texts.BROADCAST_NOT_SENT))
    state.leave(message.openid, now)
    return common.say(_queued(sent.audience, now, policy.quiet_hours))


def _queued(audience: Audience, now, quiet: str) -> str:
    """Queued for how many; who cannot receive it; when it goes out, if it waits."""
    later = ""
    waits_until = outbox.deliver_after(now, quiet, urgent=False)
    if waits_until > now:  # said only when the notice will wait
        until = clock.to_local(waits_until).strftime("%H:%M")
        later = texts.BROADCAST_QUIET.format(quiet=quiet, time=until)

    def render(unreached: str) -> str:
        unreached = f"\n{unreached}\n" if unreached else ""
        queued = texts.BROADCAST_QUEUED.format(count=audience.reachable)
        return queued + unreached + later + texts.BROADCAST_TRACK

    return _fitted(render, audience)


def _fitted(render: Callable[[str], str], audience: Audience, part=None) -> str:
    """The reply `render` makes around the part naming the members WeChat cannot reach
    (`unreached_line` unless given), that part cut to the bytes the rest leaves."""
    room = common.MAX_TEXT_BYTES - len(render("").encode()) - 2  # its line breaks
    return render((part or unreached_line)(audience, room))


def _policy() -> Policy:
    return Policy.from_settings(common.settings())


def unreached_line(audience: Audience, room: int) -> str:
    """「另有 3 名队员收不到微信消息，请另行通知：…。」 within `room` bytes; "" if none."""
    if not audience.unreached:
        return ""
    line = texts.BROADCAST_UNREACHED.format(count=len(audience.unreached), groups="")
    groups = unreached_groups(audience, room - len(line.encode()))
    return texts.BROADCAST_UNREACHED.format(count=len(audience.unreached), groups=groups)


def unreached_groups(audience: Audience, room: int) -> str:
    """「王某、李某（未绑定微信）；张某（已取消关注公众号）」: every reason with its members,
    as many names as fit in `room` bytes, taken from each reason in turn, the rest counted
    (「王某、李某等 7 人」)."""
    groups: dict[str, list[str]] = {reason: [] for reason in UNREACHABLE_NAMES}
    for unreached in audience.unreached:
        groups.setdefault(unreached.reason, []).append(unreached.name)
    groups = {reason: names for reason, names in groups.items() if names}
    shown = dict.fromkeys(groups, 0)
    text = _groups_text(groups, shown)
    for count in range(1, max(map(len, groups.values()), default=0) + 1):
        for reason in [reason for reason, names in groups.items() if len(names) >= count]:
            longer = _groups_text(groups, shown | {reason: count})
            if len(longer.encode()) > room:
                return text
            shown[reason], text = count, longer
    return text


def _groups_text(groups: dict[str, list[str]], shown: dict[str, int]) -> str:
    parts = []
    for reason, names in groups.items():
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


def _nothing_to_confirm(member) -> Reply:
    """Nothing waits (the preview expired, was cancelled or replaced, or this is a second tap):
    say nothing was sent now, and name the leader's latest notice of the last minutes, so a
    second tap does not lead to sending the same notice twice."""
    now = common.now()
    latest = broadcast.recent(common.actor(member), limit=1)
    sent = latest[0].broadcast if latest else None
    text = texts.BROADCAST_NOT_PENDING.format(minutes=CONFIRM_MINUTES)
    if sent is not None and sent.sender_id == member.id and now - sent.created_at < state.TIMEOUT:
        at = clock.to_local(sent.created_at).strftime("%H:%M")
        text += texts.BROADCAST_LATEST.format(time=at, excerpt=common.excerpt(sent.text))
    return common.say(text)


def _request_key(message: Inbound) -> str:
    """The 「通知」 message's MsgId (unique per account); a push without one, its sender and
    time."""
    if message.msg_id:
        return f"chat:{message.msg_id}"
    return f"chat:{message.openid}:{message.create_time}"


def on_pending(message: Inbound, member, args: str = "") -> Reply:
    """「待审」: the team's flagged check-ins, newest first, and where to review them."""
    try:
        found, total = list_records(
            common.actor(member), RecordFilters(status="flagged", limit=PENDING_SHOWN)
        )
    except DomainError as exc:
        return common.say(texts.SERVICE_ERROR.format(reason=exc.message))
    if not total:
        return common.say(texts.NO_PENDING)
    lines = [
        texts.PENDING_LINE.format(
            n=n,
            name=r.member.name,
            date=common.local_time(r.checkin_at, "%m-%d"),
            title=common.record_label(r),
            reasons=checkin.reasons(r.flags),
        )
        for n, r in enumerate(found, 1)
    ]
    header = texts.PENDING_HEADER.format(total=total)
    return common.say(common.listing(header, lines, texts.PENDING_FOOTER))


WAITING_FOR_LEADER = ("draft", "late", "returned")  # report statuses


def on_report(message: Inbound, member, args: str = "") -> Reply:
    """「报告」: the team's latest quarterly report, and that this quarter's comes when the
    quarter ends (reports are drafted then, so the one due is usually last quarter's)."""
    year, quarter = clock.quarter_of(clock.local_today(common.now()))
    report = reports.latest_report(member.team_id)
    text = ""
    if report is not None:
        status = texts.REPORT_STATUS_NAMES.get(report.status, report.status)
        text = texts.REPORT_STATUS.format(
            year=report.year,
            quarter=report.quarter,
            status=status,
            deadline=report.deadline,
            lateness=_lateness(report),
        )
        text += (texts.REPORT_TO_DO if report.status in WAITING_FOR_LEADER else "") + "\n"
    if report is None or (report.year, report.quarter) != (year, quarter):
        text += texts.REPORT_RUNNING.format(year=year, quarter=quarter)
    return common.say(text.strip())


def _lateness(report) -> str:
    """How late the report is, as services.reports reckons it for the API's `late`."""
    days = reports.days_overdue(report, common.now())
    if days:
        return texts.REPORT_OVERDUE.format(days=days)
    return texts.REPORT_SUBMITTED_LATE if reports.submitted_late(report) else ""
