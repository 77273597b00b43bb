"""Check-in in the chat: pick the activity, send the location, send the photo (check-out is
wechat.chat.checkout). The photo step answers at once and checks in after the reply
(wechat.chat.photo_check), exactly as from the mini-program. A photo sent before the
location is kept and checked once the location comes.
"""

from models import Member
from services import checkin_choices, clock, summary

from .. import texts
from ..inbound import Inbound, Reply
from . import common, photo_check, state

PICK, LOCATION = "checkin_pick", "checkin_location"
PHOTO = photo_check.PHOTO  # its photo step, which wechat.chat.photo_check starts


def on_checkin(message: Inbound, member: Member, args: str = "") -> Reply:
    """「签到」: today's activity (or a numbered list of them), then ask for the location.
    With none left to check in to, a member already checked in hears when and to what (「我
    签到了吗」 asks exactly that), not to go and enrol in what they are serving at; with
    another entry still open, that 签退 comes first (open_first)."""
    found = open_activities(member)
    if not found:
        return _nothing_open(message, member)
    still_open = open_first(member, "签到")
    if still_open is not None:
        return common.say(still_open)
    if len(found) == 1:
        return ask_location(message.openid, found[0].id, found[0].title)
    lines = [
        texts.ACTIVITY_LINE.format(
            n=n, title=a.title, span=common.time_span(a.starts_at, a.ends_at)
        )
        for n, a in enumerate(found, 1)
    ]
    choices = [[a.id, a.title] for a in found]
    state.start(message.openid, PICK, {"choices": choices}, common.now())
    footer = texts.PICK_NUMBER.format(count=len(found))
    return common.say(common.listing(texts.PICK_ACTIVITY, lines, footer))


def _nothing_open(message: Inbound, member: Member) -> Reply:
    """No activity to check in to: when, and to what, the member is checked in; else that
    none is open, offering their own service (分散活动), which a yes starts."""
    told = already_checked_in(member)
    if told is not None:
        return common.say(told)
    state.suggest(message.openid, "individual", common.now())
    return common.say(texts.NO_ACTIVITY_TODAY)


def on_question(message: Inbound, member: Member, args: str = "") -> Reply:
    """「谁没签到」, 「签到了吗」: asked, not requested, so no check-in starts. A leader hears
    where the team's check-ins and reviews are; a member when they checked in (「我签到了吗」
    asks exactly that), else how to check in and where their own records are."""
    if member.is_leader:
        return common.say(texts.CHECKIN_QUESTION_LEADER)
    return common.say(already_checked_in(member) or texts.CHECKIN_QUESTION_MEMBER)


def open_activities(member: Member) -> list:
    """Today's activities open to the member's check-in (services.checkin_choices)."""
    return checkin_choices.open_activities(member, common.now(), common.rules())


def open_first(member: Member, word: str, kind: str | None = None) -> str | None:
    """What is still checked in, and that 签退 comes before another entry (`word` starts it
    again), or None with nothing open; an entry of `kind` (the one `word` starts) is only
    said to be open, as a second one is refused. Said before the location is asked for, as
    to a photo sent first (wechat.chat.photo_first): the service takes a second open entry of
    another kind (flagged overlapping), but a member starting one in the chat has most likely
    forgotten to 签退, and hearing so only after the location and the photo wastes both. An
    entry from an earlier day is sent to be corrected first: 签退 now would count the days
    since as service."""
    latest = _latest_open(member)
    if latest is None:
        return None
    if not _checked_in_today(latest):
        return texts.CHECKIN_OPEN_FROM_EARLIER_DAY.format(
            time=_checkin_time(latest), title=common.record_label(latest), word=word
        )
    same_kind = _latest_open(member, kind) if kind else None
    if same_kind is not None:
        return _told(same_kind)
    return texts.CHECKIN_WHILE_OPEN.format(told=_told(latest), word=word)


def already_checked_in(member: Member, kind: str | None = None) -> str | None:
    """When and to what the member is checked in (the latest open check-in, of this kind when
    given), or None; a check-in of another day names its date too."""
    latest = _latest_open(member, kind)
    return None if latest is None else _told(latest)


def _latest_open(member: Member, kind: str | None = None):
    """The member's latest open check-in (of this kind when given), or None."""
    still_open = [c for c in summary.open_checkins(member.id) if kind in (None, c.kind)]
    return max(still_open, key=lambda c: c.checkin_at) if still_open else None


