"""The demo programme: a complete, realistic data set to show and try the service with.

Loading is idempotent object by object (each row is found by its natural key before it is
created), so the serve command can load it at every start: nothing is duplicated, ids stay,
and bind codes already handed out keep working.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from models import (
    Account,
    Activity,
    AuditLog,
    Branch,
    Community,
    Enrollment,
    Feedback,
    Household,
    Member,
    MemberSpell,
    Pairing,
    ServiceRecord,
    Team,
    db,
)
from services import demo_data as data
from services import demo_quarter, history
from services.accounts import create_office_account
from services.binding import issue_bind_code, live_bind_code
from services.checkin_rules import CheckinRules, Point, place_flags
from services.checkin_targets import place_of
from services.clock import local_today, to_local
from services.content_check import is_locally_refused
from services.demo_rows import Tally, keep_photo, local_at
from services.feedback import HELD_BY_FILTER
from services.reports import ReportRules
from settings import RulesSettings

DEMO_MARK = "demo_loaded"  # the AuditLog action that says this database holds the demo
OUT_OF_RANGE_DEGREES = 0.006  # ~650 m north: beyond the default 300 m radius
DEFAULT_RULES = CheckinRules()
DEFAULT_REPORT_RULES = ReportRules(
    RulesSettings.report_deadline_days, RulesSettings.visit_interval_days
)


@dataclass(frozen=True)
class UnboundMember:
    """A demo member who still has to bind WeChat, with the code to do it."""

    number: int
    name: str
    phone: str
    bind_code: str
    expires_at: datetime


@dataclass(frozen=True)
class DemoSummary:
    """What a load found and added, per table, and what an operator needs to try the demo."""

    created: dict[str, int]
    existing: dict[str, int]
    office_username: str
    office_password: str
    unbound: tuple[UnboundMember, ...]

    @property
    def counts(self) -> dict[str, int]:
        """The demo's rows per table, whether this load added them or found them."""
        return dict(Counter(self.created) + Counter(self.existing))

    @property
    def is_new(self) -> bool:
        return any(self.created.values())

    def lines(self) -> list[str]:
        """The summary as Chinese lines for the command line."""
        state = "已载入演示数据" if self.is_new else "演示数据已存在，未重复载入"
        lines = [f"{state}：{self.counts.get('member', 0)} 名党员，{len(data.TEAMS)} 个服务队。"]
        lines.append(f"办公室登录：{self.office_username} / {self.office_password}")
        for m in self.unbound:
            expires = to_local(m.expires_at).strftime("%Y-%m-%d %H:%M")
            lines.append(f"待绑定：{m.name} {m.phone} 绑定码 {m.bind_code}（{expires} 前有效）")
        return lines


def load_demo(
    photo_root: str | Path,
    now: datetime,
    bind_code_ttl_days: int = 14,
    rules: CheckinRules = DEFAULT_RULES,
    report_rules: ReportRules = DEFAULT_REPORT_RULES,
) -> DemoSummary:
    """Load the demo programme, adding only what is missing; its entries measured by the
    check-in `rules`, its last quarter's reports by the `report_rules` (the configured ones
    when the service loads it)."""
    tally = Tally()
    with db.atomic():
        as_of = _first_loaded(now)
        branches = [tally.ensure(Branch, {"name": name}) for name in data.BRANCHES]
        unbound = []
        for t, spec in enumerate(data.COMMUNITIES):
            team, seats = _load_team(t, spec, branches, tally, now, rules.radius_m)
            activities = _load_activities(t, spec, team, seats, tally, now)
            # entries in the order they happened: a check-in weighs the member's earlier ones
            demo_quarter.load_visits(t, seats, photo_root, tally, as_of, rules)
            _load_records(t, seats, activities, photo_root, tally, now, rules)
            _load_feedback(t, team, seats, activities, tally, now)
            # last: the report's figures are frozen from everything above
            demo_quarter.file_report(t, seats, tally, as_of, report_rules)
            unbound += [_bind_code(s, now, bind_code_ttl_days, tally) for s in seats if _unbound(s)]
        _load_office(tally, now)
        tally.ensure(AuditLog, {"action": DEMO_MARK}, at=now, actor="system")
    return DemoSummary(
        created=dict(tally.created),
        existing=dict(tally.existing),
        office_username=data.OFFICE_USERNAME,
        office_password=data.OFFICE_PASSWORD,
        unbound=tuple(unbound),
    )


class _Seat(NamedTuple):
    """A place in a team: member NN and the household paired with them."""

    number: int
    member: Member
    household: Household


def _unbound(seat: _Seat) -> bool:
    """Still without WeChat (a demo member may have redeemed their code since the last load)."""
    return seat.member.mp_openid is None and seat.member.oa_openid is None


