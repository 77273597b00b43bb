"""A phone's retry of a form it posted before is known by the form's last answer, however
late it comes: a retry of an older form sent after the resident rated again on a newer one
changes nothing, while that older page posted with a new answer (Back, rate again) still
replaces the rating. The forms' answers go with the phone's keys after key_keep_days."""

from datetime import timedelta

import pytest

from models import Feedback, FeedbackForm
from services import feedback
from services.errors import DomainError
from services.feedback_targets import code_for
from services.housekeeping import purge_expired
from tests.factories import NOW, make_member, make_team
from tests.races import at_once
from tests.services.test_feedback import OPENED, rate, sender

LATER = NOW + timedelta(minutes=10)


@pytest.fixture
def code(database):
    member = make_member(name="王建国", team=make_team(name="第一服务队"))
    return code_for("member", member.id, NOW)


def standing() -> list:
    return [(r.rating, r.comment) for r in Feedback.select()]


def test_a_late_retry_of_an_older_form_leaves_the_newer_rating(code):
    """Rated 4 on one page, 2 on a newer one; then the phone resends the first page's post
    (a retry over a bad network): a repeat, and the rating stays 2."""
    old_form = sender().new_form_id(code, OPENED)
    rate(code, 4, "还行", form_id=old_form)
    rate(code, 2, "后来想想不太满意", now=NOW + timedelta(minutes=5))
    retry = rate(code, 4, "还行", form_id=old_form, now=LATER)
    assert retry.repeated and not retry.replaced
    assert (retry.feedback.rating, retry.feedback.comment) == (2, "后来想想不太满意")
    assert standing() == [(2, "后来想想不太满意")]
    assert Feedback.get().created_at == NOW + timedelta(minutes=5)


def test_back_to_an_older_form_with_a_new_answer_still_replaces(code):
    """Back to the first page, other stars: a change of mind, then its own retry a repeat."""
    old_form = sender().new_form_id(code, OPENED)
    rate(code, 4, "还行", form_id=old_form)
    rate(code, 2, "不太满意", now=NOW + timedelta(minutes=5))
    changed = rate(code, 5, "其实很好", form_id=old_form, now=LATER)
    assert changed.replaced and not changed.repeated
    assert standing() == [(5, "其实很好")]
    retry = rate(code, 5, "其实很好", form_id=old_form, now=LATER + timedelta(minutes=1))
    assert retry.repeated and standing() == [(5, "其实很好")]


def test_only_a_forms_last_answer_is_a_retry(code):
    """The first page posted 4, then (Back) 5: posting its 4 again is a new change of mind."""
    form = sender().new_form_id(code, OPENED)
    rate(code, 4, form_id=form)
    rate(code, 5, form_id=form, now=NOW + timedelta(minutes=1))
    again = rate(code, 4, form_id=form, now=NOW + timedelta(minutes=2))
    assert again.replaced and standing() == [(4, "")]


def test_a_form_remembers_its_last_answer_and_rating(code):
    form = sender().new_form_id(code, OPENED)
    first = rate(code, 4, "还行", form_id=form).feedback
    rate(code, 3, " 一般 ", form_id=form, now=LATER)
    kept = FeedbackForm.get(FeedbackForm.form_id == form)
    assert (kept.feedback_id, kept.rating, kept.comment, kept.at) == (first.id, 3, "一般", LATER)


def test_a_retry_of_another_targets_form_is_not_taken_for_this_one(code, database):
    """A form id names its card: the same answer posted to another card is no retry of it."""
    other = code_for("team", make_team(name="第二服务队").id, NOW)
    form = sender().new_form_id(code, OPENED)
    rate(code, 4, form_id=form)
    with pytest.raises(DomainError) as refused:
        rate(other, 4, form_id=form, now=LATER)
    assert refused.value.code == "bad_form" and standing() == [(4, "")]


@pytest.mark.parametrize("posts", [2, 4])
def test_twin_posts_of_a_newer_form_change_the_rating_once(code, posts):
    """A double tap on the newer page, each post on its own connection, while the phone
    already has a rating: one post replaces it, the others are repeats."""
    rate(code, 4, "还行")
    form = sender().new_form_id(code, NOW)
    later = NOW + timedelta(minutes=1)
    calls = [lambda: rate(code, 2, "不太满意", form_id=form, now=later) for _ in range(posts)]
    outcomes = at_once(calls, (DomainError,))
    assert all(isinstance(o, feedback.Submission) for o in outcomes), outcomes
    assert sorted(o.repeated for o in outcomes) == [False] + [True] * (posts - 1)
    assert standing() == [(2, "不太满意")]
    assert FeedbackForm.select().where(FeedbackForm.form_id == form).count() == 1


def test_twin_late_retries_of_an_older_form_change_nothing(code):
    old_form = sender().new_form_id(code, OPENED)
    rate(code, 4, "还行", form_id=old_form)
    rate(code, 2, "不太满意", now=NOW + timedelta(minutes=5))
    calls = [lambda: rate(code, 4, "还行", form_id=old_form, now=LATER) for _ in range(3)]
    outcomes = at_once(calls, (DomainError,))
    assert [o.repeated for o in outcomes] == [True] * 3, outcomes
    assert standing() == [(2, "不太满意")]


def test_the_forms_answers_go_with_the_phones_keys(code):
    """After key_keep_days a form's answer and id are gone, as the rating's keys are: only
    the rating itself stays. Today's forms stay."""
    old_form = sender().new_form_id(code, OPENED)
    rate(code, 4, "还行", form_id=old_form)
    today = NOW + timedelta(days=31)
    recent = rate(code, 3, who=sender("cookie-b"), now=today).feedback
    done = purge_expired(today)
    assert (done["feedback_keys"], done["feedback_forms"]) == (1, 1)
    assert [f.feedback_id for f in FeedbackForm.select()] == [recent.id]
    old = Feedback.get(Feedback.id != recent.id)
    assert (old.form_id, old.client_key, old.rating, old.comment) == (None, "", 4, "还行")
    assert Feedback.get_by_id(recent.id).form_id is not None


@pytest.mark.parametrize("days", [1, 7])
def test_a_forms_answer_is_kept_for_the_days_of_the_settings(code, days):
    """Kept through the last Shanghai day of key_keep_days, gone the day after."""
    rate(code, 4)
    assert purge_expired(NOW + timedelta(days=days), days)["feedback_forms"] == 0
    assert FeedbackForm.select().count() == 1
    assert purge_expired(NOW + timedelta(days=days + 1), days)["feedback_forms"] == 1
    assert FeedbackForm.select().count() == 0


def test_a_post_that_keeps_losing_the_race_for_its_form_is_thanked_not_failed(code, monkeypatch):
    """Posts of one form with other answers landing each time between this post's read of the
    form's last answer and its write (_FormMoved, in the first try and again after the race):
    the answer standing is theirs, as though this one had come first; nothing half-written."""
    form = sender().new_form_id(code, OPENED)
    rate(code, 4, "还行", form_id=form)

    def moved(known, form_id, row, answer, now):
        raise feedback._FormMoved(form_id)

    monkeypatch.setattr(feedback, "_remember", moved)
    done = rate(code, 1, "很差", form_id=form, now=LATER)
    assert (done.feedback.rating, done.feedback.comment) == (4, "还行")
    assert standing() == [(4, "还行")]
    assert [(f.rating, f.comment) for f in FeedbackForm.select()] == [(4, "还行")]
