"""Telling members that an activity they are in has moved: its time, its place or its point.

What is news: the start or the end, the place's text, and the point once it moves further than
MOVED_M (a pin nudged a few metres is the same place). A new title, description, category, size
or check-in radius is not: the member still goes to the same place at the same time, and the
activity's page shows the rest.

Who is told, in the transaction of the change: the active members enrolled in or assigned to
the activity (services.member_notices.enrolled), each of what is news to them. The one who
changed it knows their own change, so is told only what someone else changed before that they
have not been told yet (the office moved the place, then the leader the time: the leader hears
of the place). An activity that has ended (an office correction) or was cancelled tells nobody.
A notice waits out the quiet hours unless it would then arrive too late for the earlier of the
start the member knew and the new one (member_notices.is_urgent_before: a clean-up at 07:30
put off at 22:00 to 10:00 is told at once, before the members set out), expires at the
activity's end, and opens the activity's page.

Several quick edits do not make several messages; a member has at most one change notice
waiting per activity:
- a change withdraws the member's earlier one that has not gone out (skipped, 「活动已再次变更，
  未发送」) and tells what differs from what the member was last told (the earlier notice's
  "known"): 10:00 → 10:30 → 11:00 is one notice, 原时间 10:00, and 10:00 → 10:30 → 10:00 none;
- a member whose assignment has not gone out gets no change notice: the assignment is rewritten
  with the activity as it now stands (services.outbox.revise);
- a sender may hold the earlier notice at that moment: before it sends, it honours the
  withdrawal (services.outbox) and checks that the activity still stands as the notice says
  (void_reason, services/notice_checks.py), so the member gets the newer one only (one already
  on its way to WeChat arrives first, and the newer one then says what differs from before
  both); a held assignment is rewritten by its sender likewise, and its member is told of the
  change as well, since it may have gone out as it was: its notice is marked so, and the sender
  skips that notice once it finds the assignment went out with the time and place it tells
  (void_reason). An unmarked one is always told: an assignment that went out before the
  change shows the same place only when it moved there and back. What such a member was last
  told is then what their assignment went out with, not what the activity was: a later change
  tells against it (moved while the assignment was held, which went out showing the new place,
  and moved back before the notice went: the way back is told); and a change that finds the
  assignment held again, with nothing new to what the member knew before, tells against what
  the assignment may show (as claimed, or as a change before revised it), marked likewise.
The reminders not sent yet (services.activity_reminders) are withdrawn when the time moves
(the job reminds of the new time when it is due, or again of a time it moves back to) and
rewritten when the place moves.
Cancelling withdraws the change notices and the reminders not sent yet (「活动已取消，未发送」):
the cancellation tells its members. A member who leaves the activity (services.activities.
unenroll) or the programme (services.roster_seats) has theirs withdrawn (services.
member_notices.withdraw_about). A sender holding one of these withdraws it before it sends;
the sender's check also skips a change notice or a reminder once its member is no longer
enrolled in or assigned to the activity.
"""

import operator
from datetime import datetime
from functools import reduce

from models import Activity, Enrollment, Member, Notification

from . import activity_reminders, geo, member_notices, outbox
from .activity_reminders import span_text, when_text
from .notification_texts import kind_name

CHANGED = member_notices.CHANGED
REMINDER = activity_reminders.KIND
LEFT = "left_activity"  # notification_texts.REASONS: 「队员已退出该活动，未发送」
TOLD = "told_in_assignment"  # notification_texts.REASONS: 「任务通知已含此变更，未发送」
ASSIGNMENT_HELD = member_notices.ASSIGNMENT_HELD  # a sender held the assignment at the change
MOVED_M = 100
#: What a notice says moved, with the line the template's summary field then shows.
LEADS = {"place": "地点", "time": "时间", "point": "位置"}
POINT_MOVED = "活动位置已在地图上调整"


def tell_changed(
    activity: Activity,
    before: dict,
    changer: Member | None,
    change_id: int,
    now: datetime,
    quiet_hours: str,
) -> int:
    """Queue 「活动有变更」 for a change of the activity (`before`: its columns as they were,
    `change_id`: the change's audit line) to each member it is news to; returns how many."""
    told, was = state(activity), state(before)
    if activity.status == "cancelled" or activity.ends_at <= now or not moved(was, told):
        return 0
    revised, held = _revise_assignments(activity, before["starts_at"], now, quiet_hours)
    _refresh_reminders(activity, moved(was, told), now)
    known = _withdraw_earlier(activity, now)
    if changer is not None:
        known[changer.id] = _known_by_changer(known.get(changer.id) or was, was, told)
    changer_id = None if changer is None else changer.id
    news = {
        m: _member_news(activity, known.get(m) or was, told, held.get(m), m == changer_id)
        for m in member_notices.enrolled(activity, None)
        if m not in revised
    }
    key = f"{member_notices.key_prefix(CHANGED, activity.id)}{{}}:{change_id}"
    messages = [
        outbox.Message(m, CHANGED, n, key.format(m), urgent=_urgent(n, now, quiet_hours))
        for m, n in news.items()
        if n is not None
    ]
    return outbox.enqueue(messages, now, quiet_hours)


