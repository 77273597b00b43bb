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
# The list's data key naming the verb the bot last asked a number for (「请回复「取消报名
# 序号」」): a bare number then means that verb, not enrolment.
ASKED = "asked"


@dataclass(frozen=True)
class Verb:
    """What 「<keyword> N」 does with the Nth activity, and the hint when no list is shown."""

    keyword: str
    usage: str
    act: Callable  # (member, activity_id, now) -> Reply


# Ranges a text may ask for (「今天的活动有哪些」), by the word that names them: the days from
# today they start and end at, and the list's header. Anything else lists the next AHEAD.
RANGES = {
    "今天": (0, 0, texts.TODAY_HEADER),
    "今日": (0, 0, texts.TODAY_HEADER),
    "明天": (1, 1, texts.TOMORROW_HEADER),
    "明日": (1, 1, texts.TOMORROW_HEADER),
    "本周": (0, None, texts.WEEK_HEADER),
    "这周": (0, None, texts.WEEK_HEADER),
    "这个星期": (0, None, texts.WEEK_HEADER),
    "本星期": (0, None, texts.WEEK_HEADER),
}


EMPTY = {texts.UPCOMING_HEADER: texts.NO_UPCOMING}


def on_activities(message: Inbound, member, args: str = "") -> Reply:
    """「活动」: what is coming up that the member may see, numbered for 「报名 N」; 「今天的
    活动」, 「明天」 or 「本周」 lists that range, and the header says which."""
    now = common.now()
    first, last, header = _range(message.content, clock.local_today(now))
    found = activities.list_activities(common.actor(member), first, last, now)
    found = [a for a in found if activities.phase(a, now) in ("scheduled", "ongoing")]
    if not found:
        return common.say(
            texts.NO_UPCOMING if header == texts.UPCOMING_HEADER else texts.NONE_IN_RANGE
        )
    state.start(message.openid, LISTED, {"choices": [[a.id, a.title] for a in found]}, now)
    return common.say(common.listing(header, [_line(n, a) for n, a in enumerate(found, 1)]))


def _shown(activity, now, first) -> bool:
    """Not over yet, and, for a range from a later day (「明天」), starting in it: tonight's
    activity running past midnight is not tomorrow's."""
    later = first > clock.local_today(now) and activity.starts_at < clock.local_midnight(first)
    return activities.phase(activity, now) in ("scheduled", "ongoing") and not later


def _range(text: str, today):
    """The first and last day a text asks for, with the list's header (RANGES)."""
    word = next((w for w in RANGES if w in (text or "")), None)
    if word is None:
        return today, today + AHEAD, texts.UPCOMING_HEADER
    start, end, header = RANGES[word]
    end = 6 - today.weekday() if end is None else end  # to Sunday
    return today + timedelta(days=start), today + timedelta(days=end), header


def where(activity) -> str:
    """Where an activity is, in words: its place as published, else its community's name;
    '' when neither is known."""
    if activity.place.strip():
        return activity.place.strip()
    return activity.community.name if activity.community_id is not None else ""


def where_line(activity, line: str = texts.WHERE_LINE) -> str:
    """The 「在哪儿」 line said after an activity (as `line` puts it), or '' when unknown."""
    place = where(activity)
    return ("\n" + line.format(place=place)) if place else ""


def _line(n: int, activity) -> str:
    mark = ""
    if activity.is_enrolled:
        mark = texts.ENROLLED_MARK
    elif activity.capacity is not None and activity.enrolled_count >= activity.capacity:
        mark = texts.FULL_MARK
    when = common.local_time(activity.starts_at, "%m-%d %H:%M")
    line = texts.UPCOMING_LINE.format(n=n, date=when, title=activity.title, mark=mark)
    return line + where_line(activity, texts.LISTED_WHERE_LINE)


def on_enroll(message: Inbound, member, args: str) -> Reply:
    """「报名 N」: enrol in the Nth activity of the list last shown. 「我想报名」 with no list
    shown gets the list to choose from."""
    if not args.strip() and not _listed(message):
        return on_activities(message, member)
    return _on_listed(message, member, args, ENROLL)


