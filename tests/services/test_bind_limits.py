"""Limits on typing bind codes (services/bind_limits.py): a stranger's wrong tries do not stop
the rightful member, a guesser is stopped, and the limits hold when tries race on the real
database file."""

from datetime import timedelta

import pytest

from models import BindCode, BindTry, Member
from services import bind_limits, chat_binding
from services.bind_limits import CODE_DAY_TRIES, CODE_LIFE_TRIES, TooManyTries
from services.binding import WRONG_CODE, issue_bind_code, typed_code
from services.errors import DomainError, Invalid
from tests.factories import NOW, make_member
from tests.races import at_once

PHONE = "13800000001"


@pytest.fixture
def member(database):
    return make_member(name="李红", phone=PHONE)


@pytest.fixture
def code(member):
    return issue_bind_code(member, NOW)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def attempt(who: str, phone: str, code: str, at=NOW) -> tuple[str, str]:
    """(error code, message) of a try that fails, ("bound", name) of one that names a member."""
    try:
        member, _ = typed_code(who, phone, code, at)
    except DomainError as exc:
        return exc.code, exc.message
    return "bound", member.name


def checked(code_row_id: int) -> int:
    """Tries checked against the code in its life so far."""
    return BindCode.get_by_id(code_row_id).failed_attempts


# --- a stranger does not stop the member -----------------------------------------------------


def test_a_stranger_who_tries_all_they_may_leaves_the_members_code_working(member, code):
    """Before, five wrong codes from anyone voided a member's code for good. A stranger with
    the mini-program and the Official Account (two callers) fails all day long, as often as
    each caller may, and the member's own code still binds."""
    answers = []
    for hour in range(23):
        for who in ("mp:stranger", "oa:stranger"):
            answers.append(attempt(who, PHONE, wrong(code), NOW + timedelta(hours=hour))[0])
    assert answers.count("bad_bind_code") == 18  # 10 a day for each, the 10th told to wait
    assert set(answers) == {"bad_bind_code", "too_many_attempts"}
    assert checked(BindCode.get().id) == 20
    assert attempt("mp:member", PHONE, code, NOW + timedelta(hours=23)) == ("bound", "李红")


def test_a_code_that_many_strangers_locked_opens_again_by_itself(member, code):
    """CODE_DAY_TRIES wrong tries within a day (five strangers' whole allowance) lock the code
    for the typed way: the member's right code gets the answer a wrong one gets, which says
    to try again in 24 hours; 24 hours after those tries it binds."""
    for n in range(CODE_DAY_TRIES):
        at = NOW + timedelta(minutes=n)
        assert attempt(f"oa:stranger{n}", PHONE, wrong(code), at)[0] == "bad_bind_code"
    later = NOW + timedelta(hours=2)
    locked = attempt("mp:member", PHONE, code, later)
    assert locked == ("bad_bind_code", WRONG_CODE) and "24 小时后再试" in WRONG_CODE
    assert checked(BindCode.get().id) == CODE_DAY_TRIES  # the locked try was not checked
    a_day_on = NOW + timedelta(days=1, minutes=1)  # the first tries have aged out
    assert attempt("mp:member", PHONE, code, a_day_on) == ("bound", "李红")


def test_a_qr_scene_binds_a_code_typed_tries_locked(member, code):
    for n in range(CODE_DAY_TRIES):
        attempt(f"oa:stranger{n}", PHONE, wrong(code), NOW)
    BindCode.update(failed_attempts=CODE_LIFE_TRIES).execute()
    bound = chat_binding.bind_with_scene("oa-member", f"bind:{code}", NOW)
    assert bound.id == member.id and Member.get_by_id(member.id).oa_openid == "oa-member"


# --- a guesser is stopped --------------------------------------------------------------------


def test_a_guesser_gets_five_tries_an_hour_and_then_not_even_a_right_guess_counts(member, code):
    answers = [attempt("mp:guesser", PHONE, f"{n:06d}")[0] for n in range(5)]
    assert answers == ["bad_bind_code"] * 4 + ["too_many_attempts"]  # told at the fifth
    assert checked(BindCode.get().id) == 5
    refused, message = attempt("mp:guesser", PHONE, code, NOW + timedelta(minutes=59))
    assert refused == "too_many_attempts" and checked(BindCode.get().id) == 5
    assert "请于今天 11:00 后再试" in message  # NOW is 10:00 in Shanghai
    assert "联系办公室" in message
    assert BindTry.select().where(BindTry.caller == "mp:guesser").count() == 5  # not counted


