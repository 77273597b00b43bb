"""One rule for query parameters across the API: an operation takes those its OpenAPI entry
lists and refuses any other with 400 unknown_field, as JSON bodies refuse unknown fields."""

import re

import pytest

from api import MODULES
from api.openapi import document, query_names
from services.field_labels import label
from tests.register_world import build_world, checked_in

OPERATIONS = sorted(query_names(document(MODULES)))


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[" ".join(o) for o in OPERATIONS])
def test_every_operation_refuses_a_parameter_it_does_not_document(client, let_in, path, method):
    url = "/api/v1" + re.sub(r"\{\w+\}", "1", path)
    response = client.open(url + "?teamid=3", method=method, headers=let_in(url, method))
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "unknown_field",
        "message": "无法识别的字段：teamid。",
    }


def test_a_caller_without_a_login_hears_that_first(client):
    """401, as for every other mistake a caller without a login makes, not which
    parameters exist."""
    response = client.get("/api/v1/records?teamid=3")
    assert (response.status_code, response.get_json()["error"]["code"]) == (
        401,
        "login_required",
    )


@pytest.fixture
def world(app):
    return build_world(with_openids=True)


def test_a_misspelt_filter_is_refused_not_ignored(api, office, world):
    checked_in(world.alice)
    assert office.get("/records?teamid=3").status_code == 400
    assert office.get(f"/records?team_id={world.team_b.id}").get_json()["total"] == 0


def test_documented_parameters_and_the_document_itself_still_pass(client, api, world):
    leader = api(world.leader_a)
    assert leader.get("/records?mine=true&limit=5").status_code == 200
    assert leader.get("/activities?from=2026-12-01&to=2026-12-07").status_code == 200
    assert leader.get("/team/broadcasts?limit=3").status_code == 200
    assert client.get("/api/v1/openapi.json?v=2").status_code == 200


LISTS = {  # every paged list and its largest page
    "/records": 100,
    "/office/spot-checks": 200,
    "/office/notifications": 200,
    "/office/inbox": 200,
    "/office/broadcasts": 100,
}


@pytest.mark.parametrize(("path", "page_max"), LISTS.items())
def test_every_list_checks_its_page_with_one_code_and_wording(office, path, page_max):
    expected = {
        f"limit={page_max + 1}": f"每页条数 limit 应在 1 到 {page_max} 之间。",
        "limit=0": f"每页条数 limit 应在 1 到 {page_max} 之间。",
        "offset=-1": "起始位置 offset 应在 0 到 1000000 之间。",
        "offset=1000001": "起始位置 offset 应在 0 到 1000000 之间。",
    }
    for query, message in expected.items():
        response = office.get(f"{path}?{query}")
        assert response.status_code == 400, query
        assert response.get_json()["error"] == {"code": "bad_filter", "message": message}
    assert office.get(f"{path}?limit={page_max}&offset=1000000").status_code == 200


REPEATABLE = sorted(
    (key, min(names)) for key, names in query_names(document(MODULES)).items() if names
)


@pytest.mark.parametrize(
    ("operation", "name"), REPEATABLE, ids=[" ".join(op) for op, _ in REPEATABLE]
)
def test_every_operation_refuses_a_parameter_given_twice(client, let_in, operation, name):
    """The view would read the first value and drop the second without a word."""
    path, method = operation
    url = "/api/v1" + re.sub(r"\{\w+\}", "1", path)
    query = f"?{name}=1&{name}=2"
    response = client.open(url + query, method=method, headers=let_in(url, method))
    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "repeated_field",
        "message": f"{label(name)}重复提交，每项只能填一次。",
    }


def test_a_repeated_date_filter_is_refused_not_half_applied(office, world):
    checked_in(world.alice)
    response = office.get("/records?from=2026-01-01&from=2099-01-01&to=2099-12-31")
    assert response.get_json()["error"]["code"] == "repeated_field"
    assert office.get("/records?from=2026-01-01&to=2099-12-31").status_code == 200
