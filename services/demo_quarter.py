"""The demo's last quarter as it went, so that whoever tries the demo sees a programme in use:
the paired households visited about monthly, a few visits missed, and each team's report
written and submitted by its leader on time (services.demo loads it, team by team).

Every entry and report is made by the service a member's phone or a leader's screen calls,
at the moment it would have been called (its `now`, in that quarter): the register's history,
the photos' checks and the report's frozen figures are the programme's own. Members who have
not bound WeChat could not check in: their leader registered their visits (代为登记), which
wait for the office's review as any such entry does.

The quarter is the one before the demo was first loaded: a later load (a restart in another
quarter) finds these entries again by their request ids and adds none, so the demo never
invents a quarter that the people trying it have lived through.
"""

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import NamedTuple

from models import Member, QuarterlyReport, ServiceRecord
from services import demo_data as data
from services.actors import Actor
from services.checkin import check_in, check_out
from services.checkin_rules import CheckinRules, Point
from services.clock import local_today, to_local, to_utc
from services.demo_rows import Tally, keep_photo
from services.leader_registration import REQUEST_PREFIX, Attendance, register_attendance
from services.records import attach_photos
from services.report_stats import label, quarter_days, reporting_quarter
from services.report_writing import submit_report
from services.reports import ReportRules

SEED_BASE = 1000  # photo seeds apart from the recent entries' (team * 100 + entry)
ACCURACY_M = 20.0
REGISTERED_AFTER = timedelta(hours=1)  # a leader registers a visit this long after it ended
DAY = timedelta(days=1)


class Visit(NamedTuple):
    """A seat's n-th visit of the quarter, and the request id that finds it again."""

    seat: int  # team-local, 0-11
    n: int
    starts_at: datetime  # naive UTC
    ends_at: datetime
    request_id: str


def load_visits(
    t: int,
    seats: list,
    photo_root: str | Path,
    tally: Tally,
    as_of: datetime,
    rules: CheckinRules,
) -> None:
    """Team t's visits in the quarter before `as_of` (when the demo was first loaded); none is
    added to a quarter already reported on."""
    year, quarter = reporting_quarter(local_today(as_of))
    reported = _report(seats[0].member.team_id, year, quarter) is not None
    visits = plan(t, year, quarter, local_today(as_of))
    made = _made_before(seats, visits)
    for visit in visits:
        seat = seats[visit.seat]
        record = made.get((seat.member.id, _request_key(seat, visit)))
        if record is not None:
            _found(record, t, visit, photo_root, tally)
        elif not reported:
            _make(seat, seats[0].member, visit, t, photo_root, tally, rules)


def file_report(
    t: int, seats: list, tally: Tally, as_of: datetime, report_rules: ReportRules
) -> None:
    """Team t's report of the quarter before `as_of`, written and submitted by its leader once
    the quarter's entries are all in (its figures are frozen then); one already there is left
    as it stands."""
    year, quarter = reporting_quarter(local_today(as_of))
    leader = seats[0].member
    if _report(leader.team_id, year, quarter) is not None:
        tally.existing["quarterly_report"] += 1
        return
    at = _submitted_at(t, year, quarter, as_of, report_rules.deadline_days)
    summary = data.REPORT_SUMMARIES[t]
    submit_report(Actor(member=leader), label(year, quarter), at, report_rules, summary)
    tally.created["quarterly_report"] += 1


def plan(t: int, year: int, quarter: int, today: date) -> list[Visit]:
    """Team t's visits in the quarter, by seat: the same for the same quarter and load day."""
    first = quarter_days(year, quarter)[0]
    period = label(year, quarter)
    recent = {k: today - timedelta(days=d) for k, d in data.recent_visit_days().items()}
    seats = enumerate(data.QUARTER_VISITS[t])
    return [
        _planned(t, k, n, first, period, recent.get(k)) for k, count in seats for n in range(count)
    ]


def _planned(t: int, k: int, n: int, first: date, period: str, recent: date | None) -> Visit:
    """A day earlier when the seat's recent demo visit falls on that day (loaded early in a
    quarter): a second visit the same day would be flagged as a repeat."""
    day = first + timedelta(days=data.QUARTER_VISIT_DAYS[n] + k + t)
    day -= DAY if day == recent else timedelta(0)
    hour = data.QUARTER_VISIT_HOURS[(k + n) % len(data.QUARTER_VISIT_HOURS)]
    minutes = data.QUARTER_VISIT_MINUTES[(k + 2 * n) % len(data.QUARTER_VISIT_MINUTES)]
    starts_at = to_utc(datetime.combine(day, time(hour)))
    ends_at = starts_at + timedelta(minutes=minutes)
    return Visit(k, n, starts_at, ends_at, f"demo-{period}-visit-{n}")


