"""Backfilling the defaults on entries checked out before check-out wrote them: only blank
automatic fields, through the history, once."""

from datetime import timedelta

import pytest

from models import RecordHistory, ServiceRecord
from services import register_backfill, register_check
from tests.factories import NOW, make_activity, make_household
from tests.register_world import build_world, checked_in

LATER = NOW + timedelta(days=30)


@pytest.fixture
def world(database):
    return build_world()


def _old_entries(world) -> dict:
    """Entries as check-out left them before it wrote the defaults, and some it never fills."""
    activity = make_activity(world.team_a, title="义诊")
    return {
        "activity": checked_in(world.alice, activity),
        "visit": checked_in(world.bob, kind="visit", household=make_household(head_name="王秀英")),
        "typed": checked_in(world.alice, activity, content="为居民量血压"),
        "spaces": checked_in(world.carol, make_activity(world.team_b, title="清扫"), content="  "),
        "open": checked_in(world.alice, activity, minutes=None),
        "rejected": checked_in(world.bob, activity, status="rejected"),
        "individual": checked_in(world.carol, kind="individual"),
    }


def _stored(entry) -> ServiceRecord:
    return ServiceRecord.get_by_id(entry.id)


def test_backfill_writes_only_blank_defaults_through_the_history_once(world):
    entries = _old_entries(world)
    report = register_backfill.backfill(LATER)
    wanted = {entries[k].id for k in ("activity", "visit", "spaces")}
    assert set(report.filled) == wanted
    assert report.fields == {"content": 2, "target": 1}
    assert _stored(entries["activity"]).content == "参加「义诊」"
    assert _stored(entries["spaces"]).content == "参加「清扫」"
    assert _stored(entries["visit"]).target == "结对家庭 王**户"
    assert _stored(entries["typed"]).content == "为居民量血压"
    for untouched in ("open", "rejected", "individual"):
        stored = _stored(entries[untouched])
        assert (stored.content, stored.target) == ("", ""), untouched
    line = _stored(entries["activity"]).history.order_by(RecordHistory.seq.desc()).first()
    assert (line.actor, line.action, line.at) == ("system", "backfill", LATER)
    assert line.changes == {"content": ["", "参加「义诊」"]}
    assert register_check.verify(LATER) == []
    again = register_backfill.backfill(LATER + timedelta(minutes=1))
    assert (again.filled, again.fields, again.skipped) == ((), {}, ())
    assert RecordHistory.select().where(RecordHistory.action == "backfill").count() == 3


def test_a_dry_run_counts_and_writes_nothing(world):
    entries = _old_entries(world)
    lines_before = RecordHistory.select().count()
    report = register_backfill.backfill(LATER, dry_run=True)
    assert len(report.filled) == 3 and report.dry_run
    assert _stored(entries["activity"]).content == ""
    assert RecordHistory.select().count() == lines_before
    assert register_backfill.report_lines(report, LATER) == [
        "2026-12-29 10:00 将补写 3 条记录的自动内容（服务内容 2 条，服务对象 1 条）。",
        "这是预演，没有写入任何内容。",
    ]


def test_an_entry_changed_behind_the_services_back_is_left_for_the_office(world):
    entry = checked_in(world.alice, make_activity(world.team_a))
    ServiceRecord.update(duration_minutes=600).where(ServiceRecord.id == entry.id).execute()
    report = register_backfill.backfill(LATER)
    assert (report.filled, report.skipped) == ((), (entry.id,))
    assert _stored(entry).content == ""
    assert f"#{entry.id}" in register_backfill.report_lines(report, LATER)[-1]