def _load_team(t, spec, branches, tally, now, radius_m) -> tuple[Team, list[_Seat]]:
    """The community (with the configured check-in radius, as a roster import gives one
    whose cell is blank), the team and its 12 members, each paired with a household."""
    community = tally.ensure(
        Community,
        {"name": spec.name},
        address=spec.address,
        lat=spec.lat,
        lng=spec.lng,
        coord_type="gcj02",
        radius_m=radius_m,
    )
    team = tally.ensure(Team, {"name": data.TEAMS[t]}, community=community)
    since = local_at(now, -data.ROSTER_DAYS_AGO, 9)  # as if the roster was imported back then
    seats = []
    for k in range(data.TEAM_SIZE):
        number = t * data.TEAM_SIZE + k + 1
        member = _member(number, team, branches[number % len(branches)], k == 0, tally, since)
        household = _household(number, k, spec, community, tally, since)
        _pair(member, household, tally, now)
        seats.append(_Seat(number, member, household))
    return team, seats


def _member(number, team, branch, is_leader, tally, since) -> Member:
    """The member, on the roster since the day the roster was imported."""
    bound = number <= data.BOUND_UP_TO
    member = tally.ensure(
        Member,
        {"phone": data.member_phone(number)},
        name=data.MEMBER_NAMES[number - 1],
        team=team,
        branch=branch,
        role="leader" if is_leader else "member",
        mp_openid=f"mp-demo-{number:02d}" if bound else None,
        oa_openid=f"oa-demo-{number:02d}" if bound else None,
        created_at=since,
    )
    tally.ensure(MemberSpell, {"member": member}, joined_on=to_local(since).date())
    return member


def _household(number, k, spec, community, tally, since) -> Household:
    size, situation = data.SITUATIONS[(number - 1) % len(data.SITUATIONS)]
    dlat, dlng = data.household_offset(k)
    return tally.ensure(
        Household,
        {"community": community, "address": data.household_address(spec, k)},
        head_name=data.HOUSEHOLD_HEADS[number - 1],
        phone=data.household_phone(number),
        size=size,
        situation=situation,
        lat=round(spec.lat + dlat, 6),
        lng=round(spec.lng + dlng, 6),
        coord_type="gcj02",
        created_at=since,
    )


def _pair(member, household, tally, now) -> Pairing:
    started_on = local_today(now) - timedelta(days=data.PAIRING_DAYS_AGO)
    key = {"member": member, "ended_on": None}
    return tally.ensure(Pairing, key, household=household, started_on=started_on)


def _load_activities(t, spec, team, seats, tally, now) -> list[Activity]:
    """The team's activities, past and upcoming, with who enrolled in the upcoming ones, and
    the practice activity open now with the whole team enrolled."""
    activities = []
    for i, a in enumerate(data.ACTIVITIES):
        activity = _activity(a, local_at(now, a.days + t, a.hour), spec, team, seats, tally, now)
        for k in data.UPCOMING_ENROLLMENTS.get(i, ()):
            _enrol(activity, seats[k].member, tally, now)
        activities.append(activity)
    practice = _activity(data.PRACTICE, local_at(now, 0, 0), spec, team, seats, tally, now)
    for seat in seats:
        _enrol(practice, seat.member, tally, now)
    return activities


def _activity(a, starts_at, spec, team, seats, tally, now) -> Activity:
    return tally.ensure(
        Activity,
        {"team": team, "title": a.title},
        community=team.community,
        category=a.category,
        kind="centralised",
        description=a.description,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=a.minutes),
        place=a.place.format(community=spec.name, street=spec.streets[0]),
        lat=round(spec.lat + a.offset[0], 6),
        lng=round(spec.lng + a.offset[1], 6),
        coord_type="gcj02",
        radius_m=team.community.radius_m,  # as services.activity_fields gives a new activity
        capacity=a.capacity,
        created_by=seats[0].member,
        created_at=min(now, starts_at - timedelta(days=7)),
    )


def _enrol(activity, member, tally, now) -> Enrollment:
    created_at = min(now, activity.starts_at - timedelta(days=3))
    return tally.ensure(Enrollment, {"activity": activity, "member": member}, created_at=created_at)


def _load_records(t, seats, activities, photo_root, tally, now, rules) -> None:
    """A few register entries, each with its photo; one per team flagged out of range."""
    visits_ago = data.recent_visit_days()
    for r, spec in enumerate(data.RECORDS):
        seat = seats[spec.member]
        if spec.activity is None:
            fields = _visit_fields(seat.household, visits_ago[spec.member], spec, now)
        else:
            activity = activities[spec.activity]
            _enrol(activity, seat.member, tally, now)
            fields = _attendance_fields(activity, spec)
        flagged = (t, r) in data.FLAGGED
        record = _record(seat.member, f"demo-{r}", fields, flagged, tally, rules)
        keep_photo(record, seed=t * 100 + r, root=photo_root, tally=tally)  # first: it is evidence
        if not record.history.exists():  # the register's evidence chain starts at creation
            history.append(record, f"member:{seat.member.id}", "checkin", record.created_at, {})


