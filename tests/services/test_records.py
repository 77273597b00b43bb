"""Reading the register: who sees which entries, filters and paging, one entry with its
history, and the rule for hours."""

from datetime import date, datetime, timedelta

import pytest

from models import ServiceRecord
from services import records
from services.errors import Forbidden, Invalid, NotFound
from services.records import RecordFilters, list_records
from tests.factories import NOW, QUIET, RULES, make_activity, make_household
from tests.register_world import build_world, checked_in, counted_queries


@pytest.fixture
def world(database):
    return build_world()


@pytest.fixture
def entries(world):
    """One entry for each of leader_a, alice, bob (team A), leader_b and carol (team B)."""
    people = ("leader_a", "alice", "bob", "leader_b", "carol")
    return {
        who: checked_in(getattr(world, who), at=NOW - timedelta(hours=i))
        for i, who in enumerate(people)
    }


def _owners(world, found) -> set[str]:
    names = {
        getattr(world, who).id: who for who in ("leader_a", "alice", "bob", "leader_b", "carol")
    }
    return {names[r.member_id] for r in found}


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("alice", {"alice"}),
        ("leader_a", {"leader_a", "alice", "bob"}),
        ("leader_b", {"leader_b", "carol"}),
        ("office", {"leader_a", "alice", "bob", "leader_b", "carol"}),
    ],
)
def test_each_actor_sees_their_own_scope(world, entries, who, sees):
    found, total = list_records(world.actor(who), RecordFilters())
    assert _owners(world, found) == sees and total == len(sees)


def test_mine_narrows_a_leader_to_their_own(world, entries):
    found, _ = list_records(world.actor("leader_a"), RecordFilters(mine=True))
    assert _owners(world, found) == {"leader_a"}
    with pytest.raises(Forbidden):
        list_records(world.actor("office"), RecordFilters(mine=True))


@pytest.mark.parametrize(
    ("who", "member", "allowed"),
    [
        ("alice", "alice", True),
        ("alice", "bob", False),
        ("leader_a", "bob", True),
        ("leader_a", "carol", False),
        ("leader_b", "alice", False),
        ("office", "carol", True),
    ],
)
def test_filtering_by_member(world, entries, who, member, allowed):
    filters = RecordFilters(member_id=getattr(world, member).id)
    if not allowed:
        with pytest.raises(Forbidden):
            list_records(world.actor(who), filters)
        return
    found, total = list_records(world.actor(who), filters)
    assert _owners(world, found) == {member} and total == 1


LEADERS_ONLY = "只有队长和办公室可以按服务队（team_id）筛选登记，您可以查看本人的登记。"


@pytest.mark.parametrize(
    ("who", "team", "sees"),
    [
        ("office", "team_a", {"leader_a", "alice", "bob"}),
        ("office", "team_b", {"leader_b", "carol"}),
        ("leader_a", "team_a", {"leader_a", "alice", "bob"}),
        ("leader_a", "team_b", "队长只能查看本队的登记。"),  # another team's: Forbidden
        ("alice", "team_a", LEADERS_ONLY),  # their own team, but a member sees their own entries
        ("alice", "team_b", LEADERS_ONLY),
    ],
)
def test_filtering_by_team(world, entries, who, team, sees):
    filters = RecordFilters(team_id=getattr(world, team).id)
    if isinstance(sees, str):
        with pytest.raises(Forbidden) as refused:
            list_records(world.actor(who), filters)
        assert (refused.value.code, refused.value.message) == ("record_scope", sees)
        return
    found, total = list_records(world.actor(who), filters)
    assert _owners(world, found) == sees and total == len(sees)


@pytest.mark.parametrize("who", ["leader_a", "office"])
def test_filtering_by_a_member_that_does_not_exist_is_not_found(world, entries, who):
    """Not 403 as for another team's member (a leader would look for a team that has them),
    nor an empty page for the office: the id names nobody."""
    with pytest.raises(NotFound) as missing:
        list_records(world.actor(who), RecordFilters(member_id=999_999))
    assert (missing.value.code, missing.value.message) == ("member_not_found", "没有这位党员。")


@pytest.mark.parametrize("member_id", [999_999, "bob", "carol"])
def test_a_member_filtering_by_anyone_else_is_refused_whether_they_exist_or_not(
    world, entries, member_id
):
    """A plain member sees only their own entries: any other id is refused the same way, so
    the answer does not tell them which ids are members."""
    if isinstance(member_id, str):
        member_id = getattr(world, member_id).id
    with pytest.raises(Forbidden) as refused:
        list_records(world.actor("alice"), RecordFilters(member_id=member_id))
    assert (refused.value.code, refused.value.message) == ("record_scope", "您只能查看本人的登记。")


