"""Checking in and out: a member proves a service with one photo and one location.

Hard errors (who, which activity, hours outside its time, not an image) refuse and store
nothing. Every other doubt is recorded as a flag on the entry for a leader to review, never
dropped. The same request_id (a double tap, a retry on a bad network) gives back the same
entry and stores one photo, even when the retries arrive at the same moment.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import peewee

from models import Member, Photo, ServiceRecord, db
from models.prepared import Prepared, PreparedInsert, Sent, pipelined

from . import checkin_closing, entry_flags, history, register_defaults
from .actors import MEMBER_LEFT, Actor, require_member
from .checkin_flags import ask, assess
from .checkin_rules import (
    TIME_FLAGS,
    CheckinRules,
    Point,
    check_point,
    place_flags,
    time_flags,
    window_flags,
)
from .checkin_targets import (
    TARGET_KINDS,
    Goal,
    ask_standing,
    matches,
    place_of,
    require_not_cancelled,
    resolve,
    restated,
)
from .clock import local_midnight, local_today
from .errors import Conflict, Forbidden, Invalid, NotFound
from .photos import StoredPhoto, store_photo
from .records import attach_photos
from .review import TEXT_LIMITS, clean_text, rejected
from .rows import check_request_id, is_id, lock_name, lock_row

SOURCES = ("mp", "chat", "web")
# The doubts check-out itself may add.
CHECKOUT_FLAGS = (*TIME_FLAGS, "checkout_out_of_range")
# The register fields a member may fill in when checking in, and their longest length.


@dataclass(frozen=True)
class CheckinResult:
    record: ServiceRecord
    created: bool  # False: an earlier check-in with the same request_id, given back


@dataclass(frozen=True)
class _Draft:
    """A check-in that passed every hard rule, waiting to be written."""

    member: Member
    target: int | str
    goal: Goal
    point: Point
    request_id: str
    source: str
    details: dict


def check_in(
    actor: Actor,
    target: int | str,
    point: Point,
    photo_bytes: bytes,
    request_id: str,
    now: datetime,
    rules: CheckinRules,
    photo_root: str | Path,
    source: str = "mp",
    details: dict | None = None,
) -> CheckinResult:
    """Check the acting member in to an activity id, their household 'visit', or an
    'individual' service, with a photo and a position; details may carry content, target
    and outcome already."""
    member = _acting_member(actor)
    details = clean_details(details)
    _check_request(request_id, source)
    check_point(point)
    before = _earlier(member, request_id, target, now)
    if before.same is not None:
        return _repeat(before.same, target)
    goal = resolve(member, target, rules)
    _window(goal, now, rules)  # refused before the photo is stored; flagged in _write
    _refuse_open(before.still_open)
    draft = _Draft(member, target, goal, point, request_id, source, details)
    stored = store_photo(photo_bytes, photo_root, now, rules.max_photo_bytes)
    try:
        return _write(actor, draft, stored, now, rules)
    except peewee.IntegrityError:
        same = _earlier(member, request_id, target, now).same
        if same is None:
            raise
        return _repeat(same, target)


def entry_made_by(member_id: int, request_id: str) -> ServiceRecord | None:
    """The entry a member's request made, if it was made: a transport that lost track of a
    check-in (its answer came after an error, or is still being worked out) finds it here."""
    return ServiceRecord.get_or_none(
        (ServiceRecord.member == member_id) & (ServiceRecord.request_id == request_id)
    )


def check_out(
    actor: Actor,
    record_id: int,
    point: Point | None,
    now: datetime,
    rules: CheckinRules = CheckinRules(),  # noqa: B008 (frozen, so sharing it is safe)
) -> ServiceRecord:
    """Check the acting member out of their entry, compute the duration and write what the
    programme fills in by itself (services.register_defaults) in the same history line;
    checking out twice gives the entry back unchanged, and an entry someone else settled is
    refused (see refusal)."""
    member = _acting_member(actor)
    if point is not None:
        check_point(point)
    record = own_record(member, record_id)
    if _settled(record):
        return _closed_already(record)
    with _locked(ServiceRecord, record.id):
        record = ServiceRecord.get_by_id(record.id)
        if _settled(record):
            return _closed_already(record)
        attach_photos([record])  # read once for both history states and the answer
        before = history.state_of(record)
        _apply_checkout(record, point, now, rules)
        register_defaults.fill(record)  # after the place: its activity or household is loaded
        record.save()
        history.append(record, actor.label, "checkout", now, before)
    return record


# Only the office corrects hours (services.review.correct): the leader can confirm or reject
# the closed entry, not change its time, so the member is sent to whoever can.
AUTO_CLOSED = "这次签到未及时签退，已由系统自动签退；如需更正服务时长，请联系办公室。"


def _settled(record: ServiceRecord) -> bool:
    """Whether a check-out has nothing to write: the entry is closed, or rejected."""
    return record.checkout_at is not None or record.status == "rejected"


def _closed_already(record: ServiceRecord) -> ServiceRecord:
    refused = refusal(record)
    if refused is not None:
        raise refused
    return record


def refusal(record: ServiceRecord) -> Conflict | None:
    """Why the member's check-out of a settled entry is refused, or None for their own
    check-out retried, which gets the entry back (a lost answer must not turn into an error).
    A rejected entry is refused as its fill-in is (services.review.rejected): its hours and
    doubts would be written for a service that does not count; closed by others too, since
    it counts no hours to correct. An entry the system closed (services.checkin_closing) is
    refused, or the member would be told 签退成功 for a time nobody gave, often with no hours
    counted. So is an entry the office closed by setting its hours
    (checkin_closing.by_correction): the office's hours stand, and a tap on 签退 after them
    would overwrite them with the time of the tap. The chat says the same (latest_refusal)."""
    closed = record.checkout_at is not None
    closer = _closer(record) if closed else None
    if closed and closer is None:  # the member's own check-out, retried
        return None
    if record.status == "rejected":
        return rejected(record)
    return CLOSED_BY[closer](record) if closer else None


def _closer(record: ServiceRecord) -> str | None:
    """Who closed a closed entry when the member did not: 'system', 'office', else None."""
    if checkin_closing.FLAG in record.flags:
        return "system"
    return "office" if checkin_closing.closed_by_office(record) else None


# The refusal of a check-out of an entry closed by someone else, by who closed it (_closer).
CLOSED_BY = {
    "system": lambda record: Conflict(AUTO_CLOSED, "auto_checked_out"),
    "office": lambda record: Conflict(
        checkin_closing.OFFICE_CLOSED.format(minutes=record.duration_minutes), "office_checked_out"
    ),
}


def latest_refusal(member_id: int, now: datetime) -> tuple[ServiceRecord, str] | None:
    """For a member with nothing left to check out, why their check-in cannot be: a rejected
    one still open, else the one closed last if the system or the office closed it, with the
    words check_out refuses it with, so a transport that names no entry (the chat's 签退) says
    what the mini-program hears; None when the member checked out themselves. Only entries
    settled since yesterday began (Shanghai) are what such a 签退 meant, however long ago they
    were checked in (a several-day activity the system closed this morning): one closed weeks
    ago would otherwise answer every 签退 for ever, even after a check-in that failed today."""
    since = local_midnight(local_today(now) - timedelta(days=1))
    latest = checkin_closing.latest_settled(member_id, since)
    refused = refusal(latest) if latest is not None else None
    return (latest, refused.message) if refused is not None else None


def clean_details(details: dict | None) -> dict:
    """Content, target and outcome, held to the same limits as every later edit of them
    (services.review), so text accepted at check-in can always be saved again."""
    cleaned = {}
    for name, value in (details or {}).items():
        if name not in TEXT_LIMITS:
            raise Invalid(f"不支持的字段 {name}。", "bad_field")
        if value is not None:
            cleaned[name] = clean_text(name, value, TEXT_LIMITS[name])
    return cleaned


def _acting_member(actor: Actor) -> Member:
    member = require_member(actor)
    if not member.active:
        raise Forbidden(MEMBER_LEFT, "member_inactive")
    return member


def _check_request(request_id, source: str) -> None:
    check_request_id(request_id)
    if source not in SOURCES:
        raise Invalid("签到来源无效。", "bad_source")


def _earlier_query(kind: str | None) -> Prepared:
    """The member's entries that bear on a check-in to a target of this kind (None: a target
    that is none, whose check-in resolve() refuses; only a retry can bear on it)."""
    R = ServiceRecord

    def build(p):
        wanted = R.request_id == p.request_id
        live = R.status != "rejected"  # a rejected entry neither blocks a new one nor repeats
        if kind == "activity":
            wanted |= (R.activity == p.activity) & live
        elif kind is not None:  # visits and own services recur: an open one bears...
            bears = R.checkout_at.is_null()
            if kind == "visit":  # ...and a visit already made that day
                bears |= R.checkin_at >= p.day_start
            wanted |= (R.kind == kind) & R.activity.is_null() & bears & live
        columns = (R.id, R.kind, R.activity, R.household, R.request_id, R.checkout_at)
        return R.select(*columns).where((R.member == p.member) & wanted)

    return Prepared(build)


_EARLIER = {kind: _earlier_query(kind) for kind in ("activity", *TARGET_KINDS, None)}


class _Before(NamedTuple):
    """The member's entries that bear on a new check-in, each None when there is none."""

    same: ServiceRecord | None  # made by this request_id: a retry gets it back
    still_open: ServiceRecord | None  # this target, another request, not checked out
    # Checked out, not rejected: of this activity, or visits made the same day (to any
    # household); never an own service.
    done: tuple[ServiceRecord, ...]


