"""An activity's entries measured again when what they were measured against moves.

A check-in measures its entry against its activity: how far from the point, and whether
within the radius (distance_m, out_of_range, coords_identical), and whether within the
activity's time (outside_time_window); a check-out, whether at the place
(checkout_out_of_range) and not long after the end (late_checkout). Once anyone has checked
in, a leader can no longer move the point, radius or start (services.activity_locks); the
office can, to correct them, and so the entries are measured again, in the same transaction
and by the same rules, so that a flag always says what the activity says now:

- only what moved is measured again: the place when the point or radius moved, the times
  when the start or end did. A check-out's accuracy is not kept, so it is measured with none;
- a flag that no longer holds goes, one that now holds comes, and the status follows as for
  any doubt (services.entry_flags): a verified entry with a new doubt goes back to review, a
  flagged one left with none waits for review as pending, a rejected one stays rejected;
- each entry that changes gets a line in its history (action recheck, by whoever changed the
  activity, the reason naming what moved);
- new times that a check-in already made (or a leader's registration) could not have been
  made in at all (further from the activity's time than check-in accepts,
  checkin_rules.window_flags) are refused (409 checkins_outside_times), a rejected entry
  aside: the office checks its times, or first rejects the entries that are wrong.

Leader edits move none of this in practice (the end only to a time still ahead, after every
check-in so far), so their entries come out unchanged.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from models import Activity, ServiceRecord

from . import entry_flags, history
from .checkin_rules import CheckinRules, Place, Point, place_flags, time_flags
from .checkin_targets import activity_place
from .errors import Conflict
from .rows import locking

ACTION = "recheck"
#: What moved -> the columns that move it, the doubts measured against it, and its name.
MEASURES = {
    "place": (
        frozenset({"lat", "lng", "coord_type", "radius_m"}),
        ("out_of_range", "coords_identical", "checkout_out_of_range"),
        "地点",
    ),
    "time": (
        frozenset({"starts_at", "ends_at"}),
        ("outside_time_window", "late_checkout"),
        "时间",
    ),
}


def remeasure(activity: Activity, changed, actor: str, now: datetime, rules: CheckinRules) -> int:
    """Measure the activity's entries again for what `changed` (column names) moved, as it
    now stands; Conflict when new times would leave a check-in out of reach. Returns how many
    entries changed."""
    moved = tuple(name for name, (columns, _, _) in MEASURES.items() if columns & set(changed))
    if not moved:
        return 0
    query = ServiceRecord.select().where(ServiceRecord.activity == activity.id)
    entries = list(locking(query.order_by(ServiceRecord.id)))
    if "time" in moved:
        _require_reachable(activity, entries, rules)
    measure = _Measure(activity, activity_place(activity, rules), moved, rules)
    reason = f"活动的{'和'.join(MEASURES[m][2] for m in moved)}已更正，按更正后的活动重新核对"
    return sum(_save(r, measure.changes(r), actor, now, reason) for r in entries)


@dataclass(frozen=True)
class _Measure:
    """The activity as it now stands, and what of it moved."""

    activity: Activity
    place: Place | None
    moved: tuple[str, ...]
    rules: CheckinRules

    def changes(self, record: ServiceRecord) -> dict:
        """The entry's distance, flags and status measured again for what moved."""
        measured, holding, changes = [], [], {}
        if "place" in self.moved:
            flags, distance = _place(record, self.place, self.rules)
            measured += MEASURES["place"][1]
            holding += flags
            if record.checkin_lat is not None:
                changes["distance_m"] = distance
        if "time" in self.moved:
            measured += MEASURES["time"][1]
            holding += _times(record, self.activity, self.rules)
        return changes | entry_flags.reweighed(record, measured, holding)


def _save(record: ServiceRecord, changes: dict, actor: str, now: datetime, reason: str) -> bool:
    """Save the entry with a history line if anything changed; whether it did."""
    before = history.state_of(record)
    for name, value in changes.items():
        setattr(record, name, value)
    if history.state_of(record) == before:
        return False
    record.updated_at = now
    record.save()
    history.append(record, actor, ACTION, now, before, reason)
    return True


def _place(record: ServiceRecord, place: Place | None, rules: CheckinRules):
    """The place doubts that hold, and the check-in's distance (None when nothing is known)."""
    if place is None or record.checkin_lat is None:
        return [], None
    checkin = Point(
        record.checkin_lat,
        record.checkin_lng,
        record.checkin_coord_type,
        record.checkin_accuracy_m,
    )
    flags, distance = place_flags(checkin, place, rules)
    if record.checkout_lat is not None:
        checkout = Point(record.checkout_lat, record.checkout_lng, "gcj02")
        if "out_of_range" in place_flags(checkout, place, rules)[0]:
            flags.append("checkout_out_of_range")
    return flags, distance


def _times(record: ServiceRecord, activity: Activity, rules: CheckinRules) -> list[str]:
    """The time doubts that hold: a check-in outside the window, a check-out long after the
    end (the service lasting its counted minutes, as an hours correction weighs it)."""
    opens, closes = _window(activity, rules)
    flags = [] if opens <= record.checkin_at <= closes else ["outside_time_window"]
    if record.checkout_at is not None and record.duration_minutes is not None:
        minutes = record.duration_minutes
        ended = record.checkin_at + timedelta(minutes=minutes)
        holding = time_flags(record.checkin_at, ended, minutes, activity.ends_at, rules)
        flags += [f for f in holding if f == "late_checkout"]
    return flags


def _window(activity: Activity, rules: CheckinRules) -> tuple[datetime, datetime]:
    opens = activity.starts_at - timedelta(minutes=rules.open_before_min)
    return opens, activity.ends_at + timedelta(minutes=rules.close_after_min)


def _require_reachable(activity: Activity, entries: list, rules: CheckinRules) -> None:
    """Refuse times a live check-in could not have been made in at all."""
    opens, closes = _window(activity, rules)
    slack = timedelta(hours=rules.hard_limit_hours)
    live = (r for r in entries if r.status != "rejected")
    out = [r for r in live if not opens - slack <= r.checkin_at <= closes + slack]
    if out:
        before = rules.open_before_min + round(slack.total_seconds() / 60)
        after = rules.close_after_min + round(slack.total_seconds() / 60)
        raise Conflict(
            f"按更正后的时间，已有 {len(out)} 条签到记录的签到时间早于活动开始前 {before} 分钟"
            f"或晚于结束后 {after} 分钟，这样的签到本不会被接受，不能这样更正。"
            "请核对时间；如这些记录确有错误，请先将其驳回。",
            "checkins_outside_times",
        )
