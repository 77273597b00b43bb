"""Upcoming activities and enrolment: 「活动」 lists them, 「报名 N」 enrols in the Nth."""

from datetime import timedelta

from services import activities, clock
from services.errors import DomainError

from .. import texts
from ..inbound import Inbound, Reply
from . import checkin, common, state

LISTED = "activities"
AHEAD = timedelta(days=30)


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
    conversation = state.current(message.openid, common.now())
    if conversation is None or conversation.state != LISTED:
        return common.say(texts.ENROLL_USAGE)
    return on_number(message, member, conversation.data, args)


def on_number(message: Inbound, member, data: dict, text: str | None = None) -> Reply:
    """A number (or 「报名 N」) while the list is shown."""
    choice = checkin.pick(message.content if text is None else text, data["choices"])
    if choice is None:
        return common.say(texts.ENROLL_USAGE)
    now = common.now()
    try:
        result = activities.enroll(common.actor(member), choice[0], now)
    except DomainError as exc:
        return common.say(texts.SERVICE_ERROR.format(reason=exc.message))
    state.leave(message.openid, now)
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
