"""Bind codes: six random digits, short-lived, only the newest one of a member works."""

from datetime import timedelta

from models import BindCode
from services import binding
from services.binding import issue_bind_code, live_bind_code
from tests.factories import NOW, make_member


def test_a_code_is_six_digits_and_lives_fourteen_days(database):
    member = make_member()
    code = issue_bind_code(member, NOW)
    assert len(code) == 6 and code.isdigit()
    row = BindCode.get(BindCode.code == code)
    assert (row.member_id, row.used_at, row.failed_attempts) == (member.id, None, 0)
    assert (row.created_at, row.expires_at) == (NOW, NOW + timedelta(days=14))
    assert live_bind_code(member, NOW).code == code
    assert live_bind_code(member, NOW + timedelta(days=14)) is None


def test_the_lifetime_can_be_set(database):
    member = make_member()
    issue_bind_code(member, NOW, ttl_days=3)
    assert live_bind_code(member, NOW).expires_at == NOW + timedelta(days=3)


def test_a_new_code_voids_the_older_unused_ones(database):
    member = make_member()
    first = issue_bind_code(member, NOW)
    later = NOW + timedelta(hours=1)
    second = issue_bind_code(member, later)
    assert live_bind_code(member, later).code == second
    old = BindCode.get((BindCode.member == member) & (BindCode.code == first))
    assert old.expires_at == later
    assert BindCode.select().where(BindCode.member == member).count() == 2


def test_a_used_code_and_other_members_codes_are_left_alone(database):
    member, other = make_member(), make_member()
    used = BindCode.get(BindCode.code == issue_bind_code(member, NOW))
    used.used_at = NOW
    used.save()
    others = issue_bind_code(other, NOW)
    issue_bind_code(member, NOW + timedelta(hours=1))
    assert BindCode.get_by_id(used.id).expires_at == NOW + timedelta(days=14)
    assert live_bind_code(other, NOW + timedelta(hours=1)).code == others


def test_a_code_already_live_for_someone_else_is_not_given_out(database, monkeypatch):
    taken = issue_bind_code(make_member(), NOW)
    draws = iter([int(taken), 42])
    monkeypatch.setattr(binding.secrets, "randbelow", lambda _: next(draws))
    assert issue_bind_code(make_member(), NOW) == "000042"


def test_an_expired_code_may_be_drawn_again(database, monkeypatch):
    old = issue_bind_code(make_member(), NOW - timedelta(days=30))
    monkeypatch.setattr(binding.secrets, "randbelow", lambda _: int(old))
    assert issue_bind_code(make_member(), NOW) == old
