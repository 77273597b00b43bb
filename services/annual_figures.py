"""Each member's year for the annual assessment (年度考核), counted by the quarterly report's
rules (services.report_stats) over a Shanghai calendar year, so the year's figures are the
four quarters' added up and no screen disagrees with another:

- hours and services are the entries that count toward hours; visits are the visit check-ins
  not rejected; rejected counts the year's entries in that state now;
- services by kind split the activities into 集中活动 and 临时任务 (an activity of kind
  `adhoc`, given by the leading group), beside 结对走访 and 分散活动 (an activity published as
  分散活动 among these: services.service_kinds);
- months with a visit are the Shanghai months in which the member made at least one visit;
- ratings are residents' ratings of the member (their household's card) given in the year
  that the office's moderation let stand, with their average to one decimal as the member
  sees it (services.feedback_review);
- the members are those on the roster at some time in the year, or serving in it, in the
  team they are in now; `roster_days` says how many of the year's days they were on it (the
  days of their spells in it: services.spells), so a member who joined, left or was away
  part of the year is shown as such and judged for the part of the year they were there.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import peewee as pw
from peewee import fn

from models import Activity, Feedback, Member, ServiceRecord, Team

from . import clock
from .report_stats import MINUTES, member_sums
from .service_kinds import KINDS
from .spells import spells_of
from .summary import counts_as_visit, counts_toward_hours, hours

R = ServiceRecord
KIND_ORDER = ("centralised", "visit", "individual", "adhoc")
KIND_NAMES = {
    "centralised": "集中活动",
    "visit": "结对走访",
    "individual": "分散活动",
    "adhoc": "临时任务",
}


@dataclass(frozen=True)
class MemberYear:
    member_id: int
    name: str
    team_id: int
    active: bool
    joined_on: date | None  # the day added, when inside the year
    left_on: date | None  # the day last left, when inside the year or before it
    roster_days: int  # days of the year on the roster
    year_days: int
    minutes: int
    services: dict  # kind (KIND_ORDER) → entries counted
    visits: int
    visit_months: int
    rejected: int
    ratings_count: int
    ratings_average: float | None
    # absences ended in the year: (the day they left, None when before the year; the day back)
    away: tuple[tuple[date | None, date], ...] = ()

    @property
    def hours(self) -> float:
        return hours(self.minutes)

    @property
    def share(self) -> float:
        """The part of the year the member was on the roster (1.0: all of it)."""
        return self.roster_days / self.year_days

    @property
    def roster_name(self) -> str:
        """全年在册, or when the member joined, left and came back, in words."""
        days = [(self.joined_on, "加入")]
        days += [step for gone, back in self.away for step in ((gone, "离开"), (back, "重新加入"))]
        days.append((self.left_on, "离开"))
        parts = [f"{day.month}月{day.day}日{word}" for day, word in days if day]
        return "，".join(parts) if parts else "全年在册"


def year_days(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def members_of_year(year: int, now: datetime, team_ids: pw.Select | None) -> dict[int, list]:
    """team id → the members' years (MemberYear), in roster order."""
    first, last = year_days(year)
    rows = member_sums(first, last, now, team_ids)
    ids = _members(team_ids)
    span = (clock.local_midnight(first), clock.local_midnight(last + timedelta(days=1)))
    extra = _Extra(
        adhoc=_adhoc(span, ids),
        months=_visit_months(span, ids),
        ratings=_ratings(span, ids),
        spells=spells_of(ids),
    )
    return {
        team: [_member_year(row, team, first, last, extra) for row in rows_of]
        for team, rows_of in rows.items()
    }


@dataclass(frozen=True)
class _Extra:
    adhoc: dict
    months: dict
    ratings: dict
    spells: dict


