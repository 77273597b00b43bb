"""The office's spot checks: the sampled entries named, results recorded once, changed only
with a note and kept, and a problem sending the entry back to review with its history."""

from datetime import date, datetime, timedelta

import pytest

from models import RecordHistory, ServiceRecord, SpotCheck, SpotCheckResult
from services import clock, history, register_check, review
from services.entry_labels import label_entries
from services.errors import Forbidden, Invalid, NotFound
from services.spot_check_results import (
    SpotCheckFilters,
    get_spot_check,
    list_spot_checks,
    record_result,
)
from tests.factories import QUIET, RULES, make_activity, make_household, pair
from tests.register_world import build_world, checked_in

SAMPLED_ON = date(2026, 11, 26)
MORNING = clock.to_utc(datetime(2026, 11, 26, 9, 0))
LATER = MORNING + timedelta(hours=2)


def shanghai(text: str) -> datetime:
    return clock.to_utc(datetime.fromisoformat(text))


@pytest.fixture
def world(database):
    return build_world()


@pytest.fixture
def office(world):
    return world.actor("office")


def sample(record, on=SAMPLED_ON) -> SpotCheck:
    return SpotCheck.create(record=record, sampled_on=on)


@pytest.fixture
def check(world):
    """Alice's verified entry at an activity, filled in, sampled this morning."""
    activity = make_activity(world.team_a, starts_at=shanghai("2026-11-25T09:00"), title="社区义诊")
    entry = checked_in(world.alice, activity, at=shanghai("2026-11-25T09:10"), filled=True)
    return sample(entry)


def _entry(check) -> ServiceRecord:
    return ServiceRecord.get_by_id(check.record_id)


def _lines(record) -> list[RecordHistory]:
    return list(record.history.order_by(RecordHistory.seq))


# --- entries named ------------------------------------------------------------------------


def test_entries_are_named_by_member_shanghai_day_and_what_was_done(world):
    activity = make_activity(world.team_a, starts_at=shanghai("2026-11-25T00:10"), title="义诊")
    pair(world.bob, make_household(community=world.team_a.community))
    at_activity = checked_in(world.alice, activity, at=shanghai("2026-11-25T00:20"))
    visit = checked_in(world.bob, at=shanghai("2026-11-25T15:05"), kind="visit")
    own = checked_in(world.carol, at=shanghai("2026-11-25T23:59"), kind="individual")
    labels = label_entries([at_activity.id, visit.id, own.id, 999_999])
    assert set(labels) == {at_activity.id, visit.id, own.id}  # no such entry: left out
    # 00:20 in Shanghai is the evening before in UTC: the day is Shanghai's.
    assert labels[at_activity.id].text == "alice 11月25日 00:20 义诊"
    assert labels[at_activity.id].day == date(2026, 11, 25)
    assert labels[visit.id].text == "bob 11月25日 15:05 结对家庭走访"
    assert labels[own.id].text == "carol 11月25日 23:59 个人服务（分散活动）"
    assert labels[own.id].team_name == world.team_b.name


def test_the_list_names_each_sampled_entry_and_filters(world, office, check):
    older = sample(checked_in(world.bob, at=shanghai("2026-11-20T10:00")), date(2026, 11, 21))
    record_result(office, older.id, "confirmed", "", MORNING)
    items, total = list_spot_checks(office, SpotCheckFilters())
    assert total == 2 and [v.id for v in items] == [check.id, older.id]  # newest sample first
    first = items[0]
    assert first.entry.id == check.record_id and first.entry.text == "alice 11月25日 09:10 社区义诊"
    assert (first.result, first.checked_by, first.history) == ("pending", None, [])
    pending, total = list_spot_checks(office, SpotCheckFilters(result="pending"))
    assert [v.id for v in pending] == [check.id] and total == 1
    window = SpotCheckFilters(date_from=date(2026, 11, 20), date_to=date(2026, 11, 21))
    assert [v.id for v in list_spot_checks(office, window)[0]] == [older.id]


@pytest.mark.parametrize(
    ("filters", "code"),
    [
        (SpotCheckFilters(result="maybe"), "bad_filter"),
        (SpotCheckFilters(limit=0), "bad_filter"),
        (SpotCheckFilters(limit=201), "bad_filter"),
        (SpotCheckFilters(offset=-1), "bad_filter"),
        (SpotCheckFilters(date_from=date(2026, 12, 2), date_to=date(2026, 12, 1)), "bad_window"),
        (SpotCheckFilters(date_from=date(1, 1, 1)), "bad_date"),
    ],
)
def test_bad_filters_are_refused(office, filters, code):
    """The dates get the codes every list gives them (services.date_window)."""
    with pytest.raises(Invalid) as refused:
        list_spot_checks(office, filters)
    assert refused.value.code == code