def test_a_leader_filtering_by_another_team_s_member_is_told_what_they_may_see(world, entries):
    with pytest.raises(Forbidden) as refused:
        list_records(world.actor("leader_a"), RecordFilters(member_id=world.carol.id))
    assert refused.value.message == "您只能查看本人或本队党员的登记。"


def test_filters_by_status_kind_and_activity(world):
    activity = make_activity(world.team_a)
    at_activity = checked_in(world.alice, activity)
    flagged = checked_in(world.alice, at=NOW - timedelta(days=1), status="flagged")
    visit = checked_in(world.alice, at=NOW - timedelta(days=2), kind="visit")
    alice = world.actor("alice")

    def ids(**kw):
        return [r.id for r in list_records(alice, RecordFilters(**kw))[0]]

    assert ids(activity_id=activity.id) == [at_activity.id]
    assert ids(status="flagged") == [flagged.id]
    assert ids(kind="visit") == [visit.id]
    assert ids(kind="individual", status="verified") == []


def test_waiting_entries_filter_by_statuses_and_by_whose_review(world):
    """statuses is any of several; awaiting_review_by is records.awaiting_review_by() as SQL:
    a member's flagged entry waits for the leader, a leader's own and one a leader registered
    for a member wait for the office."""
    made = {
        "alice_flagged": checked_in(world.alice, status="flagged"),
        "leaders_own": checked_in(world.leader_a, at=NOW - timedelta(hours=1), status="flagged"),
        "registered": checked_in(
            world.bob, at=NOW - timedelta(hours=2), status="pending", source="leader"
        ),
        "verified": checked_in(world.alice, at=NOW - timedelta(hours=3)),
        "rejected": checked_in(world.bob, at=NOW - timedelta(hours=4), status="rejected"),
    }
    office = world.actor("office")

    def names(**kw) -> set[str]:
        found = {r.id for r in list_records(office, RecordFilters(**kw))[0]}
        return {name for name, r in made.items() if r.id in found}

    waiting = {"alice_flagged", "leaders_own", "registered"}
    assert names(statuses=frozenset({"pending", "flagged"})) == waiting
    assert names(statuses=frozenset({"verified", "rejected"})) == {"verified", "rejected"}
    for reviewer in ("leader", "office"):
        by_rule = {n for n, r in made.items() if records.awaiting_review_by(r) == reviewer}
        assert names(awaiting_review_by=reviewer) == by_rule
    assert names(awaiting_review_by="leader") == {"alice_flagged"}


def test_dates_are_shanghai_days(world):
    """17:00 UTC on 29 November is 01:00 on 30 November in Shanghai."""
    late = checked_in(world.alice, at=datetime(2026, 11, 29, 17, 0))
    early = checked_in(world.alice, at=datetime(2026, 11, 29, 15, 59))
    alice = world.actor("alice")

    def ids(**kw):
        return {r.id for r in list_records(alice, RecordFilters(**kw))[0]}

    assert ids(date_from=date(2026, 11, 30)) == {late.id}
    assert ids(date_to=date(2026, 11, 29)) == {early.id}
    assert ids(date_from=date(2026, 11, 29), date_to=date(2026, 11, 30)) == {late.id, early.id}


def test_paging_newest_first(world):
    made = [checked_in(world.alice, at=NOW - timedelta(days=i)) for i in range(7)]
    alice = world.actor("alice")
    first, total = list_records(alice, RecordFilters(limit=3))
    last, _ = list_records(alice, RecordFilters(limit=3, offset=6))
    assert total == 7
    assert [r.id for r in first] == [r.id for r in made[:3]]
    assert [r.id for r in last] == [made[6].id]


@pytest.mark.parametrize(
    "filters",
    [
        RecordFilters(limit=0),
        RecordFilters(limit=101),
        RecordFilters(offset=-1),
        RecordFilters(offset=10**30),
        RecordFilters(status="approved"),
        RecordFilters(statuses=frozenset({"verified", "approved"})),
        RecordFilters(awaiting_review_by="member"),
        RecordFilters(kind="party"),
        RecordFilters(member_id=0),
        RecordFilters(team_id=0),
        RecordFilters(activity_id=2**40),
        RecordFilters(date_from=date(2026, 12, 1), date_to=date(2026, 11, 1)),
        RecordFilters(date_to=date.max),
        RecordFilters(date_from=date.min),
    ],
)
def test_bad_filters_are_refused(world, filters):
    with pytest.raises(Invalid):
        list_records(world.actor("office"), filters)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (RecordFilters(activity_id=0), "activity_id 应为活动编号。"),
        (RecordFilters(member_id=-1), "member_id 应为党员编号。"),
        (RecordFilters(limit=101), "每页条数 limit 应在 1 到 100 之间。"),
        (RecordFilters(offset=-1), "起始位置 offset 应在 0 到 1000000 之间。"),
        (
            RecordFilters(status="approved"),
            "status 应为 pending、verified、flagged、rejected 之一。",
        ),
        (RecordFilters(kind="party"), "kind 应为 activity、visit、individual 之一。"),
    ],
)
def test_a_bad_filter_is_named_in_plain_words(world, filters, message):
    with pytest.raises(Invalid) as refused:
        list_records(world.actor("office"), filters)
    assert (refused.value.code, refused.value.message) == ("bad_filter", message)


