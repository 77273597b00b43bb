"""The member's own view over the API: summary and household, shapes matching the document."""

from datetime import date, datetime, time, timedelta

import pytest

from services import clock
from tests.factories import make_household, make_member, make_record, make_team, pair

FILLED = {"content": "打扫楼道", "target": "5号楼住户", "outcome": "环境整洁"}
TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
}


def conforms(value, schema, where="$") -> list[str]:
    """What in `value` breaks the OpenAPI `schema` (types, nullable, required, enum, and no
    property the document does not list)."""
    if value is None:
        return [] if schema.get("nullable") else [f"{where} is null"]
    kind = schema.get("type")
    wrong_bool = isinstance(value, bool) and kind in ("integer", "number")
    if kind and (not isinstance(value, TYPES[kind]) or wrong_bool):
        return [f"{where} is not {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where} not in {schema['enum']}"]
    problems = []
    if kind == "object" and "properties" in schema:
        properties = schema["properties"]
        problems += [f"{where}.{k} missing" for k in schema.get("required", []) if k not in value]
        problems += [f"{where}.{k} undocumented" for k in value if k not in properties]
        for k in set(value) & set(properties):
            problems += conforms(value[k], properties[k], f"{where}.{k}")
    if kind == "array":
        for i, item in enumerate(value):
            problems += conforms(item, schema.get("items", {}), f"{where}[{i}]")
    return problems


def documented(client, path) -> dict:
    document = client.get("/api/v1/openapi.json").get_json()
    return document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]


@pytest.fixture
def team(app):
    return make_team()


@pytest.fixture
def alice(team):
    return make_member(name="李秀英", team=team, mp_openid="mp-alice")


@pytest.fixture
def bob(team):
    return make_member(name="王建国", team=team, mp_openid="mp-bob")


def household_of(member, head, phone, address):
    return pair(
        member,
        make_household(
            community=member.team.community,
            head_name=head,
            phone=phone,
            address=address,
            size=3,
            situation="低保户",
        ),
        started_on=date(2026, 1, 1),
    ).household


def _start_of_today(now: datetime) -> datetime:
    return clock.to_utc(datetime.combine(clock.local_today(now), time()))


def test_summary_counts_my_service(api, client, alice):
    household = household_of(alice, "张桂兰", "13812345678", "文化路23号院1号楼101")
    now = clock.now_utc()
    checkin_at = max(now - timedelta(minutes=2), _start_of_today(now))  # today, this quarter
    make_record(
        alice,
        checkin_at=checkin_at,
        checkout_at=checkin_at,
        duration_minutes=90,
        kind="visit",
        household=household,
        status="flagged",
        **FILLED,
    )
    make_record(alice, checkin_at=checkin_at)  # still open
    response = api(alice).get("/me/summary")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert conforms(body, documented(client, "/me/summary")) == []
    quarter = body["quarter"]
    assert (quarter["services"], quarter["hours"], quarter["visits"]) == (1, 1.5, 1)
    assert quarter["minutes"] == 90
    assert quarter["by_kind"]["visit"] == {"services": 1, "hours": 1.5, "minutes": 90}
    assert quarter["pending_review"] == {"services": 1, "hours": 1.5, "minutes": 90}
    assert body["year"]["quarter"] is None and body["year"]["hours"] == 1.5
    assert body["visits"]["last_visit_on"] == body["as_of"] == clock.local_today().isoformat()
    assert body["visits"]["overdue"] is False
    assert body["flagged_awaiting_review"] == 1
    assert [o["kind"] for o in body["open_checkins"]] == ["individual"]
    assert body["open_checkins"][0]["checkin_at"].endswith("+08:00")


def test_summary_of_an_unpaired_member(api, client, alice):
    body = api(alice).get("/me/summary").get_json()
    assert conforms(body, documented(client, "/me/summary")) == []
    assert body["visits"]["paired"] is False and body["visits"]["next_visit_due"] is None
    assert (body["quarter"]["services"], body["year"]["hours"]) == (0, 0.0)


def test_my_household_is_masked(api, client, alice):
    household_of(alice, "张桂兰", "13812345678", "金水区文化路23号院1号楼1单元101")
    response = api(alice).get("/me/household")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert conforms(body, documented(client, "/me/household")) == []
    assert (body["head_name"], body["phone"], body["address"]) == (
        "张**",
        "138****5678",
        "金水区文化路****",
    )
    assert (body["size"], body["situation"], body["paired_since"]) == (3, "低保户", "2026-01-01")
    text = response.get_data(as_text=True)
    assert not any(secret in text for secret in ("张桂兰", "13812345678", "23号院", "1234"))


def test_unpaired_member_has_no_household(api, alice):
    response = api(alice).get("/me/household")
    assert response.status_code == 404
    assert response.get_json()["error"] == {
        "code": "not_paired",
        "message": "您还没有结对家庭，请联系队长或办公室。",
    }


@pytest.mark.parametrize("alice_paired", [True, False])
def test_a_member_never_sees_another_members_household(api, alice, bob, alice_paired):
    if alice_paired:
        household_of(alice, "张桂兰", "13812345678", "文化路23号院1号楼101")
    bobs = household_of(bob, "欧阳德福", "15903710099", "红专路88号院7号楼702")
    make_record(bob, checkin_at=clock.now_utc(), kind="visit", household=bobs)
    session = api(alice)
    texts = [session.get(path).get_data(as_text=True) for path in ("/me/summary", "/me/household")]
    for secret in ("欧阳", "德福", "15903710099", "0099", "红专路", "88号院"):
        assert not any(secret in text for text in texts), secret
    for body in (session.get("/me/summary").get_json(), session.get("/me/household").get_json()):
        assert bobs.id not in (body.get("id"), body.get("visits", {}).get("household_id"))


@pytest.mark.parametrize("path", ["/me/summary", "/me/household"])
def test_only_members_may_ask(api, office, path):
    assert api().get(path).status_code == 401
    assert office.get(path).status_code == 403


def test_the_document_lists_the_routes(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path in ("/me", "/me/summary", "/me/household"):
        assert set(document["paths"][path]) == {"get"}
        assert documented(client, path)["type"] == "object"


def test_me_matches_its_schema(api, client, alice):
    body = api(alice).get("/me").get_json()
    assert conforms(body, documented(client, "/me")) == []
