"""An office correction of an entry's hours weighs the flags that follow from its times again,
with the rules check-out used: a doubt that no longer holds goes, one that now holds comes,
in the correction's own history line, and the register check still holds."""

from dataclasses import replace
from datetime import timedelta

import pytest

from models import Member, RecordHistory, ServiceRecord
from services import history, register_check, review
from services.actors import Actor
from services.checkin import check_out
from services.errors import Conflict
from tests.factories import NOW, QUIET, RULES, office_actor
from tests.services.test_checkin import make_scene

FIXED = "核对签到签退记录后更正服务时长"


@pytest.fixture
def scene(database, tmp_path):
    return make_scene(tmp_path / "photos")


@pytest.fixture
def office(database):
    return office_actor("office-hours")


def leader_of(scene) -> Actor:
    team = scene.member.team
    return Actor(member=team.members.where(Member.role == "leader").get())


def closed(scene, minutes: int, target=None, request_id="r1", point=None) -> ServiceRecord:
    """An entry the member checked in to at NOW and out of `minutes` later, by the services."""
    record = scene.check_in(target=target, request_id=request_id, point=point).record
    return check_out(scene.actor, record.id, None, NOW + timedelta(minutes=minutes), RULES)


def correct(office, record, rules=RULES, **fields) -> ServiceRecord:
    review.correct(
        office,
        record.id,
        NOW + timedelta(days=1),
        reason=FIXED,
        quiet_hours=QUIET,
        rules=rules,
        **fields,
    )
    return ServiceRecord.get_by_id(record.id)


def last_line(record) -> RecordHistory:
    return record.history.order_by(RecordHistory.seq.desc()).first()


def holds(record) -> bool:
    """The entry's chain holds, alone and in the whole register's check."""
    whole = [t.record_id for t in register_check.verify(NOW + timedelta(days=2))]
    return history.verify_record(record) is None and record.id not in whole


def test_a_proper_duration_clears_short_service(scene, office):
    """The tester's case: tapped in and out, the office sets the hours the member served."""
    entry = closed(scene, minutes=3)
    assert (entry.status, entry.flags) == ("flagged", ["short_service"])
    corrected = correct(office, entry, duration_minutes=90)
    assert corrected.duration_minutes == 90 and corrected.flags == []
    line = last_line(corrected)
    assert (line.action, line.reason) == ("correct", FIXED)
    assert line.changes == {
        "duration_minutes": [3, 90],
        "flags": [["short_service"], []],
        "status": ["flagged", "pending"],
    }
    assert holds(corrected)


def test_an_entry_left_without_doubts_still_waits_for_its_leader(scene, office):
    """No flag, but nobody decided it: pending, with the leader (a correction of hours is no
    decision; the leader still reviews the corrected entry)."""
    corrected = correct(office, closed(scene, minutes=3), duration_minutes=90)
    assert corrected.status == "pending" and history.last_decision(corrected) is None
    review.review(leader_of(scene), corrected.id, "verify", "", NOW + timedelta(days=2), QUIET)
    assert ServiceRecord.get_by_id(corrected.id).status == "verified"


def test_a_proper_duration_clears_late_checkout(scene, office):
    """Checked out long after the activity ended; the office sets the activity's two hours."""
    entry = closed(scene, minutes=150 + 121)
    assert entry.flags == ["late_checkout"]
    corrected = correct(office, entry, duration_minutes=120)
    assert (corrected.flags, corrected.status) == ([], "pending")
    assert corrected.checkout_at == entry.checkout_at  # when the member checked out stays
    assert holds(corrected)


def test_a_duration_too_short_adds_the_flag_and_sends_a_verified_entry_to_review(scene, office):
    entry = closed(scene, minutes=90)
    assert (entry.status, entry.flags) == ("verified", [])
    corrected = correct(office, entry, duration_minutes=3)
    assert (corrected.status, corrected.flags) == ("flagged", ["short_service"])
    assert last_line(corrected).changes["flags"] == [[], ["short_service"]]
    assert history.last_decision(corrected) is None  # the leader's turn
    assert holds(corrected)


def test_other_doubts_stay_and_keep_the_entry_flagged(scene, office):
    far = scene.near(metres=2000)
    entry = closed(scene, minutes=2, point=far)
    assert entry.flags == ["out_of_range", "short_service"]
    corrected = correct(office, entry, duration_minutes=60)
    assert (corrected.status, corrected.flags) == ("flagged", ["out_of_range"])
    assert "status" not in last_line(corrected).changes


def test_a_decision_stands_when_the_flags_change(scene, office):
    """The leader verified the short entry; the office's correction of the hours clears the
    flag and leaves the leader's decision as it was (no office confirmation line)."""
    entry = closed(scene, minutes=3)
    review.review(leader_of(scene), entry.id, "verify", "电话核实过", NOW, QUIET)
    lines = entry.history.count()
    corrected = correct(office, entry, duration_minutes=60)
    assert (corrected.status, corrected.flags) == ("verified", [])
    assert corrected.history.count() == lines + 1
    assert history.last_decision(corrected).action == "review"
    assert holds(corrected)


@pytest.mark.parametrize(
    ("checked_out", "corrected_to", "status", "flags"),
    [
        (3, 90, "verified", []),
        (90, 3, "verified", ["short_service"]),
        (90, 3, "pending", ["short_service"]),
    ],
)
def test_a_status_the_office_names_is_its_decision(
    scene, office, checked_out, corrected_to, status, flags
):
    entry = closed(scene, minutes=checked_out)
    corrected = correct(office, entry, duration_minutes=corrected_to, status=status)
    assert (corrected.status, corrected.flags) == (status, flags)
    assert holds(corrected)