def _checked_in_today(record) -> bool:
    return clock.to_local(record.checkin_at).date() == clock.local_today(common.now())


def _checkin_time(record) -> str:
    """The time of the check-in, with its date when it was not today."""
    fmt = "%H:%M" if _checked_in_today(record) else "%m-%d %H:%M"
    return common.local_time(record.checkin_at, fmt)


def _told(record) -> str:
    return texts.ALREADY_CHECKED_IN.format(
        time=_checkin_time(record), title=common.record_label(record)
    )


def trouble_tip(member: Member) -> str:
    """What to do when check-in is not working (「我签不上」), from what the member can do
    now: the steps for the activity open to them, else that they are checked in already, else
    that nothing is open yet; and that a leader can register a member who cannot use the
    phone (services.leader_registration), as the programme allows (not told to a leader,
    who would be sent to himself)."""
    found = open_activities(member)
    checked_in = summary.open_checkins(member.id) if not found else []
    if found:
        tip = texts.CHECKIN_TROUBLE_OPEN.format(titles="」「".join(a.title for a in found))
    elif checked_in:
        tip = texts.CHECKIN_TROUBLE_DONE.format(title=common.record_label(checked_in[0]))
    else:
        tip = texts.CHECKIN_TROUBLE_NONE
    return tip if member.is_leader else tip + texts.CHECKIN_BY_LEADER


def on_pick(message: Inbound, member: Member, data: dict) -> Reply:
    """A number from the list of today's activities; with the location sent already
    (on_pick_location), straight on to the photo."""
    choice = pick(message.content, data["choices"])
    if choice is None:
        return common.say(texts.PICK_NUMBER.format(count=len(data["choices"])))
    held = data.get("photo")  # a photo sent first (wechat.chat.photo_first)
    if "point" not in data:
        return ask_location(message.openid, *choice, held=held)
    target, title = choice
    if held is not None:
        picked = {"target": target, "title": title, "point": data["point"]}
        return photo_check.photo_sent(
            message.openid, member, picked, held["media_id"], held["request_id"]
        )
    photo_check.ask_for_photo(message, {"target": target, "title": title, "point": data["point"]})
    if target == "visit":
        return common.say(texts.PICKED_VISIT_ASK_PHOTO.format(head=title))
    return common.say(texts.PICKED_ASK_PHOTO.format(title=title))


def on_pick_location(message: Inbound, member: Member, data: dict) -> Reply:
    """A location instead of a number: which activity is still the member's to say (never
    the nearest or the first, guessed); the location is kept for it."""
    state.start(message.openid, PICK, {**data, "point": common.point_of(message)}, common.now())
    return common.say(texts.PICK_FIRST.format(count=len(data["choices"])))


def on_pick_photo(message: Inbound, member: Member, data: dict) -> Reply:
    """A photo instead of a number: kept for the check-in the number will name, in place of
    any photo kept before (the latest is the one the member means: an older one used, and
    the new one dropped unsaid, would register a photo they replaced)."""
    held = {"media_id": message.media_id, "request_id": photo_check.request_id_of(message)}
    state.start(message.openid, PICK, {**data, "photo": held}, common.now())
    return common.say(texts.PICK_PHOTO_KEPT.format(count=len(data["choices"])))


def on_checkout_pick_photo(message: Inbound, member: Member, data: dict) -> Reply:
    """A photo while choosing what to check out of: a check-out needs none, so say so
    rather than promise to use it."""
    return common.say(texts.CHECKOUT_NO_PHOTO.format(count=len(data["choices"])))


def pick(text: str, choices: list):
    """The choice a reply like '2', '２' or '第二个' names, or None."""
    n = common.position(text)
    return choices[n - 1] if n is not None and 1 <= n <= len(choices) else None


def ask_location(openid: str, target, title: str, held: dict | None = None) -> Reply:
    """Ask for the location of a check-in (or visit); a photo sent first (`held`) stays kept
    with it, and is checked once the location comes (on_location)."""
    data = {"target": target, "title": title}
    state.start(openid, LOCATION, {**data, "photo": held} if held else data, common.now())
    if held is not None:
        named = texts.VISIT_LABEL.format(head=title) if target == "visit" else title
        return common.say(texts.PHOTO_FIRST_PICKED.format(title=named))
    if target == "visit":
        return common.say(texts.ASK_VISIT_LOCATION.format(head=title))
    return common.say(texts.ASK_CHECKIN_LOCATION.format(title=title))