def on_unenroll(message: Inbound, member, args: str) -> Reply:
    """「取消报名 N」: withdraw from the Nth activity of the list last shown."""
    return _on_listed(message, member, args, UNENROLL)


# Words before a number that still pick it from the list to enrol: 「我报1」, 「报第三个」.
PICKING = ("我要报", "我想报", "我就报", "我报", "报", "我选", "选", "我要", "要")


def on_number(message: Inbound, member, data: dict) -> Reply:
    """A bare number while the list is shown enrols, as 「报名 N」 does, and so does 「我报1」;
    just after the bot asked for 「取消报名 序号」 (ASKED) a bare number withdraws instead, as
    asked: enrolling a member who is leaving would undo what they meant. Any other reply may
    have meant either verb or neither (「今天天气不错」), so it is not understood and the hint
    names both."""
    plain = (message.content or "").strip()
    text = _without_picking(plain)
    if common.position(text) is None:
        ask_number(message.openid, data, None)
        return common.say(texts.LISTED_NOT_UNDERSTOOD)
    verb = VERBS.get(data.get(ASKED), ENROLL) if text == plain else ENROLL
    return _pick(message.openid, member, data, text, verb)


def on_withdraw_words(conversation: state.Conversation) -> Reply:
    """「我不去了」 with the list shown: how to withdraw, and a bare number next withdraws."""
    ask_number(conversation.openid, conversation.data, UNENROLL)
    return common.say(texts.WITHDRAW_LISTED)


def ask_number(openid: str, data: dict, verb: "Verb | None") -> None:
    """Remember which verb the bot has just asked a number for (None: none), in the list's
    conversation; written only when it changes."""
    asked = verb.keyword if verb is not None else None
    if data.get(ASKED) != asked:
        state.start(openid, LISTED, {**data, ASKED: asked}, common.now())


def _without_picking(text: str) -> str:
    plain = (text or "").strip()
    word = next((w for w in PICKING if plain.startswith(w)), "")
    return plain[len(word) :]


def _listed(message: Inbound) -> bool:
    conversation = state.current(message.openid, common.now())
    return conversation is not None and conversation.state == LISTED


def _on_listed(message: Inbound, member, args: str, verb: Verb) -> Reply:
    """Numbers name activities of the list last shown, so without one there is nothing to pick."""
    conversation = state.current(message.openid, common.now())
    if conversation is None or conversation.state != LISTED:
        return common.say(verb.usage)
    return _pick(message.openid, member, conversation.data, args, verb)


def _pick(openid: str, member, data: dict, text: str, verb: Verb) -> Reply:
    """The list stays shown afterwards: its numbers still name what the member sees. When a
    number is asked for again, the verb it is asked for is remembered (ASKED)."""
    choices = data["choices"]
    n, count = common.position(text), len(choices)
    if n is None or not 1 <= n <= count:
        ask_number(openid, data, verb)
        if n is None:
            return common.say(texts.ENROLL_PICK_NUMBER.format(count=count, keyword=verb.keyword))
        return common.say(texts.NO_SUCH_NUMBER.format(n=n, count=count, keyword=verb.keyword))
    ask_number(openid, data, None)
    return verb.act(member, choices[n - 1][0], common.now())


def _enroll(member, activity_id: int, now) -> Reply:
    result = activities.enroll(common.actor(member), activity_id, now)
    activity = result.activity
    if not result.created:
        return common.say(
            texts.ALREADY_ENROLLED.format(title=activity.title) + where_line(activity)
        )
    enrolled = texts.ENROLLED.format(
        title=activity.title,
        date=common.local_time(activity.starts_at, "%m-%d"),
        start=common.local_time(activity.starts_at),
    )
    return common.say(enrolled + where_line(activity) + texts.ENROLLED_THEN)


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
VERBS = {verb.keyword: verb for verb in (ENROLL, UNENROLL)}