def _earlier(
    member: Member, request_id: str, target, now: datetime, sent: Sent | None = None
) -> _Before:
    """What the member already has, in one query of a few columns (`sent`: that query,
    already sent)."""
    rows = (sent or _ask_earlier(member, request_id, target, now)).rows()
    others = [r for r in rows if r.request_id != request_id]
    return _Before(
        same=next((r for r in rows if r.request_id == request_id), None),
        still_open=next((r for r in others if r.checkout_at is None), None),
        done=tuple(r for r in others if r.checkout_at is not None),
    )


def _ask_earlier(member: Member, request_id: str, target, now: datetime) -> Sent:
    kind = _kind_of(target)
    activity = target if kind == "activity" else None
    day_start = local_midnight(local_today(now))
    return _EARLIER[kind].send(
        member=member.id, request_id=request_id, activity=activity, day_start=day_start
    )


def _kind_of(target) -> str | None:
    """The kind of entry a check-in to this target makes; None for no valid target."""
    if is_id(target):
        return "activity"
    return target if isinstance(target, str) and target in TARGET_KINDS else None


def _repeat(earlier: ServiceRecord, target) -> CheckinResult:
    """The entry an earlier request made; a request_id reused for another target is refused
    rather than answered with an entry for something else."""
    if not matches(earlier, target):
        raise Conflict("该请求编号已用于另一次签到。", "request_id_reused")
    return CheckinResult(ServiceRecord.get_by_id(earlier.id), created=False)


