"""Leaders' commands: broadcast a notice (「通知」 then 「确认」), flagged check-ins waiting
for review (「待审」) and the quarter's report (「报告」). The router refuses them to members.

Sending notices is the notification service's job (issue 5); until it lands a broadcast is
recorded as one pending Notification per team member, which that service will send."""

from models import Member, Notification, QuarterlyReport, db
from services import clock
from services.errors import DomainError
from services.records import RecordFilters, list_records

from .. import texts
from ..inbound import Inbound, Reply
from . import checkin, common, state

CONFIRM = "broadcast_confirm"
MAX_NOTICE = 500
PENDING_SHOWN = 20


def on_broadcast(message: Inbound, member, args: str) -> Reply:
    """「通知 内容」: a preview, to be confirmed with 「确认」."""
    text = args.strip()
    if not text:
        return common.say(texts.BROADCAST_USAGE)
    if len(text) > MAX_NOTICE:
        return common.say(texts.BROADCAST_TOO_LONG.format(limit=MAX_NOTICE))
    count = len(_recipients(member))
    if not count:
        return common.say(texts.BROADCAST_NO_MEMBERS)
    data = {"text": text, "msg_id": message.msg_id or message.create_time}
    state.start(message.openid, CONFIRM, data, common.now())
    return common.say(texts.BROADCAST_PREVIEW.format(count=count, text=text))


def on_confirm(message: Inbound, member, args: str = "") -> Reply:
    """「确认」: record the broadcast waiting for confirmation, if there is one."""
    conversation = state.current(message.openid, common.now())
    if conversation is None or conversation.state != CONFIRM or not member.is_leader:
        return common.say(texts.NOTHING_TO_CONFIRM)
    count = record_broadcast(member, conversation.data["text"], conversation.data["msg_id"])
    state.leave(message.openid, common.now())
    return common.say(texts.BROADCAST_RECORDED.format(count=count))


def _recipients(leader: Member) -> list[Member]:
    return list(
        Member.select()
        .where((Member.team == leader.team_id) & Member.active & (Member.id != leader.id))
        .order_by(Member.id)
    )


def record_broadcast(leader: Member, text: str, msg_id) -> int:
    """One pending Notification per team member; a repeated confirmation adds nothing."""
    now = common.now()
    recipients = _recipients(leader)
    rows = [
        {
            "member": m.id,
            "kind": "broadcast",
            "channel": "",
            "payload": {"text": text, "from_member_id": leader.id, "from_name": leader.name},
            "dedupe_key": f"broadcast:{leader.id}:{msg_id}:{m.id}",
            "status": "pending",
            "next_attempt_at": now,
            "created_at": now,
        }
        for m in recipients
    ]
    with db.atomic():
        for row in rows:
            Notification.insert(**row).on_conflict_ignore().execute()
    return len(recipients)


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
            title=r.activity.title if r.activity_id else texts.VISIT_TITLE,
            reasons=checkin.reasons(r.flags),
        )
        for n, r in enumerate(found, 1)
    ]
    header = texts.PENDING_HEADER.format(total=total)
    return common.say(common.listing(header, lines, texts.PENDING_FOOTER))


def on_report(message: Inbound, member, args: str = "") -> Reply:
    """「报告」: the status of this quarter's report of the leader's team."""
    year, quarter = clock.quarter_of(clock.local_today(common.now()))
    report = QuarterlyReport.get_or_none(
        (QuarterlyReport.team == member.team_id)
        & (QuarterlyReport.year == year)
        & (QuarterlyReport.quarter == quarter)
    )
    if report is None:
        return common.say(
            texts.REPORT_NONE.format(year=year, quarter=quarter, mp=texts.MINI_PROGRAM)
        )
    status = texts.REPORT_STATUS_NAMES.get(report.status, report.status)
    return common.say(
        texts.REPORT_STATUS.format(
            year=year, quarter=quarter, status=status, deadline=report.deadline
        )
    )
