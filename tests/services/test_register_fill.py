"""The member's fill-in of their own entry: what is still asked after the check-out wrote
the programme's text, and whose entries may be filled in this way."""

from datetime import timedelta

import pytest

from models import RecordHistory, ServiceRecord
from services import register_fill
from services.actors import Actor
from services.checkin import check_out
from services.errors import Conflict, Forbidden, NotFound
from tests.factories import NOW, make_activity, make_household
from tests.register_world import build_world, checked_in

LATER = NOW + timedelta(hours=3)
FIELDS_ALL = ("target", "content", "outcome")


@pytest.fixture
def world(database):
    return build_world()


def _fresh(record) -> ServiceRecord:
    return ServiceRecord.get_by_id(record.id)


def _checked_out(member, activity=None, **kw) -> ServiceRecord:
    """An entry checked out by the check-out service, which writes the programme's text."""
    entry = checked_in(member, activity, minutes=None, **kw)
    return check_out(Actor(member=member), entry.id, None, NOW + timedelta(minutes=90))


def test_an_activity_is_asked_target_and_outcome_what_was_done_is_the_check_outs(world):
    entry = _checked_out(world.alice, make_activity(world.team_a, title="义诊"))
    alice = world.actor("alice")
    assert register_fill.blanks(alice, entry.id).asked == ("target", "outcome")
    answers = {"target": "幸福社区老年居民", "outcome": "为20位居民测量血压"}
    register_fill.complete(alice, entry.id, LATER, answers)
    entry = _fresh(entry)
    assert (entry.content, entry.target, entry.outcome) == ("参加「义诊」", *answers.values())
    assert entry.history.order_by(RecordHistory.seq.desc()).first().action == "fill"


def test_an_individual_service_asks_all_three(world):
    entry = _checked_out(world.alice, kind="individual")
    assert register_fill.blanks(world.actor("alice"), entry.id).asked == FIELDS_ALL


def test_a_visit_is_not_asked_whom_it_served_the_check_out_named_the_household(world):
    visited = make_household(head_name="王秀英")
    entry = _checked_out(world.alice, kind="visit", household=visited)
    alice = world.actor("alice")
    assert register_fill.blanks(alice, entry.id).asked == ("content", "outcome")
    register_fill.complete(alice, entry.id, LATER, {"content": "入户走访：老人独自居住"})
    entry = _fresh(entry)
    assert (entry.content, entry.target, entry.outcome) == (
        "入户走访：老人独自居住",
        "结对家庭 王**户",
        "",
    )


def test_the_fill_in_writes_the_members_answers_only(world):
    """The programme's text is the check-out's: an entry checked out before it wrote any is
    asked every blank field, and nothing is written on the member's behalf."""
    entry = checked_in(world.alice, make_activity(world.team_a, title="义诊"))
    alice = world.actor("alice")
    assert register_fill.blanks(alice, entry.id).asked == FIELDS_ALL
    register_fill.complete(alice, entry.id, LATER, {"outcome": "为20位居民测量血压"})
    assert (_fresh(entry).content, _fresh(entry).outcome) == ("", "为20位居民测量血压")


def test_a_visit_with_no_household_to_name_asks_whom_it_served(world):
    entry = _checked_out(world.alice, kind="visit")
    assert register_fill.blanks(world.actor("alice"), entry.id).asked == FIELDS_ALL


def test_text_already_written_is_neither_asked_nor_replaced(world):
    activity = make_activity(world.team_a, title="义诊")
    entry = _checked_out(world.alice, activity, content="量血压", target="老年居民")
    alice = world.actor("alice")
    assert register_fill.blanks(alice, entry.id).asked == ("outcome",)
    register_fill.complete(alice, entry.id, LATER, {})
    assert (_fresh(entry).content, _fresh(entry).target) == ("量血压", "老年居民")


def test_nothing_is_asked_of_a_rejected_entry_and_it_cannot_be_completed(world):
    entry = checked_in(world.alice, kind="individual", status="rejected")
    alice = world.actor("alice")
    assert register_fill.blanks(alice, entry.id).asked == ()
    with pytest.raises(Conflict):
        register_fill.complete(alice, entry.id, LATER, {"outcome": "送去米面油"})


@pytest.mark.parametrize("who", ["bob", "leader_a"])
def test_another_members_entry_is_not_found(world, who):
    entry = checked_in(world.alice, kind="individual")
    with pytest.raises(NotFound):
        register_fill.blanks(world.actor(who), entry.id)
    with pytest.raises(NotFound):
        register_fill.complete(world.actor(who), entry.id, LATER, {"outcome": "x"})
    assert _fresh(entry).outcome == ""


def test_the_office_does_not_fill_in_as_a_member(world):
    entry = checked_in(world.alice, kind="individual")
    with pytest.raises(Forbidden):
        register_fill.complete(world.actor("office"), entry.id, LATER, {"outcome": "x"})


def test_an_open_visit_is_asked_its_notes_not_whom_its_check_out_will_name(world):
    visited = make_household(head_name="王秀英")
    entry = checked_in(world.alice, kind="visit", household=visited, minutes=None)
    alice = world.actor("alice")
    assert register_fill.blanks(alice, entry.id).asked == ("content", "outcome")
    assert register_fill.latest_unfilled(alice) == entry.id


def test_the_latest_unfilled_is_the_last_checked_out_or_still_open_one(world):
    alice = world.actor("alice")
    earlier = _checked_out(world.alice, kind="individual")
    assert register_fill.latest_unfilled(alice) == earlier.id
    later = checked_in(
        world.alice,
        kind="visit",
        household=make_household(),
        minutes=None,
        at=NOW + timedelta(hours=2),
    )
    assert register_fill.latest_unfilled(alice) == later.id
    register_fill.complete(alice, later.id, LATER, {"content": "入户走访", "outcome": "送米"})
    assert register_fill.latest_unfilled(alice) == earlier.id  # its target is the check-out's