def test_a_guesser_gets_ten_tries_a_day(member, code):
    answers = []
    for hour in range(3):
        at = NOW + timedelta(hours=hour)
        answers += [attempt("oa:guesser", PHONE, f"{n:06d}", at)[0] for n in range(5)]
    hourly = ["bad_bind_code"] * 4 + ["too_many_attempts"]
    assert answers == hourly + hourly + ["too_many_attempts"] * 5
    assert checked(BindCode.get().id) == 10
    assert (
        "请于明天 10:00 后再试" in attempt("oa:guesser", PHONE, code, NOW + timedelta(hours=3))[1]
    )
    assert (
        "请于今天 10:00 后再试" in attempt("oa:guesser", PHONE, code, NOW + timedelta(hours=23))[1]
    )
    assert attempt("oa:guesser", PHONE, code, NOW + timedelta(days=1)) == ("bound", "李红")


def test_a_code_is_void_after_its_life_of_tries(member, code):
    BindCode.update(failed_attempts=CODE_LIFE_TRIES - 1).execute()
    assert attempt("mp:a", PHONE, wrong(code))[0] == "bad_bind_code"
    assert attempt("mp:b", PHONE, code)[0] == "bind_code_void"  # only its holder knows it
    assert attempt("mp:c", PHONE, wrong(code))[0] == "bad_bind_code"
    assert checked(BindCode.get().id) == CODE_LIFE_TRIES


def test_a_right_code_is_no_guess(member, code):
    """The member binds with the right code after four typing slips: the right try counts
    neither for them nor against the code."""
    for _ in range(4):
        attempt("mp:member", PHONE, wrong(code))
    assert attempt("mp:member", PHONE, code)[0] == "bound"
    assert checked(BindCode.get().id) == 4
    assert BindTry.select().where(BindTry.caller == "mp:member").count() == 4


def test_wrong_phone_wrong_code_and_locked_code_get_one_answer(member, code):
    other = make_member(phone="13800000002")
    other_code = issue_bind_code(other, NOW)
    for n in range(CODE_DAY_TRIES):
        attempt(f"oa:stranger{n}", "13800000002", wrong(other_code))
    answers = {
        attempt("mp:1", "13900000000", code),  # nobody's phone
        attempt("mp:2", PHONE, wrong(code)),  # a wrong code
        attempt("mp:3", "13800000002", wrong(other_code)),  # a locked code, wrong
        attempt("mp:4", "13800000002", other_code),  # a locked code, right
    }
    assert answers == {("bad_bind_code", WRONG_CODE)}


def test_old_tries_are_forgotten(member, code):
    attempt("mp:a", PHONE, wrong(code))
    attempt("mp:b", PHONE, wrong(code), NOW + timedelta(hours=1))
    assert bind_limits.purge(NOW + bind_limits.KEEP) == 1
    assert [t.caller for t in BindTry.select()] == ["mp:b"]


# --- racing tries ----------------------------------------------------------------------------

REFUSED = (Invalid, TooManyTries)  # what a racing try may hear instead of a bind


def test_one_caller_racing_many_guesses_gets_no_more_than_its_tries(member, code):
    guesses = [f"{n:06d}" for n in range(20) if f"{n:06d}" != code]
    calls = [lambda g=g: typed_code("mp:racer", PHONE, g, NOW) for g in guesses]
    outcomes = at_once(calls, REFUSED)
    assert set(outcomes) <= {"bad_bind_code", "too_many_attempts"}
    assert outcomes.count("bad_bind_code") <= checked(BindCode.get().id) <= 5
    assert BindTry.select().where(BindTry.caller == "mp:racer").count() <= 5
    assert attempt("mp:member", PHONE, code) == ("bound", "李红")


def test_many_callers_racing_at_one_code_get_no_more_than_its_tries_of_the_day(member, code):
    row = BindCode.get()
    earlier = NOW - timedelta(hours=1)
    BindTry.insert_many(
        [{"caller": f"oa:earlier{n}", "bind_code": row.id, "at": earlier} for n in range(45)]
    ).execute()
    BindCode.update(failed_attempts=45).execute()
    calls = [lambda n=n: typed_code(f"oa:racer{n}", PHONE, wrong(code), NOW) for n in range(12)]
    outcomes = at_once(calls, REFUSED)
    assert outcomes == ["bad_bind_code"] * 12
    assert 45 <= checked(row.id) <= CODE_DAY_TRIES
    counted = BindTry.select().where(BindTry.bind_code == row.id).count()
    assert counted == checked(row.id)


def test_many_callers_racing_at_one_code_get_no_more_than_its_tries_of_a_life(member, code):
    row = BindCode.get()
    BindCode.update(failed_attempts=CODE_LIFE_TRIES - 3).execute()
    calls = [lambda n=n: typed_code(f"mp:racer{n}", PHONE, wrong(code), NOW) for n in range(12)]
    assert at_once(calls, REFUSED) == ["bad_bind_code"] * 12
    assert checked(row.id) == CODE_LIFE_TRIES
    assert attempt("mp:member", PHONE, code)[0] == "bind_code_void"
