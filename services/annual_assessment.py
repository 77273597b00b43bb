"""The office's annual assessment (年度考核) and commendation list (表彰名单), per member and
calendar year (Shanghai's).

- The list gives every member of the year (services.annual_figures) with their figures, the
  suggested grade and its reason (services.annual_grades), and the office's decision, team
  by team in roster order (never ranked: DESIGN, "Serve people, not the form").
- The office decides one member at a time: a grade, commended or not, a short note; who and
  when are kept on the row and every decision goes to the audit log. The same decision again
  is a repeat and changes nothing. Only a member graded 优秀 or 合格 can be commended.
- `expected` is the decision's version the clerk saw (0: none yet): when another clerk has
  decided since, nothing is changed (409 assessment_changed), so one clerk never silently
  overwrites another.
- Once the year has ended and every member has a grade, the office makes the year final
  (定稿); after that nothing changes (409 assessment_final). A decision holds its row and
  then checks the year, and making final holds every row of the year first, so on
  PostgreSQL a decision racing the final step either lands before it or is refused.
"""

from dataclasses import dataclass
from datetime import date, datetime

import peewee as pw

from models import Account, Assessment, AssessmentYear, Member, ServiceRecord, db
from models.oversight import ASSESSMENT_GRADES

from . import annual_snapshot, audit, clock
from .actors import Actor
from .annual_figures import MemberYear, members_of_year, team_names, year_days
from .annual_grades import GRADE_NAMES, Limits, Suggestion, suggest
from .errors import Conflict, Forbidden, Invalid, NotFound
from .report_stats import YEARS
from .review import clean_text
from .rows import is_id, locking
from .spells import on_roster

NOTE_LIMIT = 200
COMMENDABLE = ("excellent", "pass")
AUDIT_DECIDE, AUDIT_FINAL = "annual_decide", "annual_finalise"
DEFAULT_LIMITS = Limits()
CHANGED = "这位党员的考核结果刚刚已被其他人修改，请刷新页面查看最新结果后再保存。"


@dataclass(frozen=True)
class Decision:
    grade: str
    commended: bool
    note: str
    decided_by: str  # the office login's display name
    decided_at: datetime | None
    version: int

    @property
    def grade_name(self) -> str:
        return GRADE_NAMES.get(self.grade, "")


@dataclass(frozen=True)
class MemberLine:
    figures: MemberYear
    suggestion: Suggestion
    decision: Decision | None


@dataclass(frozen=True)
class TeamYear:
    id: int
    name: str
    members: list[MemberLine]


@dataclass(frozen=True)
class YearState:
    year: int
    year_over: bool  # the year has ended (Shanghai): it may be made final
    final: bool
    finalised_by: str
    finalised_at: datetime | None


@dataclass(frozen=True)
class AnnualList:
    state: YearState
    teams: list[TeamYear]

    def lines(self) -> list[MemberLine]:
        return [line for team in self.teams for line in team.members]


@dataclass(frozen=True)
class Choice:
    """What the office decides for one member."""

    grade: str
    commended: bool = False
    note: str = ""


def check_year(year: int, now: datetime) -> int:
    """A year that can be assessed: 2000-2099 and not after this one; Invalid otherwise."""
    if not (is_id(year) and YEARS[0] <= year <= min(YEARS[1], clock.local_today(now).year)):
        raise Invalid("年度应为 2000 年至今年之间的年份，如 2026。", "bad_year")
    return year


def annual_list(
    actor: Actor, year: int, now: datetime, limits: Limits, team_id: int | None = None
) -> AnnualList:
    """Every member's year with the suggestion and the decision, team by team."""
    _require_office(actor)
    check_year(year, now)
    names = team_names([team_id] if team_id is not None else None)
    if team_id is not None and not names:
        raise NotFound("没有这个服务队。", "team_not_found")
    state = year_state(year, now)
    members = _kept(year) if state.final else None
    if members is None:  # open (or made final before snapshots were kept): count afresh
        members = _suggested(members_of_year(year, now, list(names)), limits, state.year_over)
    decisions = _decisions(year)
    teams = [
        TeamYear(team, name, [MemberLine(m, s, decisions.get(m.member_id)) for m, s in lines])
        for team, name in names.items()
        for lines in [members.get(team, [])]
    ]
    return AnnualList(state, teams)


