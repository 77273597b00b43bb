"""One rule for JSON bodies across the API, as for query parameters: an operation takes the
fields its OpenAPI entry lists and refuses any other with 400 unknown_field, so that a
misspelt field is never ignored and answered 200."""

import re
from datetime import timedelta

import pytest

from api import MODULES
from api.openapi import JSON, NO_BODY, body_rules, document
from models import Enrollment
from services import clock
from tests.factories import make_activity, make_member, make_team

DOCUMENT = document(MODULES)
OPERATIONS = sorted(key for key, (kind, _) in body_rules(DOCUMENT).items() if kind == JSON)


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[" ".join(o) for o in OPERATIONS])
def test_every_json_body_refuses_a_field_it_does_not_document(client, let_in, path, method):
    url = "/api/v1" + re.sub(r"\{\w+\}", "1", path)
    response = client.open(url, method=method, json={"reasn": "x"}, headers=let_in(url, method))
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "unknown_field",
        "message": "无法识别的字段：reasn。",
    }


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[" ".join(o) for o in OPERATIONS])
@pytest.mark.parametrize(
    ("body", "name"),
    [('{"reasn": "x", "reasn": "y"}', "reasn"), ('{"a": {"b": 1, "b": 2}}', "b")],
    ids=["top", "nested"],
)
def test_every_json_body_refuses_a_name_given_twice(client, let_in, path, method, body, name):
    """A JSON parser keeps the last of two equal names: the first value would be dropped
    without a word, as a repeated query parameter would be."""
    url = "/api/v1" + re.sub(r"\{\w+\}", "1", path)
    response = client.open(
        url, method=method, data=body, content_type="application/json", headers=let_in(url, method)
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "repeated_field",
        "message": f"字段“{name}”重复提交，每项只能填一次。",
    }


def test_a_caller_without_a_login_hears_that_first(client):
    response = client.post("/api/v1/activities/1/cancel", json={"reasn": "x"})
    assert (response.status_code, response.get_json()["error"]["code"]) == (
        401,
        "login_required",
    )


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[" ".join(o) for o in OPERATIONS])
def test_the_document_says_so(path, method):
    operation = DOCUMENT["paths"][path][method.lower()]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["additionalProperties"] is False and schema["properties"]


def test_every_json_post_put_and_patch_is_covered():
    """A JSON endpoint left out of the rule would ignore a misspelt field again."""
    writes = {
        (path, method.upper())
        for path, operations in DOCUMENT["paths"].items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    }
    assert writes == set(OPERATIONS)
    assert ("/activities/{id}/cancel", "POST") in writes
    assert ("/checkins/{record_id}/checkout", "POST") in writes


@pytest.mark.parametrize(
    ("body", "code"),
    [("{not json", "bad_json"), ("[1]", "bad_json"), ("", "activity_not_found")],
)
def test_a_body_that_is_no_object_is_left_to_the_view(office, body, code):
    """The view says what is wrong with it (cancel takes no body at all)."""
    response = office.post("/activities/999999/cancel", data=body, content_type="application/json")
    assert response.get_json()["error"]["code"] == code


BODILESS = sorted(key for key, (kind, _) in body_rules(DOCUMENT).items() if kind is NO_BODY)


@pytest.mark.parametrize(("path", "method"), BODILESS, ids=[" ".join(o) for o in BODILESS])
@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ('{"reasn": "x"}', "unknown_field", "无法识别的字段：reasn。"),
        ("not json", "bad_json", "请求内容须为 JSON 对象。"),
        ("[]", "bad_json", "请求内容须为 JSON 对象。"),
    ],
    ids=["field", "malformed", "array"],
)
def test_an_operation_without_a_body_refuses_one(client, let_in, path, method, body, code, message):
    """Nothing the document does not list is read, so nothing sent there is silently lost."""
    url = "/api/v1" + re.sub(r"\{\w+\}", "1", path)
    response = client.open(
        url, method=method, data=body, content_type="application/json", headers=let_in(url, method)
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == {"code": code, "message": message}


def test_every_operation_is_json_a_form_or_bodiless():
    rules = body_rules(DOCUMENT)
    assert set(rules) == {
        (path, method.upper()) for path, ops in DOCUMENT["paths"].items() for method in ops
    }
    assert rules["/checkins", "POST"][0] == "multipart/form-data"
    assert ("/activities/{id}/enrollment", "POST") in BODILESS


@pytest.fixture
def enrolling(app, api):
    """A member of a team with an upcoming activity, not enrolled yet."""
    team = make_team()
    activity = make_activity(team, starts_at=clock.now_utc() + timedelta(days=2))
    member = make_member(team=team, mp_openid="mp-enrol")
    return api(member), activity


@pytest.mark.parametrize(
    ("body", "code"), [('{"reasn": "x"}', "unknown_field"), ("not json", "bad_json")]
)
def test_enrolment_with_a_body_it_does_not_take_enrols_nobody(enrolling, body, code):
    me, activity = enrolling
    response = me.post(
        f"/activities/{activity.id}/enrollment", data=body, content_type="application/json"
    )
    assert (response.status_code, response.get_json()["error"]["code"]) == (400, code)
    assert Enrollment.select().count() == 0


@pytest.mark.parametrize(
    "send",
    [
        {},
        {"json": {}},
        {"data": " {} \n", "content_type": "application/json"},
        {"data": "", "content_type": "application/json"},
        {"data": "\n"},
    ],
    ids=["no body", "empty object", "empty object with blanks", "empty json", "blank"],
)
def test_enrolment_with_no_body_or_an_empty_object_still_enrols(enrolling, send):
    me, activity = enrolling
    response = me.post(f"/activities/{activity.id}/enrollment", **send)
    assert response.status_code == 201, response.get_json()
    assert me.delete(f"/activities/{activity.id}/enrollment", json={}).status_code == 200
