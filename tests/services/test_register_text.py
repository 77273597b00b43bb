"""A register value as the office reads it in a finding: Shanghai times, names with numbers,
the Chinese names of codes, and whatever someone wrote into the database shown as it is."""

from datetime import datetime

import pytest

from services import history, register_text
from services.register_text import entry_names, shown
from tests.factories import make_activity, make_household, make_member, make_record, make_team
from tests.register_world import without_foreign_keys
from tests.statements import count_queries


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("checkin_at", "2026-11-24 00:52:00", "2026-11-24 08:52"),
        ("checkout_at", "2026-11-23 16:30:05", "2026-11-24 00:30:05"),  # seconds, when any
        ("checkout_at", "yesterday", "yesterday"),
        ("status", "flagged", "待审核"),
        ("status", "approved", "approved"),
        ("kind", "visit", "结对走访"),
        ("source", "chat", "公众号"),
        ("checkin_coord_type", "wgs84", "WGS-84（GPS）"),
        ("flags", ["out_of_range", "photo_reused"], "位置不在服务地点范围内、照片曾被使用过"),
        ("flags", ["made_up"], "made_up"),
        ("flags", [], "空"),
        ("flags", 7, "7"),
        ("duration_minutes", 600, "600"),
        ("content", "", "空"),
        ("activity_id", None, "空"),
        ("member_id", 99999, "#99999"),
        ("member_id", "15", "15"),
        ("member_id", [15], "[15]"),
    ],
)
def test_values_without_the_roster(database, name, value, expected):
    assert shown(name, value) == expected


def test_people_activities_and_households_by_name_and_number(database):
    team = make_team()
    member = make_member(name="朱玉兰", team=team)
    activity = make_activity(team, title="重阳节义诊")
    home = make_household(community=team.community, head_name="王建国")
    assert shown("member_id", member.id) == f"朱玉兰(#{member.id})"
    assert shown("registered_by_id", member.id) == f"朱玉兰(#{member.id})"
    assert shown("activity_id", activity.id) == f"重阳节义诊(#{activity.id})"
    assert shown("household_id", home.id) == f"王**户(#{home.id})"  # masked, as on every screen


def test_every_code_the_models_allow_has_its_name():
    from models.record import RECORD_KINDS, RECORD_SOURCES, RECORD_STATUSES
    from models.roster import COORD_TYPES
    from services import record_names

    assert set(record_names.KIND_NAMES) == set(RECORD_KINDS)
    assert set(record_names.STATUS_NAMES) == set(RECORD_STATUSES)
    assert set(record_names.SOURCE_NAMES) == set(RECORD_SOURCES)
    assert set(record_names.COORD_NAMES) == set(COORD_TYPES)


def test_entries_named_as_a_clerk_finds_them(database, monkeypatch):
    team = make_team()
    zhu, wang = make_member(name="朱玉兰", team=team), make_member(name="王强", team=team)
    clinic = make_activity(team, title="重阳节义诊")
    home = make_household(community=team.community)
    at_night = datetime(2026, 11, 23, 17, 30)  # 01:30 on the 24th in Shanghai
    entries = {
        "activity": make_record(zhu, clinic, checkin_at=at_night),
        "visit": make_record(wang, kind="visit", household=home, checkin_at=at_night),
        "individual": make_record(wang, checkin_at=datetime(2026, 11, 2, 1)),
    }
    remembered = make_record(zhu, clinic, checkin_at=datetime(2026, 10, 8, 1))
    history.append(remembered, f"member:{zhu.id}", "checkin", remembered.checkin_at, {})
    before = history.state_of(remembered)
    remembered.activity, remembered.kind = None, "individual"
    remembered.save()
    history.append(remembered, "office:1", "correct", remembered.checkin_at, before)
    without_foreign_keys(f"DELETE FROM service_record WHERE id = {remembered.id}")
    ids = {kind: r.id for kind, r in entries.items()}
    asked = [*ids.values(), remembered.id, 99_999, None]
    with count_queries() as seen:
        names = entry_names(asked)
    assert len(seen) == 4  # entries, history of the gone ones, members, activities
    monkeypatch.setattr(register_text, "BATCH", 2)
    assert entry_names(asked) == names  # a long list is read in rounds, to the same names
    assert names == {
        ids["activity"]: "朱玉兰 2026-11-24「重阳节义诊」",
        ids["visit"]: "王强 2026-11-24 结对走访",
        ids["individual"]: "王强 2026-11-02 分散活动",
        remembered.id: "朱玉兰 2026-10-08 分散活动",  # gone: as its last history line held it
    }  # 99999: neither entry nor history, nothing to name it by
