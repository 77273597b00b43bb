"""Residents' feedback as the office and the team leaders read it, and the office's
moderation.

- The office reads everything (filters: team, moderation state, Shanghai days, a page) and
  approves or rejects each feedback with a note; who and when is kept on the row and every
  decision goes to the audit log. A rejection must say why. The same decision again, with no
  note or the same note, is a repeat and changes nothing.
- A member reads the approved ratings of their own card, the same way.
- A leader reads their own team's approved feedback (the team, its members, its activities,
  as the quarterly report counts them): the rating, the comment and what was rated; nothing
  about the resident (there is nothing: the rate limit's hash never leaves the database) and
  nothing held for the office or rejected by it. A comment is masked as free text is
  elsewhere (services.households.redact): any phone number, and the name, address and phone
  of the households it may speak of (the rated member's paired households, and those of the
  team's community) where they appear word for word. A member reads their own the same way.

A feedback's team is the team rated, or the rated member's or activity's team (the report's
rule in services.report_stats).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import peewee as pw
from peewee import fn

from models import Account, Activity, Feedback, Household, Member, Pairing, Team, db
from models.oversight import MODERATION_STATES

from . import audit, clock, date_window
from .actors import Actor, require_member
from .errors import Conflict, Forbidden, Invalid, NotFound
from .feedback_targets import display_name
from .households import redact
from .review import clean_text
from .rows import check_page, is_id, load_locked
from .teams import team_by_id, team_for

DECISIONS = {"approve": "approved", "reject": "rejected"}
NOTE_LIMIT = 300
PAGE_DEFAULT, PAGE_MAX = 50, 100
AUDIT_ACTION = "feedback_moderate"
CHANGED = "这条评价刚刚已被其他人审阅过，请刷新页面查看最新结果后再决定。"

Rated = Member.alias("rated")
TEAM_OF = fn.COALESCE(Feedback.team, Rated.team, Activity.team)


@dataclass(frozen=True)
class FeedbackFilters:
    """Dates are the Shanghai days the feedback was given, both inclusive."""

    team_id: int | None = None
    moderation: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    limit: int = PAGE_DEFAULT
    offset: int = 0
    held_first: bool = False  # the office's default: what waits for it on top


@dataclass(frozen=True)
class FeedbackView:
    id: int
    target_kind: str
    target_id: int
    target_name: str  # the member's name (office and leader), the activity's title, the team's
    resident_name: str  # how the resident's page named it (王同志)
    team: Team | None
    rating: int
    comment: str
    created_at: datetime
    moderation: str
    held_reason: str
    moderation_note: str
    moderated_by: Account | None
    moderated_at: datetime | None


@dataclass(frozen=True)
class Ratings:
    count: int
    average: float | None


def list_feedback(actor: Actor, filters: FeedbackFilters) -> tuple[list[FeedbackView], int]:
    """The office's page of feedback, newest first, and how many match."""
    _require_office(actor)
    _check(filters)
    if filters.team_id is not None:
        team_by_id(filters.team_id)
    return _page(_where(filters), filters)


def team_feedback(
    actor: Actor, team_id: int | None, filters: FeedbackFilters
) -> tuple[Team, list[FeedbackView], int, Ratings]:
    """A team's approved feedback for its leader (or the office, naming the team), newest
    first, with how many match and their average rating."""
    team = team_for(actor, team_id, "居民评价")
    filters = FeedbackFilters(None, "approved", *_dates_and_page(filters))
    _check(filters)
    where = _where(filters) & (TEAM_OF == team.id)
    items, total = _page(where, filters, masked=not actor.is_office)
    return team, items, total, _ratings(where)


def member_feedback(
    actor: Actor, filters: FeedbackFilters
) -> tuple[list[FeedbackView], int, Ratings]:
    """The acting member's own approved ratings (those of their household's card), newest
    first, with how many and their average: what the residents think of their service."""
    member = require_member(actor)
    filters = FeedbackFilters(None, "approved", *_dates_and_page(filters))
    _check(filters)
    where = _where(filters) & (Feedback.target_kind == "member") & (Feedback.member == member.id)
    items, total = _page(where, filters, masked=True)
    return items, total, _ratings(where)


def moderate(
    actor: Actor,
    feedback_id: int,
    decision: str,
    note: str | None,
    now: datetime,
    expected: str | None = None,
) -> FeedbackView:
    """Approve or reject one feedback (the rules are the module's). `expected`: the state
    the clerk saw; when another clerk has changed it since, nothing is changed (Conflict
    feedback_changed), so one decision never silently overwrites another."""
    _require_office(actor)
    state = DECISIONS.get(decision)
    if state is None:
        raise Invalid("decision 应为 approve（通过）或 reject（不通过）。", "bad_decision")
    if expected is not None and expected not in MODERATION_STATES:
        raise Invalid(f"expected 应为 {'、'.join(MODERATION_STATES)} 之一。", "bad_decision")
    note = clean_text("note", note or "", NOTE_LIMIT, "说明")
    with db.atomic():
        row = load_locked(Feedback, feedback_id, _not_found())
        if row.moderation == state and note in ("", row.moderation_note):
            return get_feedback(actor, feedback_id)  # a repeat: nothing to change
        if expected is not None and expected != row.moderation:
            raise Conflict(CHANGED, "feedback_changed")
        _decide(actor, row, state, note, now)
    return get_feedback(actor, feedback_id)


def _decide(actor: Actor, row: Feedback, state: str, note: str, now: datetime) -> None:
    if state == "rejected" and not note:
        raise Invalid("不通过时请写明原因。", "note_required")
    fields = {"moderation": state, "moderation_note": note}
    Feedback.update(moderated_by=actor.account, moderated_at=now, **fields).where(
        Feedback.id == row.id
    ).execute()
    detail = {"from": row.moderation, "to": state, "note": note}
    audit.record(actor.label, AUDIT_ACTION, now, "feedback", row.id, detail)