# --- recording results --------------------------------------------------------------------


def test_confirming_records_who_and_when_and_leaves_the_entry_alone(world, office, check):
    before = _lines(_entry(check))
    view = record_result(office, check.id, "confirmed", "  照片与活动一致 ", MORNING)
    assert (view.result, view.note) == ("confirmed", "照片与活动一致")
    assert (view.checked_by.id, view.checked_at) == (world.office.id, MORNING)
    assert [(h.result, h.recorded_by.id, h.recorded_at) for h in view.history] == [
        ("confirmed", world.office.id, MORNING)
    ]
    entry = _entry(check)
    assert entry.status == "verified" and len(_lines(entry)) == len(before)


@pytest.mark.parametrize("note", ["", "照片与活动一致"])
def test_the_same_result_again_is_not_a_second_result(office, check, note):
    record_result(office, check.id, "confirmed", "照片与活动一致", MORNING)
    again = record_result(office, check.id, "confirmed", note, LATER)
    assert len(again.history) == 1 and again.checked_at == MORNING
    assert SpotCheckResult.select().count() == 1


def test_a_problem_says_what_is_wrong(office, check):
    with pytest.raises(Invalid) as refused:
        record_result(office, check.id, "problem", "  ", MORNING)
    assert refused.value.code == "note_required"
    assert SpotCheck.get_by_id(check.id).result == "pending"
    assert _entry(check).status == "verified"


def test_a_problem_sends_the_entry_back_to_review_with_its_history(world, office, check):
    view = record_result(office, check.id, "problem", "照片与活动无关", MORNING)
    assert view.result == "problem" and view.entry.status == "flagged"
    entry = _entry(check)
    assert entry.status == "flagged" and entry.flags == ["spot_check_problem"]
    line = _lines(entry)[-1]
    assert (line.action, line.actor, line.at) == ("correct", f"office:{world.office.id}", MORNING)
    assert line.reason == "日常抽查发现问题：照片与活动无关"
    assert line.changes["status"] == ["verified", "flagged"]
    assert history.verify_record(entry) is None
    # It waits for the leader again, who may decide it.
    review.review(world.actor("leader_a"), entry.id, "reject", "照片不实", LATER, QUIET)
    assert _entry(check).status == "rejected"


def test_the_same_problem_again_flags_once(office, check):
    record_result(office, check.id, "problem", "照片与活动无关", MORNING)
    lines = len(_lines(_entry(check)))
    record_result(office, check.id, "problem", "", LATER)  # a retry
    record_result(office, check.id, "problem", "照片与活动无关", LATER)  # the same, resent
    assert len(_lines(_entry(check))) == lines
    assert SpotCheckResult.select().count() == 1


def test_an_amended_problem_is_in_the_entrys_history_once(world, office, check):
    """The tester's case: the entry still waits for the first finding's review when the office
    rewrites the problem; the leader reads the new wording, with who and when, in a line that
    changes nothing else. Sending it again, with or without the note, adds nothing."""
    record_result(office, check.id, "problem", "照片与活动无关", MORNING)
    lines = len(_lines(_entry(check)))
    amended = record_result(office, check.id, "problem", "照片为旧照片", LATER)
    assert [h.note for h in amended.history] == ["照片与活动无关", "照片为旧照片"]
    entry = _entry(check)
    added = [(h.action, h.actor, h.at, h.reason, h.changes) for h in _lines(entry)[lines:]]
    assert added == [
        (
            "correct",
            f"office:{world.office.id}",
            LATER,
            "日常抽查发现的问题已更新：照片为旧照片",
            {},
        )
    ]
    assert (entry.status, entry.flags) == ("flagged", ["spot_check_problem"])
    for retry in ("照片为旧照片", ""):
        record_result(office, check.id, "problem", retry, LATER + timedelta(minutes=5))
    assert len(_lines(_entry(check))) == lines + 1
    assert history.verify_record(entry) is None
    assert register_check.verify(LATER) == []
    # Still the leader's to review, as the first finding asked.
    assert history.last_decision(entry) is None
    review.review(world.actor("leader_a"), entry.id, "verify", "已核实", LATER, QUIET)
    assert _entry(check).status == "verified"


