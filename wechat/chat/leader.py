"""Leaders' commands: broadcast a notice (「通知」 then 「确认」), flagged check-ins waiting
for review (「待审」) and the quarter's report (「报告」). The router refuses them to members.

A confirmed notice goes to services.broadcast, the same call as the mini-program's, keyed by
the 「通知」 message's MsgId so that a repeated confirmation queues nothing more. The preview
and the confirmation count the members WeChat can reach, by the rule the sender applies
(services.reach), and name the others so the leader can tell them another way; a notice none
of them can receive is refused by the service, at the preview and again at 「确认」, and so
is one that fails content security (services.content_check). The
confirmation counts what was queued, not what was previewed: a member the preview counted
whose subscribe grant another notice spent meanwhile is named as no longer reached.

「紧急通知」 (wechat.commands; 「紧急：…」 too, wechat.phrasing.URGENT_MARKS) goes the same way with
`urgent` kept in the conversation: the service sends it at once even in the quiet hours and
leaves what services.urgent_audit says for the office, so the preview says so first, in
words a busy leader reads at a glance, and the confirmation says when the office was told."""

from flask import current_app

from services import (
    broadcast,
    broadcast_reach,
    broadcast_reading,
    broadcast_text,
    clock,
    content_check,
    outbox,
    reports,
)
from services.errors import DomainError
from services.outbox_delivery import Policy
from services.reach import Audience
from services.records import RecordFilters, list_records

from .. import CONTENT_SCREEN, texts
from ..inbound import Inbound, Reply
from . import common, photo_check, state, unreached

