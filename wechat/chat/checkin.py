"""Check-in in the chat: pick the activity, send the location, send the photo (check-out is
wechat.chat.checkout).

The photo step answers at once and checks in after the reply (Reply.after): downloading the
photo through the media API may take longer than WeChat waits. The register entry is made by
services.checkin.check_in, exactly as from the mini-program, with source 'chat' and the
push's MsgId as request_id, so a repeated push can never record the service twice.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

import requests
from wechatpy.exceptions import WeChatException

from models import Member
from services import activities, actors, checkin, clock, geo, summary
from services.errors import DomainError

from .. import get_clients, texts
from ..client import download_media
from ..inbound import Inbound, Reply
from . import common, state

PICK, LOCATION, PHOTO = "checkin_pick", "checkin_location", "checkin_photo"
VISIT_SEEN, VISIT_HELP = "visit_seen", "visit_help"  # the visit's notes: wechat.chat.visits

# A photo WeChat could not hand over: its media API refused, timed out or was unreachable.
DOWNLOAD_ERRORS = (WeChatException, requests.RequestException)
# What the member is told when the photo step fails, for a check-in and for a visit.
NOT_DOWNLOADED = {
    "checkin": texts.PHOTO_DOWNLOAD_FAILED,
    "visit": texts.VISIT_PHOTO_DOWNLOAD_FAILED,
}
REFUSED = {"checkin": texts.CHECKIN_FAILED, "visit": texts.VISIT_FAILED}
# When the member has moved on to another conversation, the photo is not asked for again.
NOT_RECORDED = {"checkin": texts.PHOTO_NOT_RECORDED, "visit": texts.VISIT_PHOTO_NOT_RECORDED}

log = logging.getLogger(__name__)


def on_checkin(message: Inbound, member: Member, args: str = "") -> Reply:
    """「签到」: today's activity (or a numbered list of them), then ask for the location.
    With none left to check in to, a member already checked in hears when and to what (「我
    签到了吗」 asks exactly that), not to go and enrol in what they are serving at."""
    found = open_activities(member)
    if not found:
        return common.say(already_checked_in(member) or texts.NO_ACTIVITY_TODAY)
    if len(found) == 1:
        return ask_location(message.openid, found[0].id, found[0].title)
    lines = [
        texts.ACTIVITY_LINE.format(
            n=n,
            title=a.title,
            start=common.local_time(a.starts_at),
            end=common.local_time(a.ends_at),
        )
        for n, a in enumerate(found, 1)
    ]
    choices = [[a.id, a.title] for a in found]
    state.start(message.openid, PICK, {"choices": choices}, common.now())
    footer = texts.PICK_NUMBER.format(count=len(found))
    return common.say(common.listing(texts.PICK_ACTIVITY, lines, footer))


def open_activities(member: Member) -> list:
    """Today's activities the member enrolled in whose check-in is not refused by the clock,
    and that they are not checked in to already (offering one would end in a refusal only
    after the location and the photo)."""
    now, rules = common.now(), common.rules()
    today = clock.local_today(now)
    found = activities.list_activities(common.actor(member), today, today, now)
    checked_in = {c.activity_id for c in summary.open_checkins(member.id)}
    slack = timedelta(hours=rules.hard_limit_hours)
    before, after = (
        timedelta(minutes=rules.open_before_min),
        timedelta(minutes=rules.close_after_min),
    )
    return [
        a
        for a in found
        if a.is_enrolled
        and a.status != "cancelled"
        and a.id not in checked_in
        and a.starts_at - before - slack <= now <= a.ends_at + after + slack
    ]


def already_checked_in(member: Member) -> str | None:
    """When and to what the member is checked in (the latest open check-in), or None; a
    check-in of another day names its date too."""
    still_open = summary.open_checkins(member.id)
    if not still_open:
        return None
    latest = max(still_open, key=lambda c: c.checkin_at)
    today = clock.local_today(common.now())
    same_day = clock.to_local(latest.checkin_at).date() == today
    at = common.local_time(latest.checkin_at, "%H:%M" if same_day else "%m-%d %H:%M")
    return texts.ALREADY_CHECKED_IN.format(time=at, title=common.record_label(latest))


def trouble_tip(member: Member) -> str:
    """What to do when check-in is not working (「我签不上」), from what the member can do
    now: the steps for the activity open to them, else that they are checked in already, else
    that nothing is open yet; and that a leader can register a member who cannot use the
    phone (services.leader_registration), as the programme allows."""
    found = open_activities(member)
    checked_in = summary.open_checkins(member.id) if not found else []
    if found:
        tip = texts.CHECKIN_TROUBLE_OPEN.format(titles="」「".join(a.title for a in found))
    elif checked_in:
        tip = texts.CHECKIN_TROUBLE_DONE.format(title=common.record_label(checked_in[0]))
    else:
        tip = texts.CHECKIN_TROUBLE_NONE
    return tip + texts.CHECKIN_BY_LEADER


def on_pick(message: Inbound, member: Member, data: dict) -> Reply:
    """A number from the list of today's activities."""
    choice = pick(message.content, data["choices"])
    if choice is None:
        return common.say(texts.PICK_NUMBER.format(count=len(data["choices"])))
    return ask_location(message.openid, *choice)