def _suggested(members: dict[int, list], limits: Limits, year_over: bool) -> dict[int, list]:
    """team id → [(the member's figures, the suggestion)] in roster order."""
    return {
        team: [(m, suggest(m, limits, year_over)) for m in of_team]
        for team, of_team in members.items()
    }


def _kept(year: int) -> dict[int, list] | None:
    """The final year's figures and suggestions as kept at 定稿, by team (None: none kept)."""
    row = AssessmentYear.get_or_none(AssessmentYear.year == year)
    if row is None or row.snapshot is None:
        return None
    teams: dict[int, list] = {}
    for figures, suggestion in annual_snapshot.load(row.snapshot):
        teams.setdefault(figures.team_id, []).append((figures, suggestion))
    return teams


def year_state(year: int, now: datetime) -> YearState:
    row = AssessmentYear.get_or_none(AssessmentYear.year == year)
    over = clock.local_today(now) > year_days(year)[1]
    if row is None:
        return YearState(year, over, False, "", None)
    return YearState(year, over, True, _account_name(row.finalised_by_id), row.finalised_at)


def decide(
    actor: Actor,
    year: int,
    member_id: int,
    choice: Choice,
    now: datetime,
    expected: int | None = None,
) -> Decision:
    """Record the office's decision on one member's year (the rules are the module's)."""
    _require_office(actor)
    check_year(year, now)
    choice = _checked(choice)
    if expected is not None and not (isinstance(expected, int) and 0 <= expected < 2**31):
        raise Invalid("expected 应为页面显示时的版本号（0 或正整数）。", "bad_field")
    _require_member_of_year(member_id, year)
    try:
        with db.atomic():
            row = _locked_row(year, member_id)
            _require_open(year)
            if row is not None and _same(row, choice):
                return _decision(row)  # a repeat: nothing to change
            if expected is not None and expected != (row.version if row else 0):
                raise Conflict(CHANGED, "assessment_changed")
            row = _write(actor, year, member_id, row, choice, now)
    except pw.IntegrityError:  # another clerk made the row at the same moment
        raise Conflict(CHANGED, "assessment_changed") from None
    return _decision(row)


def _checked(choice: Choice) -> Choice:
    if choice.grade not in ASSESSMENT_GRADES:
        names = "、".join(f"{g}（{n}）" for g, n in GRADE_NAMES.items())
        raise Invalid(f"考核等次 grade 应为 {names} 之一。", "bad_grade")
    if not isinstance(choice.commended, bool):
        raise Invalid("commended 应为 true 或 false。", "bad_field")
    if choice.commended and choice.grade not in COMMENDABLE:
        raise Invalid("只有考核为优秀或合格的党员可以列入表彰名单。", "bad_commendation")
    note = clean_text("note", choice.note or "", NOTE_LIMIT, "备注")
    return Choice(choice.grade, choice.commended, note)


def _require_member_of_year(member_id: int, year: int) -> None:
    """The member exists, in a team, and is on the year's list: on the roster at some time
    in it, or serving in it (the list's rule, services.report_stats)."""
    member = Member.get_or_none(Member.id == member_id) if is_id(member_id) else None
    if member is None or member.team_id is None:
        raise NotFound("没有这位党员。", "member_not_found")
    first, last = year_days(year)
    start, end = clock.local_midnight(first), clock.local_midnight(date(year + 1, 1, 1))
    R = ServiceRecord
    served = R.select().where(
        (R.member == member_id) & (R.checkin_at >= start) & (R.checkin_at < end)
    )
    on_list = Member.select().where((Member.id == member_id) & on_roster(first, last))
    if not (on_list.exists() or served.exists()):
        raise NotFound(f"这位党员不在 {year} 年度的名单中。", "member_not_found")


def _locked_row(year: int, member_id: int) -> Assessment | None:
    query = Assessment.select().where((Assessment.year == year) & (Assessment.member == member_id))
    return locking(query).first()


def _final(year: int) -> Conflict:
    return Conflict(f"{year} 年度考核已定稿，不能再修改。", "assessment_final")


def _require_open(year: int) -> None:
    if AssessmentYear.select().where(AssessmentYear.year == year).exists():
        raise _final(year)


def _same(row: Assessment, choice: Choice) -> bool:
    return (row.grade, row.commended, row.note) == (choice.grade, choice.commended, choice.note)