def _load_feedback(t, team, seats, activities, tally, now) -> None:
    """Residents' ratings, each found again by its form id; a comment the local filter holds
    waits for the office, as one from the page would."""
    for f, spec in enumerate(data.FEEDBACK):
        target = {"team": team}
        if spec.seat is not None:
            target = {"member": seats[spec.seat].member}
        elif spec.activity is not None:
            target = {"activity": activities[spec.activity]}
        held = bool(spec.comment) and is_locally_refused(spec.comment)
        tally.ensure(
            Feedback,
            {"form_id": f"demo-feedback-{t}-{f}"},
            target_kind=next(iter(target)),
            rating=spec.rating,
            comment=spec.comment,
            moderation="pending" if held else "approved",
            held_reason=HELD_BY_FILTER if held else "",
            created_at=local_at(now, -spec.days_ago, 19),
            **target,
        )


def _attendance_fields(activity, spec) -> dict:
    checkin_at = activity.starts_at - timedelta(minutes=10 - spec.member)
    content, target, outcome = data.RECORD_TEXTS[activity.category]
    return dict(
        kind="activity",
        activity=activity,
        checkin_at=checkin_at,
        checkout_at=activity.ends_at + timedelta(minutes=spec.member),
        checkin_lat=activity.lat + 0.0001 * (spec.member + 1),  # a few metres off, as phones are
        checkin_lng=activity.lng,
        checkin_accuracy_m=15.0 + 5 * spec.member,
        content=content,
        target=target,
        outcome=outcome,
        source=spec.source,
    )


def _visit_fields(household, days_ago, spec, now) -> dict:
    checkin_at = local_at(now, -days_ago, data.VISIT_HOUR)
    content, target, outcome = data.VISIT_TEXTS[spec.member % len(data.VISIT_TEXTS)]
    return dict(
        kind="visit",
        household=household,
        checkin_at=checkin_at,
        checkout_at=checkin_at + timedelta(minutes=data.VISIT_MINUTES),
        checkin_lat=household.lat + data.VISIT_OFFSET[0],
        checkin_lng=household.lng + data.VISIT_OFFSET[1],
        checkin_accuracy_m=20.0,
        content=content,
        target=target,
        outcome=outcome,
        source=spec.source,
    )


def _record(member, request_id, fields, far, tally, rules) -> ServiceRecord:
    """One register entry, found again by its request id on a repeated load. Its distance and
    place flags are measured by the check-in's own rule, so a leader reviewing a demo entry
    far out of range sees how far, as with a real one."""
    lat = round(fields.pop("checkin_lat") + (OUT_OF_RANGE_DEGREES if far else 0), 6)
    lng = round(fields.pop("checkin_lng"), 6)
    point = Point(lat, lng, "gcj02", fields["checkin_accuracy_m"])
    flags, distance = place_flags(point, place_of(ServiceRecord(**fields), rules), rules)
    checkin_at, checkout_at = fields["checkin_at"], fields["checkout_at"]
    return tally.ensure(
        ServiceRecord,
        {"member": member, "request_id": request_id},
        checkin_lat=lat,
        checkin_lng=lng,
        checkin_coord_type="gcj02",
        checkout_lat=lat,
        checkout_lng=lng,
        duration_minutes=int((checkout_at - checkin_at).total_seconds() // 60),
        distance_m=distance,
        status="flagged" if flags else "verified",
        flags=flags,
        created_at=checkin_at,
        updated_at=checkout_at,
        **fields,
    )


def _bind_code(seat, now, ttl_days, tally) -> UnboundMember:
    """The member's live bind code, issuing one only when none is left."""
    code = live_bind_code(seat.member, now)
    if code is not None:
        tally.existing["bind_code"] += 1
    else:
        issue_bind_code(seat.member, now, ttl_days)
        tally.created["bind_code"] += 1
        code = live_bind_code(seat.member, now)
    member = seat.member
    return UnboundMember(seat.number, member.name, member.phone, code.code, code.expires_at)


def _load_office(tally, now) -> None:
    if Account.get_or_none(Account.username == data.OFFICE_USERNAME) is not None:
        tally.existing["account"] += 1
        return
    create_office_account(data.OFFICE_USERNAME, data.OFFICE_DISPLAY_NAME, data.OFFICE_PASSWORD, now)
    tally.created["account"] += 1


def _first_loaded(now: datetime) -> datetime:
    """When the demo was first loaded here (now, for a first load): its last quarter is the
    one before that, whenever it is loaded again."""
    mark = AuditLog.get_or_none(AuditLog.action == DEMO_MARK)
    return mark.at if mark is not None else now


def is_demo_database() -> bool:
    """True when the demo programme was loaded here (never guessed from names)."""
    return AuditLog.select().where(AuditLog.action == DEMO_MARK).exists()