CONFIRM = "broadcast_confirm"
TEXT = "broadcast_text"  # 「通知」 alone: the next text is the notice
CONFIRM_MINUTES = int(state.TIMEOUT.total_seconds() // 60)  # a preview then expires
PENDING_SHOWN = 20


# What the chat says of a notice, by whether it is urgent.
ASK_TEXT = {False: texts.BROADCAST_ASK_TEXT, True: texts.URGENT_ASK_TEXT}
PREVIEW = {False: texts.BROADCAST_PREVIEW, True: texts.URGENT_PREVIEW}
QUEUED = {False: texts.BROADCAST_QUEUED, True: texts.URGENT_QUEUED}


def on_broadcast(message: Inbound, member, args: str, urgent: bool = False) -> Reply:
    """「通知 内容」: a preview, to be confirmed with 「确认」; 「通知」 alone waits for the
    text in the next message, as a leader who writes it apart sends it."""
    if not args.strip():
        pending = _pending(message.openid)
        if pending is not None:  # 「紧急」 as a preview waits: that notice, made urgent
            urgent = urgent or bool(pending.get("urgent"))
            return _previewed(message, member, pending["text"], urgent, pending["request_key"])
        state.start(message.openid, TEXT, {"urgent": urgent}, common.now())
        return common.say(ASK_TEXT[urgent])
    return _previewed(message, member, args, urgent, _request_key(message))


def _previewed(message: Inbound, member, args: str, urgent: bool, request_key: str) -> Reply:
    """The preview of a notice, kept to be confirmed under the key of the message that
    first gave its text (a preview made urgent keeps it: one notice, queued once)."""
    try:
        text = broadcast_text.check_text(args)  # the service's rules, told before the preview
        content_check.check_content(member, text, _screen())
        audience = broadcast_reach.preview(member, _policy(), common.now(), urgent)
        broadcast_reach.require_reachable(audience)  # nothing would arrive: nothing to confirm
    except DomainError as exc:
        return common.say(_refused(exc))
    counted = list(audience.channels.items())  # JSON keeps no int keys: [member id, channel]
    data = {"text": text, "request_key": request_key, "counted": counted}
    state.start(message.openid, CONFIRM, data | {"urgent": urgent}, common.now())
    return common.say(_preview(text, audience, urgent))


def on_urgent(message: Inbound, member, args: str) -> Reply:
    """「紧急通知 内容」: a notice that cannot wait for the quiet hours, previewed and confirmed
    as any other."""
    return on_broadcast(message, member, args, urgent=True)


def on_text(message: Inbound, member, data: dict) -> Reply:
    """The notice's text sent after 「通知」 (or 「紧急通知」): the preview, as for
    「通知 内容」."""
    return on_broadcast(message, member, message.content, bool(data.get("urgent")))


def on_no_text(message: Inbound, member, data: dict) -> Reply:
    """A yes or 「确认」 where the notice's text is asked for: there is nothing to confirm
    yet, and the word is no notice (sent to the whole team, it would puzzle everyone); the
    question again, the step kept."""
    question = ASK_TEXT[bool(data.get("urgent"))]
    word = message.content.strip()
    return common.say(texts.BROADCAST_NO_TEXT_YET.format(word=word, question=question))


def _pending(openid: str) -> dict | None:
    """The preview waiting for 「确认」, if one does."""
    conversation = state.current(openid, common.now())
    return conversation.data if conversation and conversation.state == CONFIRM else None


def _preview(text: str, audience: Audience, urgent: bool) -> str:
    """The notice as it will go out, to how many, and who cannot receive it; an urgent one
    says that it goes out at once, even in the quiet hours, and what the office learns. The
    instructions always stay: the names give way to a count, and a notice too long to show
    whole next to that count (emoji take four bytes each) is shown in part."""
    said = _urgency(common.now()) if urgent else {}

    def render(names: str, shown: str = "") -> str:
        names = f"{names}\n" if names else ""
        preview = PREVIEW[urgent]
        return preview.format(count=audience.reachable, text=shown, unreached=names, **said)

    least = unreached.size(render(unreached.line(audience, 0)))  # only the count, no text
    shown = unreached.clip(text, common.MAX_TEXT_BYTES - least)
    return unreached.fitted(lambda names: render(names, shown), audience)


def _refused(exc: DomainError, frame: str = "{reason}") -> str:
    """Why the service will not send the notice; for nobody WeChat can reach, who they are."""
    if isinstance(exc, broadcast_reach.NobodyReachable):
        return _nobody_reachable(exc.audience)
    return frame.format(reason=exc.message)


def _nobody_reachable(audience: Audience) -> str:
    named, counted = texts.BROADCAST_NOBODY_REACHABLE, texts.BROADCAST_NOBODY_REACHABLE_COUNT
    room = common.MAX_TEXT_BYTES
    return unreached.naming(audience, room, audience.total, named, counted)


def on_confirm(message: Inbound, member, args: str = "") -> Reply:
    """「确认」: queue the broadcast waiting for confirmation, if there is one."""
    if not member.is_leader:
        return common.say(texts.NOTHING_TO_CONFIRM)
    conversation = state.current(message.openid, common.now())
    if conversation is None or conversation.state != CONFIRM:
        return _nothing_to_confirm(member, message.openid)
    data, now, policy = conversation.data, common.now(), _policy()
    expected = _counted(data)
    try:
        sent = broadcast.send(
            member,
            data["text"],
            data["request_key"],
            now,
            policy,
            urgent=bool(data.get("urgent")),
            expected=expected,
            screen=_screen(),
        )
    except DomainError as exc:  # the team changed since the preview: nothing was queued
        state.leave(message.openid, now)
        return common.say(_refused(exc, texts.BROADCAST_NOT_SENT))
    state.leave(message.openid, now)
    return common.say(_queued(sent, now, policy.quiet_hours, bool(data.get("urgent"))))


def _counted(data: dict) -> dict[int, str | None]:
    """The members the preview counted, each with the channel it counted them through; a
    preview kept before channels were (its "reached" ids only) names none."""
    if "counted" in data:
        return {member_id: channel for member_id, channel in data["counted"]}
    return dict.fromkeys(data.get("reached", ()))


def _queued(sent: broadcast.Sent, now, quiet: str, urgent: bool = False) -> str:
    """Queued for how many; who the preview counted but cannot receive it now; who else
    cannot; when it goes out, if it waits; for an urgent one sent inside the quiet hours,
    that the office was told (services.urgent_audit, as of when it was queued)."""
    later = ""
    waits_until = outbox.deliver_after(now, quiet, urgent)
    if waits_until > now:  # said only when the notice will wait
        until = clock.to_local(waits_until).strftime("%H:%M")
        later = texts.BROADCAST_QUIET.format(quiet=quiet, time=until)
    elif urgent and outbox.is_quiet(sent.broadcast.created_at, quiet):
        later = texts.URGENT_OFFICE_TOLD.format(quiet=quiet)

    lost = unreached.lost_line(sent.lost)
    others = Audience(sent.audience.reached, _without(sent.audience.unreached, sent.lost))

    def render(names: str) -> str:
        names = "".join(f"\n{line}" for line in (lost, names) if line)
        queued = QUEUED[urgent].format(count=others.reachable)
        return queued + (f"{names}\n" if names else "") + later + texts.BROADCAST_TRACK

    return unreached.fitted(render, others)


def _urgency(now) -> dict[str, str]:
    """What an urgent notice's preview says of the quiet hours, by whether there are any and
    whether they are on now: then the office is told as soon as it goes out."""
    quiet = _policy().quiet_hours
    when = "off" if outbox.parse_quiet_hours(quiet) is None else outbox.is_quiet(now, quiet)
    return {
        "hours": texts.URGENT_HOURS[when].format(quiet=quiet),
        "office": texts.URGENT_OFFICE[when],
    }


def _without(everyone: tuple, some: tuple) -> tuple:
    return tuple(u for u in everyone if u not in some)


def _screen() -> content_check.Screen | None:
    """WeChat's content screen (wechat.content_screen), None without the mini-program."""
    return current_app.extensions[CONTENT_SCREEN]()


def _policy() -> Policy:
    return Policy.from_settings(common.settings())


def _nothing_to_confirm(member, openid: str) -> Reply:
    """Nothing waits (the preview expired, was cancelled or replaced, or this is a second tap):
    say nothing was sent now, and name the leader's latest notice of the last minutes, so a
    second tap does not lead to sending the same notice twice."""
    now = common.now()
    latest, _ = broadcast_reading.list_broadcasts(common.actor(member), limit=1)
    sent = latest[0].broadcast if latest else None
    lapsed = state.lapsed(openid, now)
    urgent = bool(lapsed and lapsed.state in (CONFIRM, TEXT) and lapsed.data.get("urgent"))
    word = texts.NOTICE_WORDS[urgent]  # an urgent preview that lapsed: 「紧急通知 内容」
    text = texts.BROADCAST_NOT_PENDING.format(minutes=CONFIRM_MINUTES, word=word)
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
    """「待审」: the team's entries waiting for this leader's review, newest first, and where
    to review them; not those waiting for the office (the leader's own, or ones the leader
    registered), which the leader could not review."""
    waiting = RecordFilters(awaiting_review_by="leader", limit=PENDING_SHOWN)
    try:
        found, total = list_records(common.actor(member), waiting)
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
            reasons=photo_check.reasons(r.flags, r.kind),
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
        if report.status == "returned" and report.return_reason:
            text += texts.REPORT_RETURN_REASON.format(reason=report.return_reason)
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
