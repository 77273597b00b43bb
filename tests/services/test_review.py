"""Changing an entry: the member's fill-in, the leader's review, the office's correction; each
with its permission, its validation and its history line."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from models import RecordHistory, ServiceRecord, db
from services import history, review
from services.errors import Conflict, Forbidden, Invalid, NotFound
from tests.factories import NOW, QUIET, RULES
from tests.register_world import build_world, checked_in

LATER = NOW + timedelta(hours=3)
DECISIONS = review.DECISIONS


@pytest.fixture
def world(database):
    return build_world()


@pytest.fixture
def entry(world):
    """Alice's entry, checked out, not yet filled in, flagged for the leader."""
    return checked_in(world.alice, status="flagged", flags=["out_of_range"])


def _last(record) -> RecordHistory:
    return record.history.order_by(RecordHistory.seq.desc()).first()


def _fresh(record) -> ServiceRecord:
    return ServiceRecord.get_by_id(record.id)


def test_member_fills_in_their_own_entry(world, entry):
    review.fill_in(
        world.actor("alice"),
        entry.id,
        LATER,
        content="  清理楼道  ",
        target="3号楼",
        outcome="整洁",
    )
    stored = _fresh(entry)
    assert (stored.content, stored.target, stored.outcome) == ("清理楼道", "3号楼", "整洁")
    line = _last(entry)
    assert (line.action, line.actor, line.at) == ("fill", f"member:{world.alice.id}", LATER)
    assert line.changes == {
        "content": ["", "清理楼道"],
        "target": ["", "3号楼"],
        "outcome": ["", "整洁"],
    }
    assert history.verify_record(stored) is None


def test_fill_in_changes_only_the_fields_given(world, entry):
    review.fill_in(world.actor("alice"), entry.id, NOW, content="清理楼道", target="3号楼")
    review.fill_in(world.actor("alice"), entry.id, LATER, outcome="整洁")
    stored = _fresh(entry)
    assert (stored.content, stored.target, stored.outcome) == ("清理楼道", "3号楼", "整洁")
    assert _last(entry).changes == {"outcome": ["", "整洁"]}
    assert stored.updated_at == LATER


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"content": "字" * 501}, "text_too_long"),
        ({"target": "字" * 201}, "text_too_long"),
        ({"outcome": "字" * 501}, "text_too_long"),
        ({"content": "a\x00b"}, "bad_text"),
        ({"content": "\ud800"}, "bad_text"),
        ({"content": 5}, "bad_field"),
    ],
)
def test_fill_in_validation(world, entry, fields, code):
    with pytest.raises(Invalid) as refused:
        review.fill_in(world.actor("alice"), entry.id, LATER, **fields)
    assert refused.value.code == code
    assert entry.history.count() == 2


def test_limits_count_characters_after_trimming(world, entry):
    review.fill_in(world.actor("alice"), entry.id, LATER, target=" " + "字" * 200 + " ")
    assert _fresh(entry).target == "字" * 200


@pytest.mark.parametrize(
    ("who", "error", "code"),
    [
        ("leader_a", Forbidden, "not_author"),
        ("office", Forbidden, "correction_reason_required"),
        ("bob", NotFound, "record_not_found"),
        ("leader_b", NotFound, "record_not_found"),
    ],
)
def test_only_the_member_fills_in(world, entry, who, error, code):
    with pytest.raises(error) as refused:
        review.fill_in(world.actor(who), entry.id, LATER, content="改写")
    assert refused.value.code == code
    assert _fresh(entry).content == ""


def test_a_rejected_entry_is_closed_to_fill_in(world, entry):
    review.review(world.actor("leader_a"), entry.id, "reject", "照片不是本次活动", NOW, QUIET)
    with pytest.raises(Conflict):
        review.fill_in(world.actor("alice"), entry.id, LATER, content="补写")


def test_rewriting_what_the_leader_verified_sends_the_entry_back_to_the_leader(world, entry):
    alice = world.actor("alice")
    review.fill_in(alice, entry.id, NOW, content="清理楼道", target="3号楼")
    review.review(world.actor("leader_a"), entry.id, "verify", "", NOW, QUIET)
    review.fill_in(alice, entry.id, LATER, outcome="整洁")  # filling in what was empty: fine
    assert _fresh(entry).status == "verified"
    review.fill_in(alice, entry.id, LATER, target="为一千名居民测量血压")
    stored = _fresh(entry)
    assert stored.status == "flagged" and stored.flags[-1] == "edited_after_review"
    assert history.verify_record(stored) is None


