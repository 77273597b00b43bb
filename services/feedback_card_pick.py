"""The feedback cards the office prints at one go (the dashboard's 批量打印评价卡): every
paired member's, every team's and the activities of some days, or one kind, or one team's.

A member's card exists only while the member is active and paired: it is for the household
(an unpaired member has nobody to hand one to). A cancelled activity gets none (its page says
it is cancelled). Dates narrow the activities only, by the Shanghai day they start; without
dates the activities are those from today on, the ones a card can still be posted at.

One download holds at most CARDS_MAX cards: a bigger pile is a mistake or a job for several
sittings at the printer, and rendering it would keep a worker busy for long.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from models import Activity, Member, Team

from . import clock, date_window
from .actors import Actor
from .errors import Forbidden, Invalid, NotFound
from .feedback_cards import Card, activity_row_card, member_card, paired_members, team_card
from .feedback_targets import KIND_NAMES, KINDS
from .teams import team_by_id

CARDS_MAX = 120
WINDOW_MAX_DAYS = 366
LAST = 2**62  # the sort place of an office task without a team: after every team's cards


@dataclass(frozen=True)
class CardPick:
    kind: str | None = None  # member, team or activity; None for every kind
    team_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def pick_cards(actor: Actor, base: str, pick: CardPick, now: datetime) -> list[Card]:
    """The picked cards, team by team (the team's, its members', its activities'), rendered."""
    if not actor.is_office:
        raise Forbidden("只有办公室可以批量打印评价卡。", "office_only")
    _check(pick)
    queries = [(kind, _KINDS[kind][0](pick, now)) for kind in _kinds(pick)]
    total = sum(query.count() for _, query in queries)
    if total == 0:
        raise NotFound("没有符合条件的评价卡：请换一个服务队、种类或日期再试。", "no_cards")
    if total > CARDS_MAX:
        raise Invalid(
            f"一次最多打印 {CARDS_MAX} 张评价卡，这次选中了 {total} 张。"
            "请按服务队、种类或活动日期分几次下载。",
            "too_many_cards",
        )
    rows = sorted(
        ((_team_place(kind, row), kind, row) for kind, query in queries for row in query),
        key=lambda item: item[0],
    )
    return [_KINDS[kind][1](base, row, now) for _, kind, row in rows]


def file_stem(pick: CardPick, now: datetime) -> str:
    """What the download is called: 评价卡_第一服务队_结对党员_2026-11-30."""
    team = team_by_id(pick.team_id).name if pick.team_id is not None else "全部服务队"
    kind = KIND_NAMES[pick.kind] if pick.kind else "全部"
    return f"评价卡_{team}_{kind}_{clock.local_today(now).isoformat()}"


def _check(pick: CardPick) -> None:
    if pick.kind is not None and pick.kind not in KINDS:
        raise Invalid(f"kind 应为 {'、'.join(KINDS)} 之一。", "bad_target_kind")
    date_window.check_window(pick.date_from, pick.date_to, WINDOW_MAX_DAYS)
    if pick.team_id is not None:
        team_by_id(pick.team_id)


def _kinds(pick: CardPick) -> tuple[str, ...]:
    return (pick.kind,) if pick.kind else KINDS


def _team_place(kind: str, row) -> tuple:
    """Where a card goes in the pile: by team, the team's own card first, then its members'
    (in roster order) and its activities' (by when they start)."""
    team_id = row.id if kind == "team" else row.team_id
    when = row.starts_at if kind == "activity" else None  # None only beside None
    return (team_id if team_id is not None else LAST, _ORDER.index(kind), when, row.id)


def _members(pick: CardPick, now: datetime):
    query = paired_members()
    if pick.team_id is not None:
        query = query.where(Member.team == pick.team_id)
    return query


def _teams(pick: CardPick, now: datetime):
    query = Team.select()
    return query.where(Team.id == pick.team_id) if pick.team_id is not None else query


def _activities(pick: CardPick, now: datetime):
    start = pick.date_from or (clock.local_today(now) if pick.date_to is None else None)
    query = Activity.select().where(Activity.status != "cancelled")
    if start is not None:
        query = query.where(Activity.starts_at >= clock.local_midnight(start))
    if pick.date_to is not None:
        end = clock.local_midnight(pick.date_to + timedelta(days=1))
        query = query.where(Activity.starts_at < end)
    if pick.team_id is not None:
        query = query.where(Activity.team == pick.team_id)
    return query


# kind → (its cards' rows, a row's card), in the order a team's cards go in the pile
_KINDS = {
    "team": (_teams, team_card),
    "member": (_members, member_card),
    "activity": (_activities, activity_row_card),
}
_ORDER = tuple(_KINDS)