def pick(text: str, choices: list):
    """The choice a reply like '2', '２' or '第二个' names, or None."""
    n = common.position(text)
    return choices[n - 1] if n is not None and 1 <= n <= len(choices) else None


def ask_location(openid: str, target, title: str) -> Reply:
    state.start(openid, LOCATION, {"target": target, "title": title}, common.now())
    if target == "visit":
        return common.say(texts.ASK_VISIT_LOCATION.format(head=title))
    return common.say(texts.ASK_CHECKIN_LOCATION.format(title=title))


def on_location(message: Inbound, member: Member, data: dict) -> Reply:
    """The location of a check-in: keep it and ask for the photo."""
    data = {**data, "point": common.point_of(message)}
    state.start(message.openid, PHOTO, data, common.now())
    visit = data["target"] == "visit"
    return common.say(texts.ASK_VISIT_PHOTO if visit else texts.ASK_CHECKIN_PHOTO)


def on_location_refused(message: Inbound, member: Member, data: dict) -> Reply:
    """「不发位置了」: a check-in (or visit) is proved by where it happened, so it cannot go
    on without the location; say why, how to send it, and that 取消 leaves."""
    visit = data["target"] == "visit"
    return common.say(texts.VISIT_NEEDS_LOCATION if visit else texts.CHECKIN_NEEDS_LOCATION)


@dataclass(frozen=True)
class PhotoCheck:
    """A photo sent for a check-in or a visit, checked after the reply (wechat.deferred)."""

    openid: str
    member_id: int
    target: int | str
    title: str
    point: dict
    media_id: str
    request_id: str

    @property
    def kind(self) -> str:
        return "visit" if self.target == "visit" else "checkin"


def on_photo(message: Inbound, member: Member, data: dict) -> Reply:
    """The photo: answer now, check in after the reply, then tell the result.

    A photo sent again after a failed one keeps the first one's request_id: whichever check
    finishes, the service is recorded once."""
    request_id = data.get("request_id") or f"chat:{message.msg_id or message.create_time}"
    sent = PhotoCheck(
        message.openid,
        member.id,
        data["target"],
        data["title"],
        data["point"],
        message.media_id,
        request_id,
    )
    work = (finish_checkin, (sent,))
    if sent.kind == "visit":
        return Reply(await_visit_check(sent, data.get("seen")), after=(work,))
    state.leave(message.openid, common.now())
    return Reply(texts.CHECKING_PHOTO, after=(work,))


def await_visit_check(sent: PhotoCheck, seen: str | None) -> str:
    """Go on with the visit's questions while the photo is checked; notes already given
    (before a photo had to be sent again) are kept, not asked twice."""
    data = {
        "request_id": sent.request_id,
        "head": sent.title,
        "point": sent.point,
        "sent_at": common.now().isoformat(),
    }
    if seen:
        state.start(sent.openid, VISIT_HELP, {**data, "seen": seen}, common.now())
        return texts.ASK_VISIT_HELP_WHILE_CHECKING
    state.start(sent.openid, VISIT_SEEN, data, common.now())
    return texts.ASK_VISIT_SEEN


