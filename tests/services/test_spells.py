"""The spells a member is on the roster: written only by services.spells."""

from datetime import date, datetime

from models import Member, MemberSpell
from services import spells
from tests.factories import make_member


def spell_days(member) -> list[tuple]:
    query = MemberSpell.select(MemberSpell.joined_on, MemberSpell.left_on)
    return list(query.where(MemberSpell.member == member).order_by(MemberSpell.id).tuples())


def test_leaving_without_a_spell_keeps_the_days_since_the_member_was_added(database):
    """An active member written without a spell (bench/bench_sender.py does) still counts in
    the periods they were there once they leave: their spell runs from the day added."""
    member = make_member(created_at=datetime(2026, 3, 1, 20, 0))  # 2 March in Shanghai
    MemberSpell.delete().where(MemberSpell.member == member).execute()

    spells.leave(member.id, date(2026, 9, 30))

    assert spell_days(member) == [(date(2026, 3, 2), date(2026, 9, 30))]
    assert not Member.get_by_id(member.id).active


def test_leaving_an_open_spell_ends_it(database):
    member = make_member(created_at=datetime(2026, 3, 1, 2, 0))

    spells.leave(member.id, date(2026, 9, 30))

    assert spell_days(member) == [(date(2026, 3, 1), date(2026, 9, 30))]
