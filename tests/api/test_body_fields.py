"""One rule for JSON bodies across the API, as for query parameters: an operation takes the
fields its OpenAPI entry lists and refuses any other with 400 unknown_field, so that a
misspelt field is never ignored and answered 200."""

import re

import pytest

from api import MODULES
from api.openapi import body_names, document

DOCUMENT = document(MODULES)
OPERATIONS = sorted(body_names(DOCUMENT))


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[" ".join(o) for o in OPERATIONS])
def test_every_json_body_refuses_a_field_it_does_not_document(client, let_in, path, method):
    url = "/api/v1" + re.sub(r"\{\w+\}", "1", path)
    response = client.open(url, method=method, json={"reasn": "x"}, headers=let_in(url, method))
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "unknown_field",
        "message": "不支持的参数：reasn。",
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
