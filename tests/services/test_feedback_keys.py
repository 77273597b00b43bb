"""The keyed hashes a rating keeps of its phone (client_key) and of its address (ip_key) are
forgotten after feedback.key_keep_days: the daily rules need only today's, so forgetting the
old ones changes no limit, and the ratings themselves stay as they were."""

from datetime import timedelta

import pytest

from models import Feedback
from services.errors import TooMany
from services.feedback_targets import code_for
from services.housekeeping import purge_expired
from tests.factories import NOW, make_member, make_team
from tests.services.test_feedback import rate
from tests.services.test_feedback_limits import PUBLIC, TIGHT, UNFIT, bot


@pytest.fixture
def codes(database):
    team = make_team(name="第一服务队")
    members = [make_member(name=name, team=team) for name in ("王建国", "李红")]
    return [code_for("member", m.id, NOW) for m in members]


def keys(row_id: int) -> tuple:
    row = Feedback.get_by_id(row_id)
    return row.client_key, row.ip_key, row.rated_on


def test_a_ratings_keys_are_forgotten_after_the_days_kept(codes):
    code, _ = codes
    held = rate(code, 2, UNFIT, who=bot(1, PUBLIC), limits=TIGHT).feedback
    kept = keys(held.id)
    assert kept[0] and kept[1] and kept[2]
    for days in (0, 29, 30):
        assert purge_expired(NOW + timedelta(days=days))["feedback_keys"] == 0
        assert keys(held.id) == kept
    assert purge_expired(NOW + timedelta(days=31))["feedback_keys"] == 1
    assert keys(held.id) == ("", "", None)
    row = Feedback.get_by_id(held.id)
    assert (row.rating, row.comment, row.moderation, row.held_reason) == (
        2,
        UNFIT,
        "pending",
        "content_filter",
    )
    assert row.created_at == NOW and row.target_key == held.target_key
    assert purge_expired(NOW + timedelta(days=32))["feedback_keys"] == 0


@pytest.mark.parametrize("days", [1, 7])
def test_the_days_kept_are_the_settings(codes, days):
    code, _ = codes
    row = rate(code, 5, who=bot(1)).feedback
    assert purge_expired(NOW + timedelta(days=days), days)["feedback_keys"] == 0
    assert purge_expired(NOW + timedelta(days=days + 1), days)["feedback_keys"] == 1
    assert keys(row.id) == ("", "", None)


def test_many_ratings_of_one_target_and_day_are_forgotten_together(codes):
    """Once forgotten, ratings of one target and day no longer share a phone's key: the
    daily unique rule is not in the way."""
    code, other = codes
    for n in range(3):
        rate(code, 4, who=bot(n))
        rate(other, 3, who=bot(n))
    assert purge_expired(NOW + timedelta(days=31))["feedback_keys"] == 6
    assert Feedback.select().where(Feedback.client_key != "").count() == 0
    assert Feedback.select().count() == 6


def outcomes(code, other, now) -> list:
    """What today's posts get: a held rating from the public address taken or refused, and
    the one phone's change of mind replacing its rating."""
    seen = []
    for n, target in enumerate([code, other, code, other, code], 20):
        try:
            done = rate(target, 1, UNFIT, who=bot(n, PUBLIC), now=now, limits=TIGHT)
            seen.append(done.feedback.moderation)
        except TooMany:
            seen.append("refused")
    changed = rate(code, 5, who=bot(20, PUBLIC), now=now + timedelta(minutes=1), limits=TIGHT)
    seen.append((changed.replaced, Feedback.select().count()))
    return seen


@pytest.mark.parametrize("purge", [False, True])
def test_forgetting_old_keys_changes_no_limit(codes, purge):
    """The same posts today get the same answers whether the older ratings' keys were just
    forgotten (with the fewest days the settings allow) or not: the ceilings and the one
    rating per phone a day count only today's Shanghai day. Today's and yesterday's keys
    stay."""
    code, other = codes
    today = NOW + timedelta(days=2)
    for back in (2, 1):  # the day before yesterday and yesterday: same phones, same address
        for n in range(20, 25):
            target = code if n % 2 == 0 else other
            rate(target, 1, UNFIT, who=bot(n, PUBLIC), now=today - timedelta(days=back))
    rate(code, 3, UNFIT, who=bot(30, PUBLIC), now=today - timedelta(minutes=5), limits=TIGHT)
    if purge:
        assert purge_expired(today, 1)["feedback_keys"] == 5
    recent = Feedback.select().where(Feedback.created_at >= today - timedelta(days=1, hours=1))
    assert all(row.client_key and row.ip_key and row.rated_on for row in recent)
    assert outcomes(code, other, today) == [
        "pending",
        "pending",
        "pending",
        "refused",  # the address's ceiling: four held today
        "refused",
        (True, 14),
    ]
