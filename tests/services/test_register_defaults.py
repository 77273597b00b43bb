"""What the programme writes into an entry by itself is written by the check-out service, in
the check-out's own history line, whichever transport checked out; text anybody wrote stays."""

from datetime import timedelta

import pytest

from models import RecordHistory, ServiceRecord
from services import history
from services.checkin import check_out
from services.checkin_rules import Point
from services.errors import Conflict
from services.register_defaults import automatic
from tests.factories import NOW, make_activity, make_household, pair
from tests.register_world import build_world, checked_in, counted_queries

LATER = NOW + timedelta(minutes=90)


@pytest.fixture
def world(database):
    return build_world()


def _open_visit(world, head_name="王秀英", **kw) -> ServiceRecord:
    visited = make_household(head_name=head_name, lat=34.75, lng=113.63)
    return checked_in(world.alice, kind="visit", household=visited, minutes=None, **kw)


def _lines(record) -> list[RecordHistory]:
    return list(record.history.order_by(RecordHistory.seq))


def test_an_activity_checked_out_says_what_was_done_in_the_check_outs_history_line(world):
    entry = checked_in(world.alice, make_activity(world.team_a, title="义诊"), minutes=None)
    check_out(world.actor("alice"), entry.id, None, LATER)
    stored = ServiceRecord.get_by_id(entry.id)
    assert (stored.content, stored.target, stored.outcome) == ("参加「义诊」", "", "")
    checkin, checkout = _lines(stored)
    assert checkout.action == "checkout"
    assert checkout.changes["content"] == ["", "参加「义诊」"]
    assert history.verify_record(stored) is None


def test_a_visit_checked_out_names_the_household_it_visited_not_todays_pairing(world):
    entry = _open_visit(world, head_name="王秀英")
    pair(world.alice, make_household(head_name="李建国"))
    check_out(world.actor("alice"), entry.id, None, LATER)
    stored = ServiceRecord.get_by_id(entry.id)
    assert (stored.content, stored.target) == ("", "结对家庭 王**户")
    assert _lines(stored)[-1].changes["target"] == ["", "结对家庭 王**户"]


@pytest.mark.parametrize(
    ("kind", "written"),
    [("activity", {"content": "为居民量血压"}), ("visit", {"target": "王阿姨一家"})],
)
def test_text_the_member_wrote_is_never_replaced(world, kind, written):
    if kind == "activity":
        entry = checked_in(world.alice, make_activity(world.team_a), minutes=None, **written)
    else:
        entry = _open_visit(world, **written)
    check_out(world.actor("alice"), entry.id, None, LATER)
    stored = ServiceRecord.get_by_id(entry.id)
    assert {name: getattr(stored, name) for name in written} == written


@pytest.mark.parametrize("how", ["individual", "visit without household"])
def test_nothing_is_written_where_the_programme_cannot_tell(world, how):
    entries = {
        "individual": lambda: checked_in(world.alice, kind="individual", minutes=None),
        "visit without household": lambda: checked_in(world.alice, kind="visit", minutes=None),
    }
    entry = entries[how]()
    check_out(world.actor("alice"), entry.id, None, LATER)
    stored = ServiceRecord.get_by_id(entry.id)
    assert stored.checkout_at == LATER
    assert (stored.content, stored.target, stored.outcome) == ("", "", "")


def test_nothing_is_written_into_an_entry_that_was_judged(world):
    """A rejected entry is not checked out (services.checkin.refusal), and the programme's
    text is never added to it (the system's closing of it asks register_defaults too)."""
    entry = checked_in(world.alice, make_activity(world.team_a), minutes=None, status="rejected")
    with pytest.raises(Conflict) as refused:
        check_out(world.actor("alice"), entry.id, None, LATER)
    assert refused.value.code == "record_rejected"
    stored = ServiceRecord.get_by_id(entry.id)
    assert stored.checkout_at is None and automatic(stored) == {}
    assert (stored.content, stored.target, stored.outcome) == ("", "", "")


@pytest.mark.parametrize("kind", ["activity", "visit"])
def test_the_defaults_cost_no_query_when_the_check_out_has_a_point(world, kind, monkeypatch):
    """The check-out measures its point from the activity or the household: that load serves
    the default too, so a blank entry costs what a written one does."""

    def open_entry(**written):
        if kind == "activity":
            return checked_in(world.alice, make_activity(world.team_a), minutes=None, **written)
        return _open_visit(world, **written)

    queries = []
    for written in ({"content": "自己写的", "target": "自己写的"}, {}):
        entry = open_entry(**written)
        with counted_queries(monkeypatch) as calls:
            check_out(world.actor("alice"), entry.id, Point(34.75, 113.63, "gcj02", 10), LATER)
        queries.append(len(calls))
    blank = ServiceRecord.get_by_id(entry.id)
    assert (blank.content if kind == "activity" else blank.target).startswith(("参加", "结对"))
    assert queries[0] == queries[1]
