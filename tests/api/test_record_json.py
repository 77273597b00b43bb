"""The register entry's JSON: flags come with their Chinese names, and the OpenAPI schema
names every flag and every field of its parts."""

from api.record_json import RECORD_SCHEMA
from services.flags import FLAG_NAMES
from tests.api.test_checkins import activity, checkin_form, me, member, post_checkin  # noqa: F401


def test_flags_come_with_their_names_in_the_same_order(me, activity):  # noqa: F811
    far = checkin_form(activity, lat=str(activity.lat + 0.01))
    body = post_checkin(me, far).get_json()
    assert body["status"] == "flagged" and "out_of_range" in body["flags"]
    assert body["flag_names"] == [FLAG_NAMES[flag] for flag in body["flags"]]
    assert body["flag_names"][body["flags"].index("out_of_range")] == "位置不在服务地点范围内"


def test_a_visit_on_the_households_very_point_is_named_in_a_visits_words(app, office):
    from tests.factories import make_household, make_member, make_record, make_team

    team = make_team()
    home = make_household(community=team.community)
    flags = ["coords_identical", "out_of_range"]
    visit = make_record(make_member(team=team), kind="visit", household=home, flags=flags)
    body = office.get(f"/records/{visit.id}").get_json()
    assert body["flag_names"] == ["位置与结对家庭坐标完全一致", "位置离结对家庭较远"]


def test_a_verified_entry_has_no_flag_names(me, activity):  # noqa: F811
    body = post_checkin(me, checkin_form(activity)).get_json()
    assert (body["flags"], body["flag_names"]) == ([], [])


def test_the_schema_enumerates_the_flags_from_the_one_table():
    flags = RECORD_SCHEMA["properties"]["flags"]["items"]
    assert flags["enum"] == list(FLAG_NAMES)


def test_the_schema_types_every_part_of_an_entry(me, activity):  # noqa: F811
    """Every object in the schema lists its properties, and they are what the API returns."""
    body = post_checkin(me, checkin_form(activity)).get_json()
    properties = RECORD_SCHEMA["properties"]
    assert set(properties) == set(body)
    for part in ("member", "activity", "location", "checkout_location"):
        assert set(properties[part]["properties"]) == set(body[part])
    assert set(properties["photos"]["items"]["properties"]) == set(body["photos"][0])
