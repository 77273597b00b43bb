"""A register value as the office reads it in a finding: Shanghai times, names with numbers,
the Chinese names of codes, and whatever someone wrote into the database shown as it is."""

import pytest

from services.register_text import shown
from tests.factories import make_activity, make_household, make_member, make_team


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