def test_a_fill_in_before_any_review_keeps_the_status(world):
    verified = checked_in(world.alice, status="verified", flags=[])
    alice = world.actor("alice")
    review.fill_in(alice, verified.id, NOW, content="清理楼道")
    review.fill_in(alice, verified.id, LATER, content="清理楼道和楼梯")
    assert _fresh(verified).status == "verified"


def test_written_text_cannot_be_blanked(world, entry):
    review.fill_in(world.actor("alice"), entry.id, NOW, content="清理楼道")
    with pytest.raises(Invalid) as refused:
        review.fill_in(world.actor("alice"), entry.id, LATER, content="   ")
    assert refused.value.code == "text_required" and _fresh(entry).content == "清理楼道"


def test_leader_reviews_their_team_members_entry(world, entry):
    review.review(world.actor("leader_a"), entry.id, "verify", " 已电话核实 ", LATER, QUIET)
    stored = _fresh(entry)
    assert (stored.status, stored.review_comment) == ("verified", "已电话核实")
    line = _last(entry)
    assert (line.action, line.reason, line.actor) == (
        "review",
        "已电话核实",
        f"member:{world.leader_a.id}",
    )
    assert line.changes == {"status": ["flagged", "verified"], "review_comment": ["", "已电话核实"]}


def test_rejecting_needs_a_reason(world, entry):
    with pytest.raises(Invalid) as refused:
        review.review(world.actor("leader_a"), entry.id, "reject", "   ", LATER, QUIET)
    assert refused.value.code == "comment_required"
    review.review(world.actor("leader_a"), entry.id, "reject", "不在活动现场", LATER, QUIET)
    assert _fresh(entry).status == "rejected"


@pytest.mark.parametrize(
    ("who", "owner", "error", "code"),
    [
        ("alice", "alice", Forbidden, "leader_only"),
        ("bob", "alice", NotFound, "record_not_found"),
        ("leader_b", "alice", NotFound, "record_not_found"),
        ("leader_a", "leader_a", Forbidden, "own_record"),
    ],
)
def test_who_may_not_review(world, who, owner, error, code):
    record = checked_in(getattr(world, owner), status="flagged")
    with pytest.raises(error) as refused:
        review.review(world.actor(who), record.id, "verify", "", LATER, QUIET)
    assert refused.value.code == code
    assert _fresh(record).status == "flagged"


def test_office_reviews_a_leaders_own_entry(world):
    record = checked_in(world.leader_a, status="flagged")
    review.review(world.actor("office"), record.id, "verify", "", LATER, QUIET)
    assert _fresh(record).status == "verified"


@pytest.mark.parametrize(
    "office_decides",
    [
        lambda office, entry: review.review(
            office, entry.id, "reject", "不在活动现场", LATER, QUIET
        ),
        lambda office, entry: review.review(office, entry.id, "verify", "", LATER, QUIET),
        lambda office, entry: review.correct(
            office,
            entry.id,
            LATER,
            reason="复核",
            status="verified",
            quiet_hours=QUIET,
            rules=RULES,
        ),
    ],
    ids=["office_rejected", "office_verified", "office_corrected_status"],
)
def test_a_leader_cannot_overturn_the_offices_decision(world, entry, office_decides):
    review.review(
        world.actor("leader_a"), entry.id, "reject", "照片模糊", NOW, QUIET
    )  # the leader first
    office_decides(world.actor("office"), entry)
    decided = _fresh(entry).status
    for decision in ("verify", "reject"):
        with pytest.raises(Forbidden) as refused:
            review.review(world.actor("leader_a"), entry.id, decision, "现场核实", LATER, QUIET)
        assert refused.value.code == "office_decided"
        assert refused.value.message == "该记录已由办公室审核，如需更改请联系办公室。"
    assert _fresh(entry).status == decided
    review.review(
        world.actor("office"), entry.id, "verify", "再次复核", LATER, QUIET
    )  # the office may
    assert _fresh(entry).status == "verified"


@pytest.mark.parametrize("sent_back_as", ["pending", "flagged"])
def test_an_office_correction_back_to_review_returns_the_entry_to_its_leader(
    world, entry, sent_back_as
):
    office = world.actor("office")
    review.review(office, entry.id, "reject", "不在活动现场", NOW, QUIET)
    review.correct(
        office,
        entry.id,
        NOW,
        reason="请队长重新核实",
        status=sent_back_as,
        quiet_hours=QUIET,
        rules=RULES,
    )
    review.review(world.actor("leader_a"), entry.id, "verify", "已电话核实", LATER, QUIET)
    assert _fresh(entry).status == "verified"
    assert history.last_decision(entry).actor == f"member:{world.leader_a.id}"