def get_feedback(actor: Actor, feedback_id: int) -> FeedbackView:
    """One feedback for the office, else NotFound."""
    _require_office(actor)
    views = []
    if is_id(feedback_id):
        views = _page(Feedback.id == feedback_id, FeedbackFilters(limit=1))[0]
    if not views:
        raise _not_found()
    return views[0]


def _query(*columns) -> pw.Select:
    return (
        Feedback.select(*columns)
        .join(Rated, pw.JOIN.LEFT_OUTER, on=(Feedback.member == Rated.id))
        .switch(Feedback)
        .join(Activity, pw.JOIN.LEFT_OUTER, on=(Feedback.activity == Activity.id))
    )


def _page(
    where: pw.Expression, f: FeedbackFilters, masked: bool = False
) -> tuple[list[FeedbackView], int]:
    """A page of views; `masked`: residents' personal data in a comment masked (a resident
    may write their own), as a leader or member reads them."""
    total = _query().where(where).count()
    rows = (
        _query(Feedback, Rated.name, Activity.title, TEAM_OF.alias("team_of"))
        .where(where)
        .order_by(*_order(f))
        .limit(f.limit)
        .offset(f.offset)
        .objects()
    )
    rows = list(rows)
    teams = {t.id: t for t in Team.select().where(Team.id.in_({r.team_of for r in rows}))}
    accounts = {r.moderated_by_id for r in rows if r.moderated_by_id}
    by_id = {a.id: a for a in Account.select().where(Account.id.in_(accounts))} if accounts else {}
    known = _households_spoken_of(rows) if masked else None
    return [_view(r, teams, by_id, known) for r in rows], total


def _households_spoken_of(rows: list) -> dict:
    """Feedback id → the households its comment may name: those the rated member was ever
    paired with, and all of the community of the feedback's team (two queries a page)."""
    members = {r.member_id for r in rows if r.target_kind == "member" and r.member_id}
    paired: dict[int, list] = {}
    if members:
        query = Household.select(Household, Pairing.member.alias("paired_with")).join(Pairing)
        for h in query.where(Pairing.member.in_(members)).objects():
            paired.setdefault(h.paired_with, []).append(h)
    teams = {r.team_of for r in rows if r.team_of}
    around: dict[int, list] = {}
    if teams:
        query = Household.select(Household, Team.id.alias("team_of")).join(
            Team, on=(Household.community == Team.community)
        )
        for h in query.where(Team.id.in_(teams)).objects():
            around.setdefault(h.team_of, []).append(h)
    return {r.id: paired.get(r.member_id, []) + around.get(r.team_of, []) for r in rows}


def _order(f: FeedbackFilters) -> list:
    """Newest first; with `held_first`, the held (pending) ones before the rest, so a page
    and the next one still part the same list."""
    newest = [Feedback.created_at.desc(), Feedback.id.desc()]
    if not f.held_first:
        return newest
    return [pw.Case(None, [(Feedback.moderation == "pending", 0)], 1), *newest]


def _view(r, teams: dict, accounts: dict, known: dict | None) -> FeedbackView:
    """`known`: when given (masked views), the households each comment is masked against."""
    team = teams.get(r.team_of)
    names = {"member": r.name, "activity": r.title, "team": team.name if team else ""}
    name = names.get(r.target_kind) or ""
    shown = display_name(name) if r.target_kind == "member" else name
    target_id = getattr(r, f"{r.target_kind}_id", None)
    return FeedbackView(
        id=r.id,
        target_kind=r.target_kind,
        target_id=target_id,
        target_name=name,
        resident_name=shown,
        team=team,
        rating=r.rating,
        comment=redact(r.comment, known[r.id]) if known is not None else r.comment,
        created_at=r.created_at,
        moderation=r.moderation,
        held_reason=r.held_reason,
        moderation_note=r.moderation_note,
        moderated_by=accounts.get(r.moderated_by_id),
        moderated_at=r.moderated_at,
    )


def _ratings(where: pw.Expression) -> Ratings:
    count, total = (
        _query(fn.COUNT(Feedback.id), fn.SUM(Feedback.rating)).where(where).scalar(as_tuple=True)
    )
    count = int(count or 0)
    return Ratings(count, round(int(total) / count, 1) if count else None)


def _where(f: FeedbackFilters) -> pw.Expression:
    where = Feedback.id.is_null(False)
    if f.team_id is not None:
        where &= TEAM_OF == f.team_id
    if f.moderation is not None:
        where &= Feedback.moderation == f.moderation
    if f.date_from is not None:
        where &= Feedback.created_at >= clock.local_midnight(f.date_from)
    if f.date_to is not None:
        where &= Feedback.created_at < clock.local_midnight(f.date_to + timedelta(days=1))
    return where


def _dates_and_page(f: FeedbackFilters) -> tuple:
    return f.date_from, f.date_to, f.limit, f.offset


def _check(f: FeedbackFilters) -> None:
    if f.moderation is not None and f.moderation not in MODERATION_STATES:
        raise Invalid(f"moderation 应为 {'、'.join(MODERATION_STATES)} 之一。", "bad_filter")
    check_page(f.limit, f.offset, PAGE_MAX)
    date_window.check_window(f.date_from, f.date_to)


def _require_office(actor: Actor) -> None:
    if not actor.is_office:
        raise Forbidden("只有办公室可以审阅全部居民评价。", "office_only")


def _not_found() -> NotFound:
    return NotFound("没有这条居民评价。", "feedback_not_found")