def _withdraw_earlier(activity: Activity, now: datetime) -> dict[int, dict]:
    """Withdraw the activity's change notices not sent yet; what each of their members was
    last told, by member (_known_before; the latest notice wins)."""
    earlier = _waiting(activity)
    outbox.withdraw([row.dedupe_key for row in earlier], now, "activity_changed_again")
    return {row.member_id: _known_before(activity, row) for row in earlier}


def _known_before(activity: Activity, notice: Notification) -> dict | None:
    """What the member of a change notice not sent yet was last told: what it says they knew
    ("known"), but the place and time their assignment went out with after it was queued (a
    sender held the assignment then: ASSIGNMENT_HELD), as it may have shown the change."""
    known = notice.payload.get("known")
    if known is None or not notice.payload.get(ASSIGNMENT_HELD):
        return known
    sent = _sent_assignment(activity, notice.member_id)
    return known if sent is None else known | shown(sent.payload)


def _known_by_changer(known: dict, was: dict, told: dict) -> dict:
    """What the one who made the change knows: what they were last told (`known`), and what
    they changed themselves. So they are not told their own change, but are told an earlier
    one by someone else whose notice to them had not gone out (withdrawn by this change)."""
    return known | {name: value for name, value in told.items() if value != was[name]}


def _urgent(news: dict, now: datetime, quiet_hours: str) -> bool:
    """Whether a change notice cannot wait out the quiet hours: judged by the earlier of the
    start the member knew and the new one (an activity at 07:30 moved at 22:00 to 10:00 must
    be told before the member sets out for 07:30)."""
    starts = (datetime.fromisoformat(text) for text in (news["time"], news["known"]["starts_at"]))
    return member_notices.is_urgent_before(min(starts), now, quiet_hours)


def withdraw_cancelled(activity: Activity, now: datetime) -> outbox.Rewrite:
    """Withdraw the activity's change notices and reminders not sent yet: it was cancelled,
    which its members are told instead. One a sender holds is withdrawn by the sender before
    it sends, unless it is on its way to WeChat already."""
    waiting = _waiting(activity, CHANGED, REMINDER)
    return outbox.withdraw([row.dedupe_key for row in waiting], now, "activity_cancelled")


def void_reason(notice: Notification) -> str | None:
    """Why a change notice may no longer go (a notification_texts.REASONS code), or None: the
    activity was cancelled, its member is no longer enrolled in or assigned to it (they left
    it, or the programme), it no longer stands as the notice says (changed again, a newer
    notice tells), or the member's assignment told it already (TOLD)."""
    activity = Activity.get_or_none(Activity.id == notice.payload.get("activity_id"))
    if activity is None or activity.status == "cancelled":
        return "activity_cancelled"
    mine = (Enrollment.activity == activity.id) & (Enrollment.member == notice.member_id)
    if not Enrollment.select().where(mine).exists():
        return LEFT
    if state(activity) != notice.payload.get("told"):
        return "activity_changed_again"
    return TOLD if _told_by_assignment(activity, notice) else None


def _told_by_assignment(activity: Activity, notice: Notification) -> bool:
    """Whether the member's assignment went out showing the time and the place this notice
    tells: a sender held it when the change came (ASSIGNMENT_HELD) and took the revision
    (services.outbox), so the member never knew them as they were. An assignment sent before
    the change tells nothing of it, even when it shows the same (moved there and back: the
    member was told of the way there). A point moved is not shown by an assignment."""
    if not notice.payload.get(ASSIGNMENT_HELD):
        return False
    if "point" in moved(notice.payload["known"], notice.payload["told"]):
        return False
    sent, told = _sent_assignment(activity, notice.member_id), notice.payload["told"]
    return sent is not None and not moved(told | shown(sent.payload), told)


def _sent_assignment(activity: Activity, member_id: int) -> Notification | None:
    """The member's assignment to the activity, if it went out."""
    key = member_notices.notice_key(member_notices.ASSIGNED, activity, member_id)
    found = Notification.get_or_none(Notification.dedupe_key == key)
    return found if found is not None and found.status == "sent" else None


def state(source) -> dict:
    """What a change notice is about, as JSON keeps it: the times (ISO, naive UTC), the place,
    the point; of an Activity or of its columns in a dict."""
    get = source.get if isinstance(source, dict) else lambda name: getattr(source, name)
    times = {name: get(name).isoformat() for name in ("starts_at", "ends_at")}
    return times | {name: get(name) for name in ("place", "lat", "lng")}


def moved(was: dict, now: dict) -> list[str]:
    """What a member told `was` would find different in `now`: LEADS keys, in order."""
    parts = []
    if now["place"] != was["place"]:
        parts.append("place")
    if (now["starts_at"], now["ends_at"]) != (was["starts_at"], was["ends_at"]):
        parts.append("time")
    if "place" not in parts and _far(was, now):
        parts.append("point")
    return parts


