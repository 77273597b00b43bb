"""The OpenAPI document matches the routes, and a property-based run (schemathesis) against it
finds no 5xx and no response that breaks the document.

The document is static (assembled from the view modules), so the operations are listed at
collection time and each one runs as its own test against a fresh app and database."""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import api
from api.openapi import document
from models import Member
from tests.factories import make_household, make_member, make_team, pair

DOCUMENT = document(api.MODULES)
OPERATIONS = [
    result.ok() for result in schemathesis.openapi.from_dict(DOCUMENT).get_all_operations()
]
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]


def routes(app) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.rule != "/api/v1/openapi.json":
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            found.setdefault(path, set()).update(m.lower() for m in rule.methods)
    return {path: methods - {"head", "options"} for path, methods in found.items()}


def test_document_lists_exactly_the_routes(app, client):
    served = client.get("/api/v1/openapi.json").get_json()
    assert served == DOCUMENT
    documented = {path: set(ops) for path, ops in served["paths"].items()}
    assert documented == routes(app)
    for operations in served["paths"].values():
        for operation in operations.values():
            assert operation["summary"] and operation["responses"]


@pytest.fixture
def leader_token(app, api):
    """A logged-in team leader with a household: the widest view a member has."""
    team = make_team()
    leader = team.members.where(Member.role == "leader").get()
    Member.update(mp_openid="mp-fuzz-leader").where(Member.id == leader.id).execute()
    pair(leader, make_household(community=team.community))
    make_member(team=team, mp_openid="mp-fuzz-member")
    return api(Member.get_by_id(leader.id)).token


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_no_5xx_and_responses_match_the_document(app, leader_token, operation):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    live = schema[operation.path][operation.method.upper()]
    headers = {"Authorization": f"Bearer {leader_token}"}

    @given(case=live.as_strategy())
    @settings(
        max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