def on_location(message: Inbound, member: Member, data: dict) -> Reply:
    """The location of a check-in: keep it and ask for the photo, or check the photo sent
    before it (on_early_photo)."""
    data = {**data, "point": common.point_of(message)}
    held = data.pop("photo", None)
    if held is not None:
        reply = photo_check.photo_sent(
            message.openid, member, data, held["media_id"], held["request_id"]
        )
        return Reply(texts.LOCATION_THEN_PHOTO + reply.text, after=reply.after)
    photo_check.ask_for_photo(message, data)
    visit = data["target"] == "visit"
    return common.say(texts.ASK_VISIT_PHOTO if visit else texts.ASK_CHECKIN_PHOTO)


def on_early_photo(message: Inbound, member: Member, data: dict) -> Reply:
    """A photo before the location: kept in the conversation (its media_id, which WeChat
    keeps for three days, so it is downloaded once the location comes, after that reply)
    and checked then, so the member need not send it twice."""
    held = {"media_id": message.media_id, "request_id": photo_check.request_id_of(message)}
    state.start(message.openid, LOCATION, {**data, "photo": held}, common.now())
    return common.say(texts.PHOTO_KEPT_ASK_LOCATION)


def on_photo(message: Inbound, member: Member, data: dict) -> Reply:
    """The photo: answer now, check in after the reply, then tell the result."""
    return photo_check.photo_sent(
        message.openid, member, data, message.media_id, photo_check.request_id_of(message)
    )


def on_location_refused(message: Inbound, member: Member, data: dict) -> Reply:
    """「不发位置了」: a check-in (or visit) is proved by where it happened, so it cannot go
    on without the location; say why, how to send it, and that 取消 leaves."""
    visit = data["target"] == "visit"
    return common.say(texts.VISIT_NEEDS_LOCATION if visit else texts.CHECKIN_NEEDS_LOCATION)


def on_photo_help(message: Inbound, member: Member, data: dict) -> Reply:
    """「我发不了照片」: how to send a photo in the chat, and that the leader can register
    the member instead (services.leader_registration), as trouble_tip says, not told to a
    leader, who would be sent to himself. The step stays: the photo may still come."""
    return common.say(texts.PHOTO_HOW + ("" if member.is_leader else texts.PHOTO_BY_LEADER))


def on_location_again(message: Inbound, member: Member, data: dict) -> Reply:
    """Another location at the photo step (the member moved, or sent it twice): it replaces
    the first, under the same request_id, and the photo is asked for in the flow's words."""
    photo_check.ask_for_photo(message, {**data, "point": common.point_of(message)})
    visit = data["target"] == "visit"
    please = texts.VISIT_PHOTO_PLEASE if visit else texts.CHECKIN_PHOTO_PLEASE
    return common.say(texts.LOCATION_UPDATED + please)


def on_stray_location(message: Inbound, member: Member) -> Reply:
    """A location outside any conversation: offer check-in to an activity close by, unless
    an entry is still open (a visit's location taken for an activity's check-in would
    register another kind of entry, and another activity's would overlap it: open_first);
    the member then hears it is open, and to check out when leaving, not as if nothing were
    under way."""
    still_open = summary.open_checkins(member.id)
    if not still_open:
        offer = _nearby_offer(message, member)
        if offer is not None:
            return offer
    if still_open:
        latest = max(still_open, key=lambda c: c.checkin_at)
        return common.say(texts.LOCATION_NOTED_OPEN.format(title=common.record_label(latest)))
    state.keep_stray_location(message.openid, common.point_of(message), common.now())
    return common.say(texts.LOCATION_NOTED)


def _nearby_offer(message: Inbound, member: Member) -> Reply | None:
    """The check-in of an activity open to the member close to the location, offered."""
    for activity in nearby_activities(message, member)[:1]:
        data = {"target": activity.id, "title": activity.title, "point": common.point_of(message)}
        photo_check.ask_for_photo(message, data)
        return common.say(texts.NEARBY_OFFER.format(title=activity.title))
    return None


def nearby_activities(message: Inbound, member: Member) -> list:
    """The activities open to the member within their radius of the location."""
    return checkin_choices.nearby_activities(
        member, message.lat, message.lng, common.now(), common.rules()
    )
