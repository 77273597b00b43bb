"""One rating per phone per target per Shanghai day, held by the database: posts from one
phone that race (two forms sent at the same instant) end with exactly one rating, on SQLite
and on PostgreSQL (XIANFENG_TEST_POSTGRES_URL)."""

from datetime import date, timedelta

import peewee
import pytest

from models import Feedback, db
from services import feedback
from services.errors import DomainError
from services.feedback_targets import code_for
from tests.factories import NOW, make_member, make_team
from tests.races import at_once
from tests.services.test_feedback import OPENED, rate, sender


@pytest.fixture
def code(database):
    member = make_member(name="王建国", team=make_team(name="第一服务队"))
    return code_for("member", member.id, NOW)


def test_a_rating_keeps_its_target_and_shanghai_day(code):
    late = NOW + timedelta(hours=14, minutes=30)  # 00:30 the next day in Shanghai
    row = rate(code, 4, now=late).feedback
    row = Feedback.get_by_id(row.id)
    assert (row.target_key, row.rated_on) == (f"member:{row.member_id}", date(2026, 11, 30))


def test_the_database_refuses_a_second_rating_of_the_day_from_one_phone(code):
    first = Feedback.get_by_id(rate(code, 4).feedback.id)
    twin = {
        name: getattr(first, name)
        for name in ("target_kind", "member", "client_key", "target_key", "rated_on")
    }
    with pytest.raises(peewee.IntegrityError), db.atomic():
        Feedback.create(**twin, rating=2, created_at=NOW, form_id="other-form")
    other_day = dict(twin, rated_on=first.rated_on + timedelta(days=1))
    Feedback.create(**other_day, rating=2, created_at=NOW, form_id="next-day-form")
    assert Feedback.select().count() == 2


def test_a_post_that_loses_the_race_replaces_the_rating_that_won(code, monkeypatch):
    """The other post's row is not seen when this one looks (it was not committed yet), but
    the database refuses the second row: this post then replaces the first."""
    first = rate(code, 4, "还行")
    monkeypatch.setattr(feedback, "_todays", _unseen_once(feedback._todays))
    later = rate(code, 2, "后来想想不太满意", now=NOW + timedelta(seconds=1))
    assert later.replaced and not later.repeated and later.feedback.id == first.feedback.id
    assert [(r.rating, r.comment) for r in Feedback.select()] == [(2, "后来想想不太满意")]


def test_the_same_answer_losing_the_race_is_a_repeat(code, monkeypatch):
    form_id = sender().new_form_id(code, OPENED)
    first = rate(code, 4, "还行", form_id=form_id)
    monkeypatch.setattr(feedback, "_todays", _unseen_once(feedback._todays))
    monkeypatch.setattr(Feedback, "get_or_none", _unseen_once(Feedback.get_or_none))
    again = rate(code, 4, "还行", form_id=form_id)
    assert again.repeated and again.feedback.id == first.feedback.id
    assert Feedback.select().count() == 1


def _unseen_once(find):
    """`find`, except that its first call finds nothing (the other post not committed yet)."""
    calls = []

    def first_finds_nothing(*args, **kwargs):
        calls.append(args)
        return None if len(calls) == 1 else find(*args, **kwargs)

    return first_finds_nothing


@pytest.mark.parametrize("posts", [2, 6])
def test_forms_from_one_phone_posted_at_once_leave_one_rating(code, posts):
    """Several forms of one phone (opened in several tabs) submitted at the same instant,
    each on its own connection: one adds the rating, every other replaces it."""
    forms = [sender().new_form_id(code, OPENED) for _ in range(posts)]
    calls = [lambda n=n: rate(code, 1 + n % 5, f"第{n}次", form_id=forms[n]) for n in range(posts)]
    outcomes = at_once(calls, (DomainError,))
    assert all(isinstance(o, feedback.Submission) for o in outcomes), outcomes
    assert sorted(o.replaced for o in outcomes) == [False] + [True] * (posts - 1)
    rows = list(Feedback.select())
    assert len(rows) == 1 and rows[0].comment in {f"第{n}次" for n in range(posts)}


def test_one_form_posted_at_once_from_several_taps_is_recorded_once(code):
    form_id = sender().new_form_id(code, OPENED)
    calls = [lambda: rate(code, 5, "很好", form_id=form_id) for _ in range(4)]
    outcomes = at_once(calls, (DomainError,))
    assert sorted(o.repeated for o in outcomes) == [False] + [True] * 3, outcomes
    assert Feedback.select().count() == 1


def test_a_form_kept_open_past_midnight_changes_the_new_days_rating(code):
    """Rated at 23:55 with one form, at 00:10 with another, then the first form posted again
    with other stars at 00:15 (Back to the old page): the new day's rating takes the answer,
    the day before keeps its own."""
    midnight = NOW.replace(hour=16)  # 00:00 in Shanghai
    old_form = sender().new_form_id(code, midnight - timedelta(minutes=10))
    rate(code, 3, "昨天的", form_id=old_form, now=midnight - timedelta(minutes=5))
    rate(code, 4, "今天的", now=midnight + timedelta(minutes=10))
    changed = rate(code, 1, "改主意了", form_id=old_form, now=midnight + timedelta(minutes=15))
    assert changed.replaced and not changed.repeated
    rows = [(r.rating, r.comment, r.rated_on) for r in Feedback.select().order_by(Feedback.id)]
    assert rows == [(3, "昨天的", date(2026, 11, 29)), (1, "改主意了", date(2026, 11, 30))]