def _write(actor, year, member_id, row, choice: Choice, now: datetime) -> Assessment:
    before = None if row is None else _as_detail(row.grade, row.commended, row.note)
    fields = {
        "grade": choice.grade,
        "commended": choice.commended,
        "note": choice.note,
        "decided_by": actor.account,
        "decided_at": now,
    }
    if row is None:
        row = Assessment.create(year=year, member=member_id, version=1, **fields)
    else:
        fields["version"] = row.version + 1
        Assessment.update(**fields).where(Assessment.id == row.id).execute()
        row = Assessment.get_by_id(row.id)
    after = _as_detail(choice.grade, choice.commended, choice.note)
    detail = {"year": year, "member_id": member_id, "from": before, "to": after}
    audit.record(actor.label, AUDIT_DECIDE, now, "assessment", row.id, detail)
    return row


def _as_detail(grade: str, commended: bool, note: str) -> dict:
    return {"grade": grade, "commended": commended, "note": note}


def finalise(actor: Actor, year: int, now: datetime, limits: Limits = DEFAULT_LIMITS) -> YearState:
    """Make the year's assessment final: once it has ended, has members, and every member
    has a grade. The members' figures and suggestions are kept as they are now."""
    _require_office(actor)
    check_year(year, now)
    if not year_state(year, now).year_over:
        raise Conflict(f"{year} 年还没有结束，年度考核要到次年才能定稿。", "year_not_ended")
    try:
        with db.atomic():
            _require_open(year)
            rows = list(locking(Assessment.select().where(Assessment.year == year)))
            members = members_of_year(year, now, None)
            listed = [m for team in members.values() for m in team]
            if not listed:
                raise Conflict(f"{year} 年度名单中没有党员，无需定稿。", "assessment_empty")
            decided = {r.member_id for r in rows if r.member_id and r.grade}
            _require_all_decided([m for m in listed if m.member_id not in decided])
            kept = [pair for team in _suggested(members, limits, True).values() for pair in team]
            AssessmentYear.create(
                year=year,
                finalised_by=actor.account,
                finalised_at=now,
                snapshot=annual_snapshot.dump(kept),
            )
            ids = {m.member_id for m in listed}
            commended = sum(1 for r in rows if r.member_id in ids and r.commended)
            detail = {"members": len(ids), "commended": commended}
            audit.record(actor.label, AUDIT_FINAL, now, "assessment_year", year, detail)
    except pw.IntegrityError:  # another clerk made it final at the same moment
        raise _final(year) from None
    return year_state(year, now)


NAMED = 10  # undecided members named in the refusal; the rest are counted


def _require_all_decided(undecided: list[MemberYear]) -> None:
    """Refuse 定稿 naming who is still undecided, team by team, so the clerk can find them."""
    if not undecided:
        return
    names = team_names(None)
    by_team: dict[int, list[str]] = {}
    for m in undecided[:NAMED]:
        by_team.setdefault(m.team_id, []).append(m.name)
    who = "；".join(f"{names.get(t, '')}：{'、'.join(ns)}" for t, ns in by_team.items())
    more = f"等 {len(undecided)} 人" if len(undecided) > NAMED else ""
    message = (
        f"还有 {len(undecided)} 名党员没有确定考核等次（{who}{more}），"
        "请全部确定后再定稿。可勾选“只看未确定”找到他们。"
    )
    raise Conflict(message, "assessment_undecided")


def _decisions(year: int) -> dict[int, Decision]:
    """member id → the office's decision for the year, for those it has decided."""
    where = (Assessment.year == year) & Assessment.member.is_null(False)
    rows = list(
        Assessment.select(Assessment, Account.display_name)
        .join(Account, pw.JOIN.LEFT_OUTER, on=(Assessment.decided_by == Account.id))
        .where(where)
        .objects()
    )
    return {r.member_id: _decision(r, r.display_name or "") for r in rows}


def _decision(row: Assessment, decided_by: str | None = None) -> Decision:
    if decided_by is None:
        decided_by = _account_name(row.decided_by_id)
    return Decision(row.grade, row.commended, row.note, decided_by, row.decided_at, row.version)


def _account_name(account_id: int | None) -> str:
    account = Account.get_or_none(Account.id == account_id) if account_id else None
    return account.display_name if account else ""


def _require_office(actor: Actor) -> None:
    if not actor.is_office:
        raise Forbidden("只有办公室可以进行年度考核。", "office_only")