def _member_year(row: tuple, team: int, first: date, last: date, extra: _Extra) -> MemberYear:
    member_id, name, active, _, sums = row
    adhoc_services, adhoc_minutes = extra.adhoc.get(member_id, (0, 0))
    count, average = extra.ratings.get(member_id, (0, None))
    return MemberYear(
        member_id=member_id,
        name=name,
        team_id=team,
        active=active,
        **_stay(extra.spells[member_id], first, last),
        year_days=(last - first).days + 1,
        minutes=sum(sums[f"{k}_minutes"] for k in KINDS),
        services={
            "centralised": sums["activity_services"] - adhoc_services,
            "visit": sums["visit_services"],
            "individual": sums["individual_services"],
            "adhoc": adhoc_services,
        },
        visits=sums["visits"],
        visit_months=len(extra.months.get(member_id, ())),
        rejected=sums["rejected"],
        ratings_count=count,
        ratings_average=average,
    )


def _stay(spells: list[tuple], first: date, last: date) -> dict:
    """The member's time on the roster in the year, from their spells (oldest first): the days
    (at least 1: one who served after leaving), the day they were added and the day they last
    left when these fall in it, and the absences that ended in it."""
    days = sum(max(0, (min(e or last, last) - max(j, first)).days + 1) for j, e in spells)
    begun = [(j, e) for j, e in spells if j <= last]
    away = [
        (gone if gone >= first else None, back)
        for (_, gone), (back, _) in zip(spells, spells[1:], strict=False)
        if first < back <= last
    ]
    left_on = begun[-1][1] if begun else None
    return {
        "joined_on": spells[0][0] if spells and first < spells[0][0] <= last else None,
        "left_on": left_on if left_on and left_on < last else None,
        "roster_days": max(1, days),
        "away": tuple(away),
    }


def _members(team_ids: pw.Select | None) -> pw.Select:
    """The ids of the teams' members (of every team's), as a subquery: a list of ids would
    outgrow what a statement may carry on a large roster."""
    chosen = Member.team.in_(team_ids) if team_ids is not None else Member.team.is_null(False)
    return Member.select(Member.id).where(chosen)


def _in_year(span: tuple, ids: pw.Select) -> pw.Expression:
    return (R.checkin_at >= span[0]) & (R.checkin_at < span[1]) & R.member.in_(ids)


def _adhoc(span: tuple, ids: pw.Select) -> dict[int, tuple[int, int]]:
    """member id → (entries, minutes) counted for the leading group's ad-hoc tasks."""
    query = (
        R.select(R.member, fn.COUNT(R.id), fn.SUM(MINUTES))
        .join(Activity, on=(R.activity == Activity.id))
        .where(_in_year(span, ids) & counts_toward_hours() & (Activity.kind == "adhoc"))
        .group_by(R.member)
        .tuples()
    )
    return {m: (int(c), int(s or 0)) for m, c, s in query}


def _visit_months(span: tuple, ids: pw.Select) -> dict[int, set[int]]:
    """member id → the Shanghai months with a visit (times converted here: the database's
    own date functions differ between SQLite and PostgreSQL)."""
    months: dict[int, set[int]] = defaultdict(set)
    query = R.select(R.member, R.checkin_at).where(_in_year(span, ids) & counts_as_visit())
    for member_id, at in query.tuples():
        months[member_id].add(clock.to_local(at).month)
    return months


def _ratings(span: tuple, ids: pw.Select) -> dict[int, tuple[int, float]]:
    """member id → (approved ratings of the member given in the year, their average)."""
    f = Feedback
    query = (
        f.select(f.member, fn.COUNT(f.id), fn.SUM(f.rating))
        .where(
            (f.target_kind == "member")
            & f.member.in_(ids)
            & (f.moderation == "approved")
            & (f.created_at >= span[0])
            & (f.created_at < span[1])
        )
        .group_by(f.member)
        .tuples()
    )
    return {m: (int(c), round(int(s) / int(c), 1)) for m, c, s in query}


def team_names(team_ids: pw.Select | None) -> dict[int, str]:
    query = Team.select(Team.id, Team.name).order_by(Team.id)
    if team_ids is not None:
        query = query.where(Team.id.in_(team_ids))
    return dict(query.tuples())