@pytest.mark.parametrize("decision", ["verify", "reject"])
def test_the_office_confirming_a_leaders_review_makes_the_decision_the_offices(
    world, entry, decision
):
    leader, office = world.actor("leader_a"), world.actor("office")
    review.review(leader, entry.id, decision, "照片模糊", NOW, QUIET)
    review.review(
        office, entry.id, decision, "照片模糊", LATER, QUIET
    )  # the same status and comment
    line = _last(entry)
    assert (line.action, line.actor, line.changes) == ("review", office.label, {})
    assert history.verify_record(_fresh(entry)) is None
    overturn = "reject" if decision == "verify" else "verify"
    with pytest.raises(Forbidden) as refused:
        review.review(leader, entry.id, overturn, "现场核实", LATER, QUIET)
    assert refused.value.code == "office_decided"
    assert _fresh(entry).status == DECISIONS[decision]


def test_the_office_confirming_its_own_decision_again_is_recorded_once(world, entry):
    for _ in range(2):
        review.review(world.actor("office"), entry.id, "verify", "核实", LATER, QUIET)
    assert [h.action for h in entry.history] == ["checkin", "checkout", "review"]


def test_an_office_correction_naming_the_current_status_makes_the_decision_the_offices(
    world, entry
):
    """Naming the status an entry already has is the office confirming it, as an office review
    with the same decision is: the leader can no longer overturn it."""
    leader, office = world.actor("leader_a"), world.actor("office")
    review.review(leader, entry.id, "verify", "核实", NOW, QUIET)
    fields = {"status": "verified", "content": "清理楼道"}
    review.correct(
        office, entry.id, LATER, reason="补全内容", **fields, quiet_hours=QUIET, rules=RULES
    )
    assert [(h.action, h.actor) for h in entry.history][-2:] == [
        ("correct", office.label),
        ("review", office.label),
    ]
    assert _last(entry).changes == {}
    assert history.verify_record(_fresh(entry)) is None
    with pytest.raises(Forbidden) as refused:
        review.review(leader, entry.id, "reject", "照片模糊", LATER, QUIET)
    assert refused.value.code == "office_decided"
    assert _fresh(entry).status == "verified"


OFFICE_CONFIRMS = {
    "by_review": lambda office, entry_id: review.review(
        office, entry_id, "verify", "核实", LATER, QUIET
    ),
    "by_correction": lambda office, entry_id: review.correct(
        office, entry_id, LATER, reason="核实", status="verified", quiet_hours=QUIET, rules=RULES
    ),
}


@pytest.mark.parametrize("confirm", OFFICE_CONFIRMS.values(), ids=OFFICE_CONFIRMS)
def test_the_office_confirming_a_leaders_review_twice_is_recorded_once(world, entry, confirm):
    office = world.actor("office")
    review.review(world.actor("leader_a"), entry.id, "verify", "核实", NOW, QUIET)
    for _ in range(2):
        confirm(office, entry.id)
    lines = list(entry.history.order_by(RecordHistory.seq))
    assert [h.action for h in lines] == ["checkin", "checkout", "review", "review"]
    assert [(h.actor, h.changes) for h in lines if not h.changes] == [(office.label, {})]
    assert history.verify_record(_fresh(entry)) is None


@pytest.mark.parametrize("confirm", OFFICE_CONFIRMS.values(), ids=OFFICE_CONFIRMS)
def test_a_rewrite_after_the_office_confirmed_a_leaders_review_goes_back_to_review(
    world, entry, confirm
):
    alice = world.actor("alice")
    review.fill_in(alice, entry.id, NOW, content="清理楼道", target="3号楼", outcome="整洁")
    review.review(world.actor("leader_a"), entry.id, "verify", "核实", NOW, QUIET)
    confirm(world.actor("office"), entry.id)
    review.fill_in(alice, entry.id, LATER, content="清理楼道和车棚")
    stored = _fresh(entry)
    assert stored.status == "flagged" and stored.flags[-1] == "edited_after_review"
    review.review(world.actor("leader_a"), entry.id, "verify", "已核实", LATER, QUIET)
    assert _fresh(entry).status == "verified"


def test_an_office_correction_of_text_only_leaves_the_review_to_the_leader(world, entry):
    review.correct(
        world.actor("office"),
        entry.id,
        LATER,
        reason="错别字",
        content="清理楼道",
        quiet_hours=QUIET,
        rules=RULES,
    )
    review.review(world.actor("leader_a"), entry.id, "verify", "", LATER, QUIET)
    assert _fresh(entry).status == "verified"