def _far(was: dict, now: dict) -> bool:
    points = [(s["lat"], s["lng"]) for s in (was, now)]
    if None in points[0] or None in points[1]:
        return points[0] != points[1]
    return geo.distance_m(*points[0], *points[1]) > MOVED_M


def _member_news(
    activity: Activity, known: dict, told: dict, assignment: Notification | None, changer: bool
) -> dict | None:
    """_news for a member who knew `known`. `assignment`: theirs, as it was when a sender held
    it at the change, so it may have gone out telling the change already (the notice is
    marked for void_reason), or telling the activity as it was before: told against that when
    `known` is the same as now (_maybe_shown), unless they made the change themselves."""
    since = known if assignment is None or changer else _maybe_shown(known, told, assignment)
    news = _news(activity, since, told)
    return news if news is None or assignment is None else news | {ASSIGNMENT_HELD: True}


def _news(activity: Activity, was: dict, told: dict) -> dict | None:
    """The payload telling a member who knew `was` of the activity as it now stands (`told`),
    then what it was for the parts that moved; None when nothing did. The summary field leads
    with the first of them: the place, else the time, else the point."""
    parts = moved(was, told)
    if not parts:
        return None
    lines = {"活动": activity.title, "时间": when_text(activity), "地点": activity.place}
    if "time" in parts:
        starts, ends = (datetime.fromisoformat(was[k]) for k in ("starts_at", "ends_at"))
        lines["原时间"] = span_text(starts, ends)
    if "place" in parts:
        lines["原地点"] = was["place"] or "未填写"
    if "point" in parts:
        lines["位置"] = POINT_MOVED
    payload = member_notices.about(activity, kind_name(CHANGED), lines)
    return payload | {"lead": LEADS[parts[0]], "known": was, "told": told}


def _maybe_shown(was: dict, told: dict, assignment: Notification) -> dict:
    """What a member who knew `was` may know once their held assignment goes out: `was` if
    that already differs from now; else, moved there and back, the first place and time the
    assignment may show that differ from now (as claimed, or as revised before this change),
    for void_reason to judge once it went."""
    if moved(was, told):
        return was
    revision = (assignment.held_change or {}).get(outbox.REVISE)
    shows = [was | shown(p) for p in (assignment.payload, revision) if p]
    return next((maybe for maybe in shows if moved(maybe, told)), was)


def shown(assignment: dict) -> dict:
    """The times and the place an assignment's payload shows (member_notices.
    assignment_payload), as state() keeps them; it shows no point."""
    place = assignment.get("lines", {}).get("地点", "")
    return {"starts_at": assignment["time"], "ends_at": assignment["expires"], "place": place}


def _revise_assignments(
    activity: Activity, starts_before: datetime, now: datetime, quiet_hours: str
) -> tuple[set[int], dict[int, Notification]]:
    """Rewrite the assignments to the activity not sent yet; the members whose it surely was,
    and the rows a sender held (as they were), by member. They go at once if the earlier of
    the old and the new start cannot wait for the quiet hours (the member may have seen the
    activity in their list). One a sender holds is rewritten by the sender before it sends,
    but may be on its way to WeChat already: its member is told of the change as well."""
    assigned = member_notices.enrolled(activity, None)
    keys = [member_notices.notice_key(member_notices.ASSIGNED, activity, m) for m in assigned]
    earliest = min(activity.starts_at, starts_before)
    urgent = member_notices.is_urgent_before(earliest, now, quiet_hours)
    payload = member_notices.assignment_payload(activity)
    rewrite = outbox.revise(keys, now, payload, urgent)
    return {row.member_id for row in rewrite.rows}, {row.member_id: row for row in rewrite.held}


def _refresh_reminders(activity: Activity, parts: list[str], now: datetime) -> None:
    """Make the activity's reminders not sent yet tell it as it now stands. A new time
    withdraws them: their keys name the old start, and the reminder job queues the new
    time's when they are due. A new place is written into them (the same reminders, still
    due). A sender holding one does either before it sends (services.outbox)."""
    waiting = _waiting(activity, REMINDER) if {"time", "place"} & set(parts) else []
    if "time" in parts:
        outbox.withdraw([row.dedupe_key for row in waiting], now, activity_reminders.MOVED_AWAY)
        return
    for title in {row.payload["title"] for row in waiting}:
        keys = [row.dedupe_key for row in waiting if row.payload["title"] == title]
        outbox.revise(keys, now, activity_reminders.payload(title, activity), urgent=False)


def _waiting(activity: Activity, *kinds: str) -> list[Notification]:
    """The activity's notices of these kinds (default: change notices) not sent yet, oldest
    first (a sender may hold some), found by their keys' prefix: the other activities' rows
    are never loaded."""
    kinds = kinds or (CHANGED,)
    prefixes = [member_notices.key_prefix(kind, activity.id) for kind in kinds]
    mine = reduce(operator.or_, (Notification.dedupe_key.startswith(p) for p in prefixes))
    pending = Notification.kind.in_(kinds) & (Notification.status == "pending")
    return list(Notification.select().where(pending & mine).order_by(Notification.id))