def _is_registered(seat) -> bool:
    """A member not bound to WeChat by the demo's roster: their leader registered the visit."""
    return seat.number > data.BOUND_UP_TO


def _request_key(seat, visit: Visit) -> str:
    """The request id as stored: a leader's registration keeps its own prefix."""
    return (REQUEST_PREFIX if _is_registered(seat) else "") + visit.request_id


def _made_before(seats: list, visits: list[Visit]) -> dict[tuple[int, str], ServiceRecord]:
    """The visits a load made before, by member and request id, with their photos: in two
    queries, as the service is started with the demo's database every time."""
    R = ServiceRecord
    members = [seat.member.id for seat in seats]
    keys = {_request_key(seats[v.seat], v) for v in visits}
    found = list(R.select().where(R.member.in_(members) & R.request_id.in_(keys)))
    attach_photos(found)
    return {(r.member_id, r.request_id): r for r in found}


def _found(record: ServiceRecord, t: int, visit: Visit, photo_root, tally: Tally) -> None:
    """A visit made before, its photo's file stored again if it went missing."""
    tally.existing["service_record"] += 1
    if record.source == "leader":
        return
    if record.photos and (Path(photo_root) / record.photos[0].storage_key).is_file():
        tally.existing["photo"] += 1
        return
    keep_photo(record, _seed(t, visit), photo_root, tally)


def _make(seat, leader: Member, visit: Visit, t: int, photo_root, tally: Tally, rules) -> None:
    tally.created["service_record"] += 1
    if _is_registered(seat):
        _registered(seat, leader, visit, rules)
        return
    _checked_in(seat, visit, t, photo_root, rules)
    tally.created["photo"] += 1


def _checked_in(seat, visit: Visit, t: int, photo_root, rules: CheckinRules) -> None:
    """Checked in at the household with a photo taken then, and out when the visit ended."""
    actor = Actor(member=seat.member)
    home = seat.household
    lat, lng = home.lat + data.VISIT_OFFSET[0], home.lng + data.VISIT_OFFSET[1]
    point = Point(round(lat, 6), round(lng, 6), "gcj02", ACCURACY_M)
    photo = data.scene_jpeg(_seed(t, visit), to_local(visit.starts_at))
    source = "chat" if visit.seat in data.QUARTER_CHAT_SEATS else "mp"
    entry = check_in(
        actor, "visit", point, photo, visit.request_id, visit.starts_at, rules, photo_root,
        source, _texts(visit),
    ).record  # fmt: skip
    check_out(actor, entry.id, point, visit.ends_at, rules)


def _registered(seat, leader: Member, visit: Visit, rules: CheckinRules) -> None:
    attendance = Attendance(
        member_id=seat.member.id,
        reason=data.QUARTER_REGISTRATION_REASON,
        kind="visit",
        checkin_at=visit.starts_at,
        checkout_at=visit.ends_at,
        request_id=visit.request_id,
        **_texts(visit),
    )
    register_attendance(Actor(member=leader), attendance, visit.ends_at + REGISTERED_AFTER, rules)


def _texts(visit: Visit) -> dict:
    texts = data.VISIT_TEXTS[(visit.seat + visit.n) % len(data.VISIT_TEXTS)]
    return dict(zip(("content", "target", "outcome"), texts, strict=True))


def _seed(t: int, visit: Visit) -> int:
    return SEED_BASE + 100 * t + 10 * visit.seat + visit.n


def _report(team_id: int, year: int, quarter: int) -> QuarterlyReport | None:
    Q = QuarterlyReport
    return Q.get_or_none((Q.team == team_id) & (Q.year == year) & (Q.quarter == quarter))


def _submitted_at(t: int, year: int, quarter: int, as_of: datetime, deadline_days: int) -> datetime:
    """Some days after the quarter, on its deadline at the latest (the day after the quarter
    if none is given), and never later than the load."""
    days = max(1, min(data.REPORT_DAYS_AFTER[t], deadline_days))
    last = quarter_days(year, quarter)[1]
    planned = to_utc(datetime.combine(last + timedelta(days=days), time(data.REPORT_HOUR)))
    return min(as_of, planned)