def test_a_problem_changed_back_and_forth_is_a_line_each_time_it_changes(office, check):
    """Each note that differs from the last problem's is a line; withdrawn (confirmed) and
    found again, the same problem is a new finding that sends the entry back once more."""
    record_result(office, check.id, "problem", "照片与活动无关", MORNING)
    lines = len(_lines(_entry(check)))
    record_result(office, check.id, "problem", "照片为旧照片", LATER)
    record_result(office, check.id, "problem", "照片与活动无关", LATER)
    record_result(office, check.id, "confirmed", "复核后照片无误", LATER)
    record_result(office, check.id, "problem", "照片与活动无关", LATER)
    reasons = [h.reason for h in _lines(_entry(check))[lines:]]
    assert reasons == [
        "日常抽查发现的问题已更新：照片为旧照片",
        "日常抽查发现的问题已更新：照片与活动无关",
        "日常抽查发现的问题已撤回：复核后照片无误",
        "日常抽查发现问题：照片与活动无关",
    ]
    assert (_entry(check).status, _entry(check).flags) == ("flagged", ["spot_check_problem"])


# --- a problem withdrawn (changed to confirmed) ---------------------------------------------


def test_a_withdrawn_problem_is_in_the_entrys_history_and_the_entry_verified_again(
    world, office, check
):
    """The tester's case: the office changes its problem to confirmed while the entry waits
    for the finding's review. The leader reads that the office took it back (who, when, why);
    the flag goes and the entry is verified again, by the office, which looked at it."""
    record_result(office, check.id, "problem", "照片与活动无关", MORNING)
    lines = len(_lines(_entry(check)))
    view = record_result(office, check.id, "confirmed", "复核后照片无误", LATER)
    assert view.result == "confirmed" and view.entry.status == "verified"
    entry = _entry(check)
    assert (entry.status, entry.flags) == ("verified", [])
    assert entry.review_comment == "日常抽查发现的问题已撤回：复核后照片无误"
    added = [(h.action, h.actor, h.at, h.reason, h.changes) for h in _lines(entry)[lines:]]
    assert added == [
        (
            "correct",
            f"office:{world.office.id}",
            LATER,
            "日常抽查发现的问题已撤回：复核后照片无误",
            {
                "flags": [["spot_check_problem"], []],
                "status": ["flagged", "verified"],
                "review_comment": ["", "日常抽查发现的问题已撤回：复核后照片无误"],
            },
        )
    ]
    assert history.verify_record(entry) is None
    assert register_check.verify(LATER) == []
    # The office's decision now: the leader no longer reviews it.
    assert review.decided_by(entry) == "office"
    with pytest.raises(Forbidden) as refused:
        review.review(world.actor("leader_a"), entry.id, "reject", "照片不实", LATER, QUIET)
    assert refused.value.code == "office_decided"


@pytest.mark.parametrize("note", ["", "复核后照片无误"])
def test_a_withdrawal_retried_adds_nothing(office, check, note):
    record_result(office, check.id, "problem", "照片与活动无关", MORNING)
    record_result(office, check.id, "confirmed", "复核后照片无误", LATER)
    lines = len(_lines(_entry(check)))
    again = record_result(office, check.id, "confirmed", note, LATER + timedelta(minutes=5))
    assert len(again.history) == 2 and len(_lines(_entry(check))) == lines


@pytest.mark.parametrize(("decision", "status"), [("verify", "verified"), ("reject", "rejected")])
def test_a_withdrawal_after_the_review_leaves_the_reviewers_decision(
    world, office, check, decision, status
):
    """The leader decided the finding already: the flag goes and the line tells the leader the
    office took it back (a rejection for it may be worth a second look), the decision stands."""
    record_result(office, check.id, "problem", "照片与活动无关", MORNING)
    leader = world.actor("leader_a")
    review.review(leader, check.record_id, decision, "已核实", MORNING, QUIET)
    record_result(office, check.id, "confirmed", "复核后照片无误", LATER)
    entry = _entry(check)
    assert (entry.status, entry.flags, entry.review_comment) == (status, [], "已核实")
    last = _lines(entry)[-1]
    assert (last.reason, last.changes) == (
        "日常抽查发现的问题已撤回：复核后照片无误",
        {"flags": [["spot_check_problem"], []]},
    )
    assert review.decided_by(entry) == "leader" and history.verify_record(entry) is None