def test_an_entry_rewritten_after_the_office_verified_it_goes_back_to_the_leader(world, entry):
    alice = world.actor("alice")
    review.fill_in(alice, entry.id, NOW, content="清理楼道", target="3号楼", outcome="整洁")
    review.review(world.actor("office"), entry.id, "verify", "", NOW, QUIET)
    review.fill_in(alice, entry.id, LATER, content="清理楼道和车棚")
    assert _fresh(entry).status == "flagged"
    review.review(world.actor("leader_a"), entry.id, "verify", "已核实", LATER, QUIET)
    assert _fresh(entry).status == "verified"


def test_an_entry_rewritten_after_an_office_correction_to_verified_goes_back_to_review(
    world, entry
):
    """A correction to verified is the office's approval of the text it saw; a rewrite after
    it must go back to review, and the leader may then review it."""
    alice, office = world.actor("alice"), world.actor("office")
    review.fill_in(alice, entry.id, NOW, content="清理楼道", target="3号楼", outcome="整洁")
    review.correct(
        office,
        entry.id,
        NOW,
        reason="现场照片已核实",
        status="verified",
        quiet_hours=QUIET,
        rules=RULES,
    )
    review.fill_in(alice, entry.id, LATER, content="清理楼道和车棚")
    stored = _fresh(entry)
    assert stored.status == "flagged" and stored.flags[-1] == "edited_after_review"
    review.review(world.actor("leader_a"), entry.id, "verify", "已核实", LATER, QUIET)
    assert _fresh(entry).status == "verified"


def test_a_rewrite_of_a_clean_check_in_keeps_it_verified(world):
    """A clean check-in is verified automatically, by nobody: rewriting its text is not
    rewriting something a reviewer approved."""
    record = checked_in(world.alice, filled=True)
    review.fill_in(world.actor("alice"), record.id, LATER, content="清理楼道和车棚")
    stored = _fresh(record)
    assert (stored.status, stored.flags) == ("verified", [])
    assert history.last_decision(stored) is None


@pytest.mark.parametrize("decision", ["approve", "", "VERIFY"])
def test_bad_decisions(world, entry, decision):
    with pytest.raises(Invalid):
        review.review(world.actor("leader_a"), entry.id, decision, "x", LATER, QUIET)


def test_the_same_review_twice_is_recorded_once(world, entry):
    for _ in range(2):
        review.review(world.actor("leader_a"), entry.id, "verify", "核实", LATER, QUIET)
    assert [h.action for h in entry.history] == ["checkin", "checkout", "review"]


def test_office_corrects_with_a_reason(world, entry):
    review.correct(
        world.actor("office"),
        entry.id,
        LATER,
        reason="签到表显示只服务了一小时",
        duration_minutes=60,
        status="verified",
        content="清理楼道",
        quiet_hours=QUIET,
        rules=RULES,
    )
    stored = _fresh(entry)
    assert (stored.duration_minutes, stored.status, stored.content) == (60, "verified", "清理楼道")
    line = _last(entry)
    assert (line.action, line.reason, line.actor) == (
        "correct",
        "签到表显示只服务了一小时",
        f"office:{world.office.id}",
    )
    assert set(line.changes) == {"duration_minutes", "status", "content", "review_comment"}
    assert stored.review_comment == "签到表显示只服务了一小时"  # the decision's reason


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"reason": "  "}, "reason_required"),
        ({"reason": "x", "duration_minutes": -1}, "bad_duration"),
        ({"reason": "x", "duration_minutes": 1441}, "bad_duration"),
        ({"reason": "x", "duration_minutes": True}, "bad_field"),
        ({"reason": "x", "status": "approved"}, "bad_status"),
        ({"reason": "x", "checkin_at": NOW}, "bad_field"),
    ],
)
def test_correction_validation(world, entry, fields, code):
    with pytest.raises(Invalid) as refused:
        review.correct(
            world.actor("office"), entry.id, LATER, **fields, quiet_hours=QUIET, rules=RULES
        )
    assert refused.value.code == code


@pytest.mark.parametrize("who", ["alice", "leader_a"])
def test_only_the_office_corrects(world, entry, who):
    with pytest.raises(Forbidden):
        review.correct(
            world.actor(who),
            entry.id,
            LATER,
            reason="x",
            duration_minutes=600,
            quiet_hours=QUIET,
            rules=RULES,
        )
    assert _fresh(entry).duration_minutes == 90