# What a member still checked in to the same target hears, by the kind of that entry.
ALREADY_OPEN = {
    "activity": "您已签到该活动，请先签退。",
    "visit": "您已签到本次走访，请先签退。",
    "individual": "您已签到分散活动，请先签退。",
}


def _refuse_open(still_open: ServiceRecord | None) -> None:
    """One open check-in per member and target (an activity, the household visit, an own
    service): a second would count the same service twice. Check out before checking in
    again."""
    if still_open is not None:
        raise Conflict(ALREADY_OPEN[still_open.kind], "already_checked_in")


def _still_open(goal: Goal, now: datetime, rules: CheckinRules) -> list[str]:
    """The window flags of an activity as it stands in the check-in's transaction, refused if
    it was cancelled or moved out of reach since resolve() read it."""
    if goal.activity is not None:
        require_not_cancelled(goal.activity)
    return _window(goal, now, rules)


def _window(goal: Goal, now: datetime, rules: CheckinRules) -> list[str]:
    """An activity's time window; visits and a member's own services have none."""
    if goal.activity is None:
        return []
    return window_flags(goal.activity.starts_at, goal.activity.ends_at, now, rules)


def _write(actor: Actor, draft: _Draft, stored: StoredPhoto, now, rules) -> CheckinResult:
    """Save the entry, its photo and its first history line in one transaction, one check-in
    per member at a time so the open and duplicate checks above cannot be raced past, and
    measured against the activity as it stands in that transaction: its row is read again
    under a lock an edit of it waits for (checkin_targets.ask_standing), so an edit cannot
    land between the measuring and the entry, and one that landed since resolve() is
    measured against.

    The photo questions reach past the member: the same file handed in by anyone, a near copy
    within the activity. Two members handing in one picture at the same moment would each miss
    the other's uncommitted photo (PostgreSQL, READ COMMITTED), so the photo's digest and the
    activity are held too (_hold_photo_questions), and the second check-in is asked once the
    first has committed.

    The locks and every question the checks ask are sent together: on PostgreSQL one round
    trip instead of ten (the server runs them in order, so the questions are answered once
    the locks are held). The locks are taken in one order, the same in every check-in:
      1. the activity's row, shared (ask_standing), as an edit or an enrolment takes it first
         (the activity, then a notice or an enrolment naming the member);
      2. the member's row;
      3. the activity's name, then 4. the photo's digest (advisory locks, taken by check-ins
         alone).
    A check-in waiting for 3 or 4 holds 1 and 2, and the one it waits for holds everything it
    will wait for already, so no cycle forms."""
    member = draft.member
    with db.atomic():
        with pipelined():
            standing = ask_standing(draft.goal)
            lock_row(Member, member.id)
            _hold_photo_questions(draft.goal, stored)
            earlier = _ask_earlier(member, draft.request_id, draft.target, now)
            asked = ask(member, draft.goal, stored, now)
        before = _earlier(member, draft.request_id, draft.target, now, earlier)
        goal = restated(draft.goal, standing, rules)
        # Every answer is read before any way out: on SQLite an unread one keeps its snapshot.
        flags, distance = assess(member, goal, draft.point, stored, now, rules, asked)
        if before.same is not None:
            return _repeat(before.same, draft.target)
        window = _still_open(goal, now, rules)
        _refuse_open(before.still_open)
        flags = list(dict.fromkeys([*window, *flags, *_repeated(before.done, goal)]))
        record = _create(draft, flags, distance, now)
        # vars, not asdict: the columns are flat values, and asdict deep-copies each one
        photo = _NEW_PHOTO.create(record=record, created_at=now, **vars(stored))
        record.photos = [photo]  # as records.attach_photos does: no query to serialize it
        history.append(record, actor.label, "checkin", now, {})
    return CheckinResult(record, created=True)