def test_doubts_reviewed_before_the_sample_do_not_keep_a_withdrawn_entry_flagged(world, office):
    """A short service the leader verified before it was sampled: withdrawing the finding
    brings it back to verified, with the flag the leader had already seen."""
    activity = make_activity(world.team_a, starts_at=shanghai("2026-11-25T09:00"))
    at = shanghai("2026-11-25T09:10")
    entry = checked_in(
        world.alice, activity, at=at, minutes=3, status="flagged", flags=["short_service"]
    )
    review.review(world.actor("leader_a"), entry.id, "verify", "电话核实", MORNING, QUIET)
    check = sample(entry)
    record_result(office, check.id, "problem", "照片与活动无关", MORNING)
    assert _entry(check).flags == ["short_service", "spot_check_problem"]
    record_result(office, check.id, "confirmed", "复核后照片无误", LATER)
    assert (_entry(check).status, _entry(check).flags) == ("verified", ["short_service"])


def test_an_entry_whose_doubts_changed_after_the_finding_still_waits_for_its_review(
    world, office, check
):
    """The office corrected the hours after its finding (a new doubt, short_service): taking
    the finding back does not verify a doubt nobody reviewed."""
    record_result(office, check.id, "problem", "照片与活动无关", MORNING)
    review.correct(
        office,
        check.record_id,
        MORNING,
        reason="核实只服务了3分钟",
        quiet_hours=QUIET,
        rules=RULES,
        duration_minutes=3,
    )
    record_result(office, check.id, "confirmed", "复核后照片无误", LATER)
    entry = _entry(check)
    assert (entry.status, entry.flags) == ("flagged", ["short_service"])
    assert history.last_decision(entry) is None


def test_an_entry_left_without_doubts_after_changes_waits_for_its_leader_as_pending(world, office):
    """Short service verified, sampled, found wrong; the office then corrects the hours (the
    short_service doubt goes, the finding keeps it flagged); withdrawing the finding leaves no
    flag, but the hours changed since the leader's review: it waits for the leader, pending."""
    activity = make_activity(world.team_a, starts_at=shanghai("2026-11-25T09:00"))
    at = shanghai("2026-11-25T09:10")
    entry = checked_in(
        world.alice, activity, at=at, minutes=3, status="flagged", flags=["short_service"]
    )
    review.review(world.actor("leader_a"), entry.id, "verify", "电话核实", MORNING, QUIET)
    check = sample(entry)
    record_result(office, check.id, "problem", "服务时长不实", MORNING)
    review.correct(
        office,
        entry.id,
        MORNING,
        reason="核实服务了60分钟",
        quiet_hours=QUIET,
        rules=RULES,
        duration_minutes=60,
    )
    assert (_entry(check).status, _entry(check).flags) == ("flagged", ["spot_check_problem"])
    record_result(office, check.id, "confirmed", "时长已更正", LATER)
    assert (_entry(check).status, _entry(check).flags) == ("pending", [])
    assert history.verify_record(_entry(check)) is None


def test_a_problem_on_a_rejected_entry_withdrawn_writes_nothing(world, office, check):
    review.review(world.actor("leader_a"), check.record_id, "reject", "不是本人", MORNING, QUIET)
    record_result(office, check.id, "problem", "照片不是本人", MORNING)
    lines = len(_lines(_entry(check)))
    record_result(office, check.id, "confirmed", "看错了", LATER)
    assert _entry(check).status == "rejected" and len(_lines(_entry(check))) == lines


def test_an_amended_problem_leaves_a_rejected_entry_as_it_was(world, office, check):
    record_result(office, check.id, "problem", "照片与活动无关", MORNING)
    review.review(world.actor("leader_a"), check.record_id, "reject", "照片不实", LATER, QUIET)
    lines = len(_lines(_entry(check)))
    record_result(office, check.id, "problem", "照片为旧照片", LATER)
    assert _entry(check).status == "rejected" and len(_lines(_entry(check))) == lines


