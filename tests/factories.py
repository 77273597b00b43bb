"""Factories for the roster and the register: small functions with sensible defaults."""

import itertools
from datetime import date, datetime, timedelta

from models import (
    Account,
    Activity,
    Community,
    Household,
    Member,
    MemberSpell,
    Pairing,
    ServiceRecord,
    Team,
)
from services import clock
from services.actors import Actor
from services.checkin_rules import CheckinRules
from services.outbox_delivery import Policy
from settings import RulesSettings

NOW = datetime(2026, 11, 29, 2, 0, 0)  # 10:00 in Shanghai
#: The quiet hours the settings give by default, which every transport passes on.
QUIET = RulesSettings().quiet_hours
#: The check-in rules the settings give by default (an office correction weighs flags by them).
RULES = CheckinRules()
#: The broadcast tests' delivery: every channel in order, and quiet hours they place times in.
BROADCAST_POLICY = Policy(
    orders={},
    default_order=("mp_subscribe", "oa_template", "oa_custom"),
    quiet_hours="21:00-08:00",
    mp_template="tmpl-mp",
)
_seq = itertools.count(1)


def quiet_hours_around_now(hours_from: int, hours_to: int) -> str:
    """Quiet hours from/to this many hours away from now, Shanghai time, on the hour (for
    tests that run through the app, at the time they run)."""
    local = clock.to_local(clock.now_utc())
    start, end = (local + timedelta(hours=h) for h in (hours_from, hours_to))
    return f"{start:%H}:00-{end:%H}:00"


def make_community(name=None, lat=34.7466, lng=113.6253, **kw) -> Community:
    return Community.create(name=name or f"测试社区{next(_seq)}", lat=lat, lng=lng, **kw)


def make_team(name=None, community=None, members=0, **kw) -> Team:
    """A team with a leader and `members` further members."""
    team = Team.create(
        name=name or f"第{next(_seq)}服务队", community=community or make_community()
    )
    make_member(team=team, role="leader")
    for _ in range(members):
        make_member(team=team)
    return team


def make_member(name=None, phone=None, team=None, role="member", **kw) -> Member:
    """A member on the roster from the Shanghai day of `created_at`, as the roster import adds
    one; with active=False, away since `left_on`, or never on it without a day (as members
    who left before days of leaving were kept)."""
    n = next(_seq)
    left_on = kw.pop("left_on", None)
    member = Member.create(
        name=name or f"党员{n}",
        phone=phone or f"139{n:08d}",
        team=team,
        role=role,
        created_at=kw.pop("created_at", NOW),
        **kw,
    )
    if member.active or left_on:
        joined_on = clock.to_local(member.created_at).date()
        MemberSpell.create(member=member, joined_on=joined_on, left_on=left_on)
    return member


def team_joined_on(team, day: date) -> None:
    """Every member of the team has been on the roster since that day."""
    for member in Member.select().where(Member.team == team):
        stay(member, day)


def stay(member, joined_on: date, left_on: date | None = None) -> None:
    """The member's only spell on the roster is these days (still on it without `left_on`),
    as the roster import would have recorded them; `active` follows."""
    MemberSpell.delete().where(MemberSpell.member == member).execute()
    MemberSpell.create(member=member, joined_on=joined_on, left_on=left_on)
    Member.update(active=left_on is None).where(Member.id == member).execute()


def make_household(community=None, **kw) -> Household:
    n = next(_seq)
    return Household.create(
        community=community or make_community(),
        head_name=kw.pop("head_name", f"居民{n}"),
        phone=kw.pop("phone", f"137{n:08d}"),
        address=kw.pop("address", f"幸福路{n}号"),
        created_at=kw.pop("created_at", NOW),
        **kw,
    )


def pair(member, household=None, started_on=date(2026, 1, 1)) -> Pairing:
    household = household or make_household(community=member.team.community)
    return Pairing.create(member=member, household=household, started_on=started_on)


def make_activity(team, starts_at=NOW, hours=2, **kw) -> Activity:
    community = team.community
    return Activity.create(
        team=team,
        community=community,
        title=kw.pop("title", "环境卫生整治"),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        lat=kw.pop("lat", community.lat),
        lng=kw.pop("lng", community.lng),
        created_at=kw.pop("created_at", NOW),
        **kw,
    )


def make_record(member, activity=None, checkin_at=NOW, **kw) -> ServiceRecord:
    return ServiceRecord.create(
        member=member,
        kind=kw.pop("kind", "activity" if activity else "individual"),
        activity=activity,
        checkin_at=checkin_at,
        source=kw.pop("source", "mp"),
        created_at=checkin_at,
        updated_at=checkin_at,
        **kw,
    )


def office_actor(username="office") -> Actor:
    """The programme office, acting through a login of its own."""
    account = Account.create(
        username=username, display_name="办公室", password_hash="-", created_at=NOW
    )
    return Actor(account=account)