def test_a_rejected_entry_stays_rejected(scene, office):
    entry = closed(scene, minutes=3)
    review.review(leader_of(scene), entry.id, "reject", "不是本人", NOW, QUIET)
    corrected = correct(office, entry, duration_minutes=60)
    assert (corrected.status, corrected.flags) == ("rejected", [])


@pytest.mark.parametrize("minutes", [0, 4, 5, 60, 150 + 120, 150 + 121])
@pytest.mark.parametrize("target", [None, "individual"])
def test_the_flags_are_those_check_out_gives_for_the_same_hours(scene, office, minutes, target):
    """A correction to N minutes leaves the time flags a check-out N minutes after the
    check-in leaves: one rule, not two."""
    entry = closed(scene, minutes=45, target=target, request_id="corrected")
    corrected = correct(office, entry, duration_minutes=minutes)
    ServiceRecord.update(status="rejected").execute()  # out of the way of the second check-in
    same = closed(scene, minutes=minutes, target=target, request_id="checked-out")
    assert corrected.flags == same.flags


def test_the_configured_rules_decide(scene, office):
    """A programme that asks for at least 30 minutes flags a corrected 20."""
    entry = closed(scene, minutes=90)
    strict = replace(RULES, min_duration_minutes=30)
    assert correct(office, entry, strict, duration_minutes=20).flags == ["short_service"]


def test_a_correction_that_leaves_the_hours_weighs_nothing(scene, office):
    """Text, or the same duration again: the flags stay as check-out left them, even under
    other rules."""
    entry = closed(scene, minutes=3)
    lenient = replace(RULES, min_duration_minutes=0)
    corrected = correct(office, entry, lenient, content="清理楼道", duration_minutes=3)
    assert (corrected.status, corrected.flags) == ("flagged", ["short_service"])
    assert set(last_line(corrected).changes) == {"content"}


# --- hours set on an entry still open -----------------------------------------------------


def test_hours_set_on_an_open_entry_close_it_and_stand(scene, office):
    """The tester's case: the member forgot to check out, the office set the hours it found
    out; the member's check-out afterwards is refused (as after the system's closing) and the
    office's hours stay, with the history as the office left it."""
    entry = scene.check_in().record
    corrected = correct(office, entry, duration_minutes=60)
    assert corrected.checkout_at == NOW + timedelta(minutes=60)
    assert (corrected.duration_minutes, corrected.status, corrected.flags) == (60, "verified", [])
    assert corrected.content == "参加「环境卫生整治」"  # as any closing fills it in
    line = last_line(corrected)
    assert (line.action, line.reason) == ("correct", FIXED)
    assert set(line.changes) == {"checkout_at", "duration_minutes", "content"}
    lines = corrected.history.count()
    with pytest.raises(Conflict) as refused:
        check_out(scene.actor, entry.id, None, NOW + timedelta(days=1, minutes=1), RULES)
    assert refused.value.code == "office_checked_out"
    assert refused.value.message == (
        "办公室已核定这次服务的时长（60 分钟），这次签到已结束，无需再签退；"
        "如有疑问，请联系办公室。"
    )
    after = ServiceRecord.get_by_id(entry.id)
    assert (after.duration_minutes, after.checkout_at) == (60, corrected.checkout_at)
    assert after.history.count() == lines and holds(after)


def test_hours_that_close_an_entry_are_weighed_as_its_check_out(scene, office):
    """Closing with 2 minutes flags the entry short, as a check-out 2 minutes in would; the
    leader still reviews it (the hours are no decision)."""
    entry = scene.check_in().record
    corrected = correct(office, entry, duration_minutes=2)
    assert (corrected.status, corrected.flags) == ("flagged", ["short_service"])
    assert history.last_decision(corrected) is None
    review.review(leader_of(scene), entry.id, "verify", "电话核实", NOW + timedelta(days=2), QUIET)
    assert ServiceRecord.get_by_id(entry.id).status == "verified"


def test_hours_not_served_yet_are_refused_and_the_entry_stays_open(scene, office):
    entry = scene.check_in().record
    lines = entry.history.count()
    with pytest.raises(Conflict) as refused:
        review.correct(
            office,
            entry.id,
            NOW + timedelta(minutes=20),
            reason=FIXED,
            quiet_hours=QUIET,
            rules=RULES,
            duration_minutes=60,
        )
    assert refused.value.code == "still_in_service"
    assert "签到至今只有 20 分钟，不能核定为 60 分钟" in refused.value.message
    unchanged = ServiceRecord.get_by_id(entry.id)
    assert unchanged.checkout_at is None and unchanged.history.count() == lines
    out = check_out(scene.actor, entry.id, None, NOW + timedelta(minutes=45), RULES)
    assert out.duration_minutes == 45


def test_a_correction_without_hours_leaves_an_open_entry_to_its_check_out(scene, office):
    entry = scene.check_in().record
    corrected = correct(office, entry, content="清理楼道杂物")
    assert corrected.checkout_at is None
    out = check_out(scene.actor, entry.id, None, NOW + timedelta(minutes=3), RULES)
    assert (out.duration_minutes, out.flags) == (3, ["short_service"])


def test_a_rejection_with_hours_closes_the_entry_without_filling_it_in(scene, office):
    entry = scene.check_in().record
    corrected = correct(office, entry, duration_minutes=0, status="rejected")
    assert corrected.checkout_at == NOW and corrected.status == "rejected"
    assert corrected.content == "" and holds(corrected)


def test_the_members_own_check_out_retried_after_an_office_correction_is_the_entry(scene, office):
    """Closed by the member: a retry answers the entry (with the office's hours), no error."""
    entry = closed(scene, minutes=3)
    correct(office, entry, duration_minutes=90)
    again = check_out(scene.actor, entry.id, None, NOW + timedelta(days=2), RULES)
    assert again.duration_minutes == 90