def test_a_new_problem_note_after_the_review_sends_the_entry_back_again(world, office, check):
    """The tester's case: the leader verified the flagged entry, then the office found more."""
    record_result(office, check.id, "problem", "照片与活动无关", MORNING)
    review.review(world.actor("leader_a"), check.record_id, "verify", "已核实", MORNING, QUIET)
    assert _entry(check).status == "verified"
    settled = len(_lines(_entry(check)))
    view = record_result(office, check.id, "problem", "签到地点与活动地点不符", LATER)
    assert view.result == "problem" and view.entry.status == "flagged"
    entry = _entry(check)
    assert entry.status == "flagged" and entry.flags == ["spot_check_problem"]
    lines = _lines(entry)
    assert len(lines) == settled + 1
    assert (lines[-1].action, lines[-1].at) == ("correct", LATER)
    assert lines[-1].reason == "日常抽查发现问题：签到地点与活动地点不符"
    assert lines[-1].changes["status"] == ["verified", "flagged"]
    assert history.verify_record(entry) is None
    # Still waiting for that review: amending the note adds its own line, nothing else.
    record_result(office, check.id, "problem", "签到地点距活动地点 2 公里", LATER)
    lines = _lines(_entry(check))
    assert len(lines) == settled + 2 and lines[-1].changes == {}
    assert lines[-1].reason == "日常抽查发现的问题已更新：签到地点距活动地点 2 公里"


def test_the_same_note_again_after_the_review_is_a_repeat(world, office, check):
    """A retry of the note already recorded is not a new finding, even after the review."""
    record_result(office, check.id, "problem", "照片与活动无关", MORNING)
    review.review(world.actor("leader_a"), check.record_id, "verify", "已核实", MORNING, QUIET)
    again = record_result(office, check.id, "problem", "照片与活动无关", LATER)
    assert len(again.history) == 1 and _entry(check).status == "verified"


def test_a_problem_found_in_a_rejected_entry_leaves_it_rejected(world, office, check):
    review.review(world.actor("leader_a"), check.record_id, "reject", "不是本人", MORNING, QUIET)
    lines = len(_lines(_entry(check)))
    view = record_result(office, check.id, "problem", "照片不是本人", LATER)
    assert view.result == "problem" and _entry(check).status == "rejected"
    assert len(_lines(_entry(check))) == lines


def test_changing_a_result_needs_a_note_and_keeps_the_earlier_one(world, office, check):
    record_result(office, check.id, "confirmed", "", MORNING)
    with pytest.raises(Invalid) as refused:
        record_result(office, check.id, "problem", "", LATER)
    assert refused.value.code == "note_required"
    changed = record_result(office, check.id, "problem", "复核发现照片为旧照片", LATER)
    assert [(h.result, h.recorded_at) for h in changed.history] == [
        ("confirmed", MORNING),
        ("problem", LATER),
    ]
    assert (changed.result, changed.checked_at) == ("problem", LATER)
    with pytest.raises(Invalid):
        record_result(office, check.id, "confirmed", "", LATER)
    back = record_result(office, check.id, "confirmed", "误判，照片无误", LATER)
    assert [h.result for h in back.history] == ["confirmed", "problem", "confirmed"]
    # The problem withdrawn before anyone reviewed it: the entry is as it was sampled.
    assert (_entry(check).status, _entry(check).flags) == ("verified", [])


@pytest.mark.parametrize(
    ("result", "note", "code"),
    [
        ("pending", "", "bad_result"),
        ("ok", "", "bad_result"),
        ("problem", "字" * 301, "text_too_long"),
        ("problem", "a\x00b", "bad_text"),
    ],
)
def test_bad_results_are_refused(office, check, result, note, code):
    with pytest.raises(Invalid) as refused:
        record_result(office, check.id, result, note, MORNING)
    assert refused.value.code == code
    assert SpotCheckResult.select().count() == 0


@pytest.mark.parametrize("spot_check_id", [999_999, 0, -1, 2**40])
def test_an_unknown_spot_check_is_not_found(office, check, spot_check_id):
    with pytest.raises(NotFound) as refused:
        record_result(office, spot_check_id, "confirmed", "", MORNING)
    assert refused.value.code == "spot_check_not_found"
    with pytest.raises(NotFound):
        get_spot_check(office, spot_check_id)


@pytest.mark.parametrize("who", ["alice", "leader_a", "leader_b"])
def test_only_the_office_spot_checks(world, check, who):
    actor = world.actor(who)
    for call in (
        lambda: list_spot_checks(actor, SpotCheckFilters()),
        lambda: record_result(actor, check.id, "problem", "照片不符", MORNING),
    ):
        with pytest.raises(Forbidden) as refused:
            call()
        assert refused.value.code == "office_only"
    assert SpotCheck.get_by_id(check.id).result == "pending"
    assert _entry(check).status == "verified"