def test_listing_costs_the_same_few_queries_for_any_page(world, monkeypatch):
    activity = make_activity(world.team_a)

    def listed():
        with counted_queries(monkeypatch) as calls:
            found, _ = list_records(world.actor("leader_a"), RecordFilters(limit=100))
            for r in found:  # everything the record JSON reads
                assert r.member.name and (r.activity is None or r.activity.title)
                assert r.registered_by_id is None or r.registered_by.name
                assert r.household_id is None or r.household.head_name  # masks a visit's text
                list(r.photos)
        return len(calls)

    checked_in(world.alice, activity)
    few = listed()
    for i in range(12):
        registered = {"source": "leader", "registered_by": world.leader_a} if i % 3 else {}
        at = NOW - timedelta(days=i + 1)
        checked_in(world.bob if i % 2 else world.alice, activity, at=at, **registered)
        checked_in(world.alice, at=at, kind="visit", household=make_household())
    assert listed() == few == 3


@pytest.mark.parametrize(
    ("who", "owner", "visible"),
    [
        ("alice", "alice", True),
        ("bob", "alice", False),
        ("leader_a", "alice", True),
        ("leader_b", "alice", False),
        ("carol", "alice", False),
        ("office", "alice", True),
    ],
)
def test_one_entry_is_shown_only_to_who_may_see_it(world, entries, who, owner, visible):
    record_id = entries[owner].id
    if not visible:
        with pytest.raises(NotFound):
            records.get_record(world.actor(who), record_id)
        return
    record = records.get_record(world.actor(who), record_id)
    assert record.id == record_id and record.photos == []
    history = records.record_history(record)
    assert [(h.action, h.actor_name) for h in history] == [
        ("checkin", world.alice.name),
        ("checkout", world.alice.name),
    ]


@pytest.mark.parametrize("record_id", [0, -1, 2**31, 2**70, 424242])
def test_impossible_or_unknown_ids_are_not_found(world, record_id):
    with pytest.raises(NotFound):
        records.get_record(world.actor("office"), record_id)


def test_office_actions_appear_as_the_office(world, entries):
    from services import review

    review.correct(
        world.actor("office"),
        entries["alice"].id,
        NOW,
        reason="核对",
        duration_minutes=60,
        quiet_hours=QUIET,
        rules=RULES,
    )
    history = records.record_history(ServiceRecord.get_by_id(entries["alice"].id))
    assert (history[-1].actor_name, history[-1].reason) == ("办公室", "核对")


FILLED = {"content": "打扫", "target": "住户", "outcome": "整洁"}


@pytest.mark.parametrize(
    ("values", "counts"),
    [
        ({"checkout_at": NOW, **FILLED}, True),
        ({"checkout_at": NOW, **FILLED, "status": "flagged"}, True),
        ({"checkout_at": NOW, **FILLED, "status": "rejected"}, False),
        ({"checkout_at": None, **FILLED}, False),
        ({"checkout_at": NOW, **FILLED, "target": ""}, False),
        ({"checkout_at": NOW, **FILLED, "outcome": "   "}, False),
        ({"checkout_at": NOW, **FILLED, "source": "leader", "status": "pending"}, True),
    ],
)
def test_counts_toward_hours(values, counts):
    record = ServiceRecord(**({"status": "verified", "source": "mp"} | values))
    assert records.counts_toward_hours(record) is counts


@pytest.mark.parametrize(
    ("source", "status", "photo_verified"),
    [
        ("mp", "verified", True),
        ("chat", "verified", True),
        ("mp", "flagged", False),
        ("leader", "verified", False),
        ("leader", "pending", False),
    ],
)
def test_photo_verified_never_for_a_leaders_registration(source, status, photo_verified):
    record = ServiceRecord(source=source, status=status)
    assert records.is_photo_verified(record) is photo_verified
    assert records.is_registered_by_leader(record) is (source == "leader")