def test_edit_routes_by_who_is_acting(world, entry):
    review.edit(
        world.actor("alice"), entry.id, NOW, {"content": "清理楼道"}, quiet_hours=QUIET, rules=RULES
    )
    with pytest.raises(Forbidden) as refused:
        review.edit(
            world.actor("alice"),
            entry.id,
            NOW,
            {"duration_minutes": 600},
            quiet_hours=QUIET,
            rules=RULES,
        )
    assert refused.value.code == "office_only_field"
    with pytest.raises(Invalid):
        review.edit(
            world.actor("office"), entry.id, NOW, {"content": "改"}, quiet_hours=QUIET, rules=RULES
        )  # no reason
    review.edit(
        world.actor("office"),
        entry.id,
        LATER,
        {"duration_minutes": 80},
        "核对",
        quiet_hours=QUIET,
        rules=RULES,
    )
    assert [h.action for h in entry.history] == ["checkin", "checkout", "fill", "correct"]
    assert _fresh(entry).duration_minutes == 80


def test_concurrent_changes_to_one_entry_queue_and_all_stay(world, entry):
    """Three fields filled in and a review, all at once from four connections: each change
    waits for the one before (no lost update, no 'database is locked'), and the history chain
    lists every change in the order it landed."""
    barrier = threading.Barrier(4)
    alice, leader = world.actor("alice"), world.actor("leader_a")
    jobs = [
        lambda: review.fill_in(alice, entry.id, LATER, content="清理楼道"),
        lambda: review.fill_in(alice, entry.id, LATER, target="3号楼"),
        lambda: review.fill_in(alice, entry.id, LATER, outcome="整洁"),
        lambda: review.review(leader, entry.id, "verify", "核实", LATER, QUIET),
    ]

    def run(job):
        with db.connection_context():
            barrier.wait()
            job()

    with ThreadPoolExecutor(len(jobs)) as pool:
        for future in [pool.submit(run, job) for job in jobs]:
            future.result()
    stored = _fresh(entry)
    assert (stored.content, stored.target, stored.outcome, stored.status) == (
        "清理楼道",
        "3号楼",
        "整洁",
        "verified",
    )
    assert entry.history.count() == 6
    assert history.verify_record(stored) is None


def test_an_office_correction_deciding_the_status_carries_its_reason_as_the_comment(world, entry):
    """Leader rejects, the office corrects to rejected and then to verified: the member reads
    the latest decision's reason, never the leader's comment under the office's status."""
    office = world.actor("office")
    review.review(world.actor("leader_a"), entry.id, "reject", "重新看了一下", NOW, QUIET)
    review.correct(
        office,
        entry.id,
        LATER,
        reason="抽查发现照片与活动无关",
        status="rejected",
        quiet_hours=QUIET,
        rules=RULES,
    )
    assert _fresh(entry).review_comment == "抽查发现照片与活动无关"
    review.correct(
        office,
        entry.id,
        LATER,
        reason="复核后确认",
        status="verified",
        quiet_hours=QUIET,
        rules=RULES,
    )
    stored = _fresh(entry)
    assert (stored.status, stored.review_comment) == ("verified", "复核后确认")
    assert history.verify_record(stored) is None


def test_an_office_correction_not_deciding_the_status_keeps_the_comment(world, entry):
    review.review(world.actor("leader_a"), entry.id, "verify", "在现场", NOW, QUIET)
    review.correct(
        world.actor("office"),
        entry.id,
        LATER,
        reason="错别字",
        content="清理楼道",
        quiet_hours=QUIET,
        rules=RULES,
    )
    assert _fresh(entry).review_comment == "在现场"


@pytest.mark.parametrize("reviewer", ["leader_a", "office"])
def test_repeating_the_status_without_a_comment_keeps_the_comment(world, entry, reviewer):
    review.review(world.actor("leader_a"), entry.id, "verify", "已电话核实", NOW, QUIET)
    review.review(world.actor(reviewer), entry.id, "verify", "", LATER, QUIET)
    stored = _fresh(entry)
    assert (stored.status, stored.review_comment) == ("verified", "已电话核实")
    assert all("review_comment" not in h.changes for h in entry.history if h.seq > 3)


def test_a_new_status_without_a_comment_clears_the_old_one(world, entry):
    """The comment went with the earlier decision; it would mislead under the new one."""
    review.review(world.actor("leader_a"), entry.id, "reject", "照片模糊", NOW, QUIET)
    review.review(world.actor("leader_a"), entry.id, "verify", "", LATER, QUIET)
    assert (_fresh(entry).status, _fresh(entry).review_comment) == ("verified", "")
