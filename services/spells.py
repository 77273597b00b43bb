"""When members were in the programme: their spells (models.MemberSpell), the one record every
rule about a period asks, and the one place that opens and closes them.

- A spell runs from the Shanghai day a member joined, or came back, to the day they left:
  both days are on the roster (they were there that day); an open spell has no end yet.
- Over a period (a quarter, a year) a member is on the roster when any spell overlaps it:
  begun on or before its last day, and not ended before its first.
- Leaving closes the open spell; a return opens a new one and the earlier spells keep their
  days, so the time away counts in no period. A return on the day of leaving takes the
  leaving back instead (the two spells would share that day), and so does a return the
  roster import records on the day it recorded the leaving, whatever day of leaving that
  wrote (a mistaken day put right at once). A new day of leaving for a member who is away
  corrects their latest spell.
- `Member.active` says whether the latest spell is open. It is written here only, with the
  spells, inside the caller's transaction (the roster import's), so the two never disagree.
"""

from collections import defaultdict
from datetime import date, datetime

import peewee as pw
from peewee import fn

from models import AuditLog, Member, MemberSpell

from . import audit, clock

S = MemberSpell
LEFT = "spell_closed"  # the AuditLog action of a leaving the roster import recorded


def overlapping(first: date, last: date) -> pw.Expression:
    """Spells with at least one of these days."""
    return (S.joined_on <= last) & (S.left_on.is_null() | (S.left_on >= first))


def on_roster(first: date, last: date) -> pw.Expression:
    """Members (a condition on Member) on the roster on at least one of these days. Part of
    the query that lists them, however many (a look-up by member in the spells' index), not
    a query per member."""
    spell = S.select(pw.SQL("1")).where((S.member == Member.id) & overlapping(first, last))
    return fn.EXISTS(spell)


def last_left() -> pw.Select:
    """The day each member who is away now last left (member_id, left_on), as a subquery to
    join: what a list of members shows beside one who has gone."""
    away = Member.select(Member.id).where(Member.active == False)  # noqa: E712
    return (
        S.select(S.member.alias("member_id"), fn.MAX(S.left_on).alias("left_on"))
        .where(S.member.in_(away))
        .group_by(S.member)
    )


def spells_of(member_ids: pw.Select) -> dict[int, list[tuple[date, date | None]]]:
    """member id → their spells (joined, left), oldest first, in one query."""
    found: dict[int, list] = defaultdict(list)
    query = S.select(S.member, S.joined_on, S.left_on).where(S.member.in_(member_ids))
    for member_id, joined, left in query.order_by(S.member, S.joined_on).tuples():
        found[member_id].append((clock.as_date(joined), left and clock.as_date(left)))
    return found


def join(member_id: int, on: date) -> None:
    """A member added to the roster: their first spell begins that day."""
    S.create(member=member_id, joined_on=on)
    _set_active(member_id, True)


def leave(
    member_id: int, on: date, recorded_on: date | None = None, now: datetime | None = None
) -> None:
    """The member leaves on that day: their open spell ends. One with no spell at all (a
    row written before spells, or around this module) gets the one they had, from the day
    added, rather than vanish from the periods they were there. The roster import says on
    which day it recorded the leaving (`recorded_on`, an audit line): a return it imports
    that same day takes the leaving back (undo_leaving)."""
    spell = S.get_or_none((S.member == member_id) & S.left_on.is_null())
    if spell is not None:
        S.update(left_on=on).where(S.id == spell.id).execute()
    elif _latest(member_id) is None:
        spell = _since_added(member_id, on)
    _set_active(member_id, False)
    if spell is not None and recorded_on is not None:
        detail = {"left_on": on.isoformat(), "recorded_on": recorded_on.isoformat()}
        at = now or clock.now_utc()
        audit.record("roster_import", LEFT, at, "member_spell", spell.id, detail)


def leavings_recorded_on() -> dict[int, date]:
    """member id → the day the roster import recorded the leaving that closed the latest
    spell of a member who is away now (for those it recorded)."""
    latest = {}
    away = Member.select(Member.id).where(Member.active == False)  # noqa: E712
    query = S.select(S.member, S.id).where(S.member.in_(away)).order_by(S.joined_on)
    for member_id, spell_id in query.tuples():
        latest[str(spell_id)] = member_id
    lines = AuditLog.select(AuditLog.object_id, AuditLog.detail).where(
        (AuditLog.action == LEFT) & AuditLog.object_id.in_(list(latest))
    )
    return {
        latest[spell_id]: date.fromisoformat(detail["recorded_on"])
        for spell_id, detail in lines.order_by(AuditLog.id).tuples()
    }


def come_back(member_id: int, on: date) -> None:
    """The member comes back on that day: a new spell, the earlier ones kept as they are;
    back on the day they left (or the day that spell began), the leaving is taken back."""
    latest = _latest(member_id)
    if latest is not None and latest.left_on is not None and _ends_on_or_after(latest, on):
        S.update(left_on=None).where(S.id == latest.id).execute()
    else:
        S.create(member=member_id, joined_on=on)
    _set_active(member_id, True)


def undo_leaving(member_id: int) -> None:
    """A leaving recorded by mistake is taken back: the latest spell is open again, as if
    the member had never left."""
    latest = _latest(member_id)
    S.update(left_on=None).where(S.id == latest.id).execute()
    _set_active(member_id, True)


def correct_leaving(member_id: int, on: date) -> None:
    """A member who is away left on another day than recorded: their latest spell ends then.
    One who left before days of leaving were kept has no spell: it runs from the day added."""
    latest = _latest(member_id)
    if latest is not None:
        S.update(left_on=on).where(S.id == latest.id).execute()
        return
    _since_added(member_id, on)


def _since_added(member_id: int, left_on: date) -> MemberSpell:
    """The spell of a member who has none: from the day added, never after the day left."""
    added = clock.to_local(Member.get_by_id(member_id).created_at).date()
    return S.create(member=member_id, joined_on=min(added, left_on), left_on=left_on)


def _ends_on_or_after(spell: MemberSpell, day: date) -> bool:
    return max(spell.left_on, spell.joined_on) >= day


def _latest(member_id: int) -> MemberSpell | None:
    return S.select().where(S.member == member_id).order_by(S.joined_on.desc()).first()


def _set_active(member_id: int, active: bool) -> None:
    Member.update(active=active).where(Member.id == member_id).execute()
