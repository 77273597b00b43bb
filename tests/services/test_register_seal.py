"""Sealing the register: chains hashed before the key existed (or under a previous key) are
re-signed when they hold, and stay reported when they do not; unkeyed hashes are accepted
only when asked for, and only once."""

from datetime import timedelta

import pytest

from models import AuditLog, RecordHistory, ServiceRecord
from services import history, register_check, register_seal, review
from services.errors import Conflict
from tests.conftest import HISTORY_KEY
from tests.factories import NOW
from tests.register_world import (
    build_world,
    checked_in,
    hmac_under,
    plain_sha256,
    rewrite_history,
)

LATER = NOW + timedelta(hours=3)


@pytest.fixture
def world(database):
    return build_world()


def legacy(member, **kw) -> ServiceRecord:
    """An entry as the service left it before its history was keyed."""
    record = checked_in(member, filled=True, **kw)
    rewrite_history(record, plain_sha256)
    return record


def problems() -> dict[int, str]:
    return {t.record_id: t.problem for t in register_check.verify(LATER)}


def test_holding_legacy_chains_are_resigned_and_tampered_ones_stay_reported(world):
    good, keyed = legacy(world.alice), checked_in(world.carol, filled=True)
    tampered = legacy(world.bob)
    ServiceRecord.update(duration_minutes=600).where(ServiceRecord.id == tampered.id).execute()
    assert set(problems()) == {good.id, tampered.id}
    report = register_seal.seal(LATER, legacy=True)
    assert (report.resigned, report.current, report.legacy) == ((good.id,), 1, True)
    assert [(t.record_id, t.problem) for t in report.broken] == [
        (tampered.id, f"记录被绕过系统修改：服务时长（分钟） {tampered.duration_minutes} → 600")
    ]
    assert problems() == {tampered.id: "第 1 条历史签名不符（被伪造或改动）"}
    assert history.verify_record(ServiceRecord.get_by_id(keyed.id)) is None


def test_a_legacy_chain_the_service_added_to_before_the_seal_is_resigned(world):
    """Deployed, a member fills in, then the operator seals: one chain, two schemes."""
    entry = legacy(world.alice)
    review.fill_in(world.actor("alice"), entry.id, LATER, outcome="又清理了两层")
    assert entry.id in problems()
    assert register_seal.seal(LATER, legacy=True).resigned == (entry.id,)
    assert problems() == {}


def test_unkeyed_hashes_are_accepted_only_when_asked_for(world):
    """A seal after a key change must not launder a chain someone wrote with plain hashes."""
    entry = legacy(world.alice)
    report = register_seal.seal(LATER, previous_key="some-previous-key-0123456789")
    assert (report.legacy, report.resigned) == (False, ())
    assert [t.record_id for t in report.broken] == [entry.id]
    assert not register_seal.legacy_sealed()
    assert register_seal.seal(LATER, legacy=True).resigned == (entry.id,)


def test_unkeyed_hashes_are_accepted_once(world):
    register_seal.seal(LATER, legacy=True)
    assert register_seal.legacy_sealed()
    forged = legacy(world.alice)
    ServiceRecord.update(duration_minutes=600).where(ServiceRecord.id == forged.id).execute()
    rewrite_history(forged, plain_sha256, duration_minutes=600)
    with pytest.raises(Conflict, match="不再接受"):
        register_seal.seal(LATER, legacy=True)
    assert [t.record_id for t in register_seal.seal(LATER).broken] == [forged.id]
    assert problems() == {forged.id: "第 1 条历史签名不符（被伪造或改动）"}


def test_after_a_key_change_chains_under_the_previous_key_are_resigned(world):
    register_seal.seal(NOW, legacy=True)  # the upgrade's seal, long ago
    old_key, new_key = HISTORY_KEY, "the-new-register-history-key-0123456789"
    entry, stranger = checked_in(world.alice, filled=True), legacy(world.bob)
    history.use_key(new_key)
    assert set(problems()) == {entry.id, stranger.id}
    report = register_seal.seal(LATER, previous_key=old_key)
    assert report.resigned == (entry.id,) and report.previous_key
    assert [t.record_id for t in report.broken] == [stranger.id]
    history.use_key(old_key)
    assert entry.id in problems()  # the old key no longer verifies anything re-signed


def test_a_chain_forged_under_the_wrong_key_is_not_resigned(world):
    entry = checked_in(world.alice, filled=True)
    ServiceRecord.update(duration_minutes=600).where(ServiceRecord.id == entry.id).execute()
    rewrite_history(entry, hmac_under("a-guess-at-the-key-0123456789"), duration_minutes=600)
    report = register_seal.seal(LATER, previous_key="some-previous-key-0123456789")
    assert [t.record_id for t in report.broken] == [entry.id]
    assert entry.id in problems()


def test_sealing_twice_changes_nothing_and_each_run_is_audited(world):
    entries = [legacy(world.alice), legacy(world.bob)]
    assert len(register_seal.seal(LATER, legacy=True).resigned) == 2
    hashes = [h.hash for e in entries for h in e.history.order_by(RecordHistory.seq)]
    again = register_seal.seal(LATER)
    assert (again.resigned, again.current, again.broken) == ((), 2, ())
    assert [h.hash for e in entries for h in e.history.order_by(RecordHistory.seq)] == hashes
    seals = (register_seal.SEALED_LEGACY, register_seal.SEALED)
    audits = AuditLog.select().where(AuditLog.action.in_(seals)).order_by(AuditLog.id)
    assert [(a.action, a.detail["resigned"]) for a in audits] == [(seals[0], 2), (seals[1], 0)]


def test_report_lines_for_the_command(world):
    good, tampered = legacy(world.alice), legacy(world.bob)
    ServiceRecord.update(outcome="帮扶十户").where(ServiceRecord.id == tampered.id).execute()
    lines = register_seal.report_lines(register_seal.seal(NOW, legacy=True), NOW)
    assert lines == [
        "2026-11-29 10:00 登记簿历史签名完成："
        "1 条记录的历史已用新密钥重新签名，0 条本已是新密钥签名。",
        "本次接受了旧格式（无密钥）的历史；以后不再接受。",
        "1 条记录的历史不成立，未重新签名，核验时仍会报告：",
        f"  bob 2026-11-29 分散活动（记录 #{tampered.id}）："
        f"记录被绕过系统修改：取得成效 {tampered.outcome} → 帮扶十户",
    ]
    assert good.id not in problems()
