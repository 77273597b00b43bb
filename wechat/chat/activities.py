"""Upcoming activities and enrolment: 「活动」 lists them, 「报名 N」 enrols in the Nth and
「取消报名 N」 withdraws from it; the rules (open, full, checked in...) are the service's."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from services import activities, clock

from .. import texts
from ..inbound import Inbound, Reply
from . import common, state

LISTED = "activities"
AHEAD = timedelta(days=30)


@dataclass(frozen=True)
class Verb:
    """What 「<keyword> N」 does with the Nth activity, and the hint when no list is shown."""

    keyword: str
    usage: str
    act: Callable  # (member, activity_id, now) -> Reply


def on_activities(message: Inbound, member, args: str = "") -> Reply:
    """「活动」: what is coming up that the member may see, numbered for 「报名 N」."""
    now = common.now()
    today = clock.local_today(now)
    found = activities.list_activities(common.actor(member), today, today + AHEAD, now)
    found = [a for a in found if activities.phase(a, now) in ("scheduled", "ongoing")]
    if not found:
        return common.say(texts.NO_UPCOMING)
    state.start(message.openid, LISTED, {"choices": [[a.id, a.title] for a in found]}, now)
    return common.say(
        common.listing(texts.UPCOMING_HEADER, [_line(n, a) for n, a in enumerate(found, 1)])
    )


def _line(n: int, activity) -> str:
    mark = ""
    if activity.is_enrolled:
        mark = texts.ENROLLED_MARK
    elif activity.capacity is not None and activity.enrolled_count >= activity.capacity:
        mark = texts.FULL_MARK
    when = common.local_time(activity.starts_at, "%m-%d %H:%M")
    return texts.UPCOMING_LINE.format(n=n, date=when, title=activity.title, mark=mark)


def on_enroll(message: Inbound, member, args: str) -> Reply:
    """「报名 N」: enrol in the Nth activity of the list last shown."""
    return _on_listed(message, member, args, ENROLL)


def on_unenroll(message: Inbound, member, args: str) -> Reply:
    """「取消报名 N」: withdraw from the Nth activity of the list last shown."""
    return _on_listed(message, member, args, UNENROLL)


def on_number(message: Inbound, member, data: dict) -> Reply:
    """A bare number while the list is shown enrols, as 「报名 N」 does; any other reply may
    have meant either verb (「我要取消报名1」) or neither (「今天天气不错」), so it is not
    understood and the hint names both."""
    if common.position(message.content) is None:
        return common.say(texts.LISTED_NOT_UNDERSTOOD)
    return _pick(member, data["choices"], message.content, ENROLL)


def _on_listed(message: Inbound, member, args: str, verb: Verb) -> Reply:
    """Numbers name activities of the list last shown, so without one there is nothing to pick."""
    conversation = state.current(message.openid, common.now())
    if conversation is None or conversation.state != LISTED:
        return common.say(verb.usage)
    return _pick(member, conversation.data["choices"], args, verb)


def _pick(member, choices: list, text: str, verb: Verb) -> Reply:
    """The list stays shown afterwards: its numbers still name what the member sees."""
    n, count = common.position(text), len(choices)
    if n is None:
        return common.say(texts.ENROLL_PICK_NUMBER.format(count=count, keyword=verb.keyword))
    if not 1 <= n <= count:
        return common.say(texts.NO_SUCH_NUMBER.format(n=n, count=count, keyword=verb.keyword))
    return verb.act(member, choices[n - 1][0], common.now())


def _enroll(member, activity_id: int, now) -> Reply:
    result = activities.enroll(common.actor(member), activity_id, now)
    activity = result.activity
    if not result.created:
        return common.say(texts.ALREADY_ENROLLED.format(title=activity.title))
    return common.say(
        texts.ENROLLED.format(
            title=activity.title,
            date=common.local_time(activity.starts_at, "%m-%d"),
            start=common.local_time(activity.starts_at),
        )
    )


def _unenroll(member, activity_id: int, now) -> Reply:
    """Withdrawing nothing is no error to the service (the API's DELETE is idempotent), but
    a member who asks should hear that they were not enrolled."""
    actor = common.actor(member)
    activity = activities.get_activity(actor, activity_id)
    if not activity.is_enrolled:
        return common.say(texts.NOT_ENROLLED.format(title=activity.title))
    activities.unenroll(actor, activity_id, now)
    return common.say(texts.UNENROLLED.format(title=activity.title))


ENROLL = Verb("报名", texts.ENROLL_USAGE, _enroll)
UNENROLL = Verb("取消报名", texts.UNENROLL_USAGE, _unenroll)
