"""Check-out in the chat: pick the open check-in, send the location or 「跳过」, then the
register's questions (wechat.chat.register). The duration and the doubts check-out raises are
services.checkin.check_out's, as from the mini-program."""

from models import Member
from services import checkin, clock, summary
from services.errors import DomainError

from .. import texts
from ..inbound import Inbound, Reply
from . import common, register, state
from .checkin import pick
from .photo_check import reasons

OUT_PICK, OUT_LOCATION = "checkout_pick", "checkout_location"


def on_checkout(message: Inbound, member: Member, args: str = "") -> Reply:
    """「签退」: the open check-in (or a numbered list), then the location or 「跳过」."""
    still_open = summary.open_checkins(member.id)
    if not still_open:  # a check-in someone else settled is said as check-out refuses it
        return common.say(_refused(member))
    choices = [[c.record_id, common.record_label(c)] for c in still_open]
    if len(choices) == 1:
        return ask_checkout_location(message.openid, *choices[0])
    lines = [
        texts.CHECKOUT_LINE.format(n=n, title=c[1], time=common.local_time(o.checkin_at))
        for n, (c, o) in enumerate(zip(choices, still_open, strict=True), 1)
    ]
    state.start(message.openid, OUT_PICK, {"choices": choices}, common.now())
    footer = texts.PICK_NUMBER.format(count=len(choices))
    return common.say(common.listing(texts.PICK_CHECKOUT, lines, footer))


def _refused(member: Member) -> str:
    """Why there is nothing to check out: the recent entry someone else settled, named with
    its day, since the member may have more than one in mind; else nothing is open."""
    refused = checkin.latest_refusal(member.id, common.now())
    if refused is None:
        return texts.NOTHING_TO_CHECK_OUT
    record, reason = refused
    day = clock.to_local(record.checkin_at)
    title = common.record_label(record)
    return texts.CHECKOUT_REFUSED.format(month=day.month, day=day.day, title=title, reason=reason)


def on_checkout_pick(message: Inbound, member: Member, data: dict) -> Reply:
    """A number from the list of open check-ins; with the location sent already
    (on_checkout_pick_location), the check-out is done with it."""
    choice = pick(message.content, data["choices"])
    if choice is None:
        return common.say(texts.PICK_NUMBER.format(count=len(data["choices"])))
    if "point" not in data:
        return ask_checkout_location(message.openid, *choice, listed=data["choices"])
    record_id, title = choice
    picked = {"record_id": record_id, "title": title, register.LISTED: data["choices"]}
    return _check_out(message, member, picked, common.to_point(data["point"]))


def on_checkout_pick_location(message: Inbound, member: Member, data: dict) -> Reply:
    """A location instead of a number: ask which check-in again, keeping the location."""
    located = {**data, "point": common.point_of(message)}
    state.start(message.openid, OUT_PICK, located, common.now())
    return common.say(texts.PICK_FIRST.format(count=len(data["choices"])))


def ask_checkout_location(
    openid: str, record_id: int, title: str, listed: list | None = None
) -> Reply:
    """Ask for the location of the check-out of one entry; `listed`: the list of open
    check-ins it was picked from, kept for the register's questions after it (register.LISTED)."""
    data = {"record_id": record_id, "title": title}
    if listed:
        data[register.LISTED] = listed
    state.start(openid, OUT_LOCATION, data, common.now())
    return common.say(texts.ASK_CHECKOUT_LOCATION.format(title=title))


def on_checkout_location(message: Inbound, member: Member, data: dict) -> Reply:
    """A location message, or 「跳过」 to check out without one."""
    if message.kind == "location":
        return _check_out(message, member, data, common.to_point(common.point_of(message)))
    if any(word in message.content for word in texts.SKIP_WORDS):
        return _check_out(message, member, data, None)
    return common.say(texts.ASK_CHECKOUT_LOCATION.format(title=data["title"]))


def on_no_location(message: Inbound, member: Member, data: dict) -> Reply:
    """「不了」 to the location asked for: no location, so check out without one, as the step
    offers (「或回复「跳过」直接签退」)."""
    return _check_out(message, member, data, None)


def on_location_help(message: Inbound, member: Member, data: dict) -> Reply:
    """「我不知道怎么发位置」, 「定位没开」: how to send it, and that 「跳过」 checks out without
    it; the step stays, as checking out cannot be undone."""
    return common.say(texts.CHECKOUT_LOCATION_HOW)


def _check_out(message: Inbound, member: Member, data: dict, point) -> Reply:
    state.leave(message.openid, common.now())
    try:
        record = checkin.check_out(
            common.actor(member), data["record_id"], point, common.now(), common.rules()
        )
    except DomainError as exc:
        return common.say(texts.SERVICE_ERROR.format(reason=exc.message))
    doubts = [flag for flag in record.flags if flag in checkin.CHECKOUT_FLAGS]
    done = texts.CHECKOUT_FLAGGED if doubts else texts.CHECKOUT_DONE
    done = done.format(
        title=data["title"],
        minutes=record.duration_minutes,
        reasons=reasons(doubts, record.kind),
        who=common.reviewer(record),
    )
    listed = data.get(register.LISTED)
    return register.ask_missing(message.openid, member, record.id, done, listed=listed)


def still_listed(member: Member, data: dict) -> list:
    """The entries of the list the register's questions came from (register.LISTED) that are
    still open: a number from it may check one of them out."""
    still_open = {c.record_id for c in summary.open_checkins(member.id)}
    return [choice for choice in data.get(register.LISTED, ()) if choice[0] in still_open]


def on_listed_number(message: Inbound, member: Member, data: dict) -> Reply:
    """A lone number right after 「签退」 was refused at a register question: the entry of the
    list the check-out was picked from (as the member saw it numbered) still open is checked
    out next, leaving the questions, whose answers were written as they came, for 「补登」;
    one checked out already is said so, and the question stays. A number naming none of it
    is no answer either: the question again."""
    question = register.pending_question(data)
    choice = pick(message.content, data[register.LISTED])
    if choice is None:
        said = texts.NUMBER_IN_ANSWER.format(word=message.content.strip(), question=question)
        return common.say(said)
    if choice not in still_listed(member, data):
        return common.say(texts.LISTED_CHECKED_OUT.format(title=choice[1], question=question))
    asked = ask_checkout_location(message.openid, *choice, listed=data[register.LISTED])
    return common.say(texts.REGISTER_LEFT_FOR_CHECKOUT + "\n" + asked.text)