def _hold_photo_questions(goal: Goal, stored: StoredPhoto) -> None:
    """Hold what the photo doubts compare across members (see _write, locks 3 and 4): the
    activity, whose photos a near copy is looked for among, and the photo's digest, which an
    exact copy is looked for by anywhere. A member's own photos are held by the member's
    row."""
    if goal.activity is not None:
        lock_name("checkin-activity", str(goal.activity.id))
    lock_name("photo-sha256", stored.sha256)


def _repeated(done: tuple[ServiceRecord, ...], goal: Goal) -> list[str]:
    """A second entry for an activity the member already checked in and out of, or a second
    visit to the same household the same day, would count one service twice: a leader
    decides."""
    if goal.kind == "visit":
        return ["repeat_visit"] if any(r.household_id == goal.household.id for r in done) else []
    return ["repeat_checkin"] if done else []


_NEW_RECORD = PreparedInsert(ServiceRecord)
_NEW_PHOTO = PreparedInsert(Photo)


def _create(draft: _Draft, flags: list[str], distance: float | None, now) -> ServiceRecord:
    goal, point = draft.goal, draft.point
    return _NEW_RECORD.create(
        member=draft.member,
        kind=goal.kind,
        activity=goal.activity,
        household=goal.household,
        checkin_at=now,
        checkin_lat=point.lat,
        checkin_lng=point.lng,
        checkin_coord_type=point.coord,
        checkin_accuracy_m=point.accuracy_m,
        distance_m=distance,
        status="flagged" if flags else "verified",
        flags=flags,
        source=draft.source,
        request_id=draft.request_id,
        created_at=now,
        updated_at=now,
        **draft.details,
    )


def own_record(member: Member, record_id) -> ServiceRecord:
    """The member's own entry; another member's is 'not found', as reading it would say, so
    trying ids reveals nothing about whose entries exist."""
    record = ServiceRecord.get_or_none(ServiceRecord.id == record_id) if is_id(record_id) else None
    if record is None or record.member_id != member.id:
        raise NotFound("签到记录不存在。", "record_not_found")
    return record


def _apply_checkout(record: ServiceRecord, point: Point | None, now, rules) -> None:
    """Fill in the check-out (the point in GCJ-02: the entry has no column for its datum)."""
    record.checkout_at, record.updated_at = now, now
    if point is not None:
        record.checkout_lat, record.checkout_lng = point.gcj02()
    record.duration_minutes = max(0, int((now - record.checkin_at).total_seconds() // 60))
    activity_ends = record.activity.ends_at if record.activity_id is not None else None
    for flag in time_flags(record.checkin_at, now, record.duration_minutes, activity_ends, rules):
        entry_flags.add(record, flag)
    if (
        point is not None
        and "out_of_range" in place_flags(point, place_of(record, rules), rules)[0]
    ):
        # checked out elsewhere: the hours may not be
        entry_flags.add(record, "checkout_out_of_range")


@contextmanager
def _locked(model, row_id: int):
    """A transaction holding one row, so two requests for the same member or entry run one
    after the other and the second sees what the first wrote."""
    with db.atomic():
        lock_row(model, row_id)
        yield