def finish_checkin(sent: PhotoCheck) -> None:
    """The slow part, after the reply: download the photo, check in, send the result.

    The member's conversation has moved on by then, so every outcome is told: a photo that
    could not be had or checked is asked for again, a refusal says why. An unexpected error
    is still raised after telling the member, so wechat.deferred logs it."""
    try:
        photo, _ = download_media(get_clients().official_account, sent.media_id)
    except DOWNLOAD_ERRORS as exc:
        log.warning("photo %s of %s not downloaded: %r", sent.media_id, sent.openid, exc)
        ask_again(sent, NOT_DOWNLOADED[sent.kind])
        return
    try:
        check(sent, photo)
    except DomainError as exc:
        end_visit(sent)
        common.send(sent.openid, REFUSED[sent.kind].format(reason=exc.message))
    except Exception:
        tell_after_error(sent)
        raise


def check(sent: PhotoCheck, photo: bytes) -> None:
    result = checkin.check_in(
        actors.member_actor(sent.member_id),
        sent.target,
        common.to_point(sent.point),
        photo,
        sent.request_id,
        common.now(),
        common.rules(),
        common.photo_root(),
        source="chat",
    )
    common.send(sent.openid, result_text(result.record, sent.title))


def tell_after_error(sent: PhotoCheck) -> None:
    """The result if the entry was made before the error, else a request for the photo."""
    record = checkin.entry_made_by(sent.member_id, sent.request_id)
    if record is None:
        ask_again(sent, texts.PHOTO_CHECK_BROKE)
    else:
        common.send(sent.openid, result_text(record, sent.title))


def ask_again(sent: PhotoCheck, text: str) -> None:
    """Ask for the photo again, back at the photo step; when another conversation started
    meanwhile, say instead that nothing was recorded and how to start over."""
    args = (sent.openid, sent.target, sent.title, sent.point, sent.request_id)
    common.send(sent.openid, text if reopen_photo_step(*args) else NOT_RECORDED[sent.kind])


def reopen_photo_step(openid: str, target, title: str, point: dict, request_id: str) -> bool:
    """Back to the photo step, with the visit's notes given so far, when the conversation is
    still the one that sent the photo (a visit waiting for it) or has ended (a check-in);
    False when another conversation is going on."""
    now = common.now()
    live = state.current(openid, now)
    if live is not None and live.data.get("request_id") != request_id:
        return False
    if live is None and target == "visit":  # the visit waits in its conversation: it was left
        return False
    data = {"target": target, "title": title, "point": point, "request_id": request_id}
    if live is not None and live.data.get("seen"):
        data["seen"] = live.data["seen"]
    state.start(openid, PHOTO, data, now)
    return True


def end_visit(sent: PhotoCheck) -> None:
    """A refused visit leaves its conversation: there is no entry to write its notes into."""
    live = state.current(sent.openid, common.now())
    if live is not None and live.data.get("request_id") == sent.request_id:
        state.leave(sent.openid, common.now())


# What the member is told of a photo's result, by (kind of entry, verified).
RESULTS = {
    (False, True): texts.CHECKIN_VERIFIED,
    (False, False): texts.CHECKIN_FLAGGED,
    (True, True): texts.VISIT_VERIFIED,
    (True, False): texts.VISIT_FLAGGED,
}


def result_text(record, title: str) -> str:
    template = RESULTS[record.kind == "visit", record.status == "verified"]
    at = common.local_time(record.checkin_at)
    return template.format(title=title, time=at, reasons=reasons(record.flags))


def reasons(flags: list[str]) -> str:
    return "；".join(texts.FLAG_NAMES.get(flag, flag) for flag in flags) or "—"


def on_stray_location(message: Inbound, member: Member) -> Reply:
    """A location outside any conversation: offer check-in to an activity close by."""
    for activity in open_activities(member):
        if activity.lat is None or activity.lng is None:
            continue
        distance = geo.distance_m(message.lat, message.lng, activity.lat, activity.lng)
        if distance <= (activity.radius_m or common.rules().radius_m):
            data = {
                "target": activity.id,
                "title": activity.title,
                "point": common.point_of(message),
            }
            state.start(message.openid, PHOTO, data, common.now())
            return common.say(texts.NEARBY_OFFER.format(title=activity.title))
    return common.say(texts.LOCATION_NOTED)
