"""A caller whose login is of a kind an endpoint does not take hears what the README's
error-code table says, one code per meaning: `office_only` where only the office may call (as
a service answers an office-only change), `member_only` where only a party member may (the
office login cannot enrol or check in), `scope_not_allowed` for a login that has not bound a
member yet (bind first) or the office on the bind step; a bound member there is told that
they are bound (`already_bound`)."""

import pytest

from tests.factories import make_member, make_team

#: A made-up value per URL converter: the login is checked before anything is looked up.
SAMPLE_VALUES = {"IntegerConverter": 1, "PathConverter": "x", "UnicodeConverter": "2026-Q4"}


def operations(app, scopes: tuple[str, ...]):
    """(method, url) of every API operation that takes exactly these scopes."""
    urls = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if getattr(view, "required_scopes", None) != scopes:
            continue
        values = {
            name: SAMPLE_VALUES[type(converter).__name__]
            for name, converter in rule._converters.items()
        }
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, urls.build(rule.endpoint, values, method=method)


@pytest.fixture
def member(api):
    return api(make_member(team=make_team(), mp_openid="mp-scope-member"))


def refusal(client, method, url, token) -> tuple[int, str, str]:
    response = client.open(url, method=method, headers={"Authorization": f"Bearer {token}"})
    error = response.get_json()["error"]
    return response.status_code, error["code"], error["message"]


def test_every_office_endpoint_tells_a_member_it_is_the_offices(app, client, member):
    found = list(operations(app, ("office",)))
    assert ("GET", "/api/v1/register/check") in found and len(found) >= 6
    for method, url in found:
        answer = refusal(client, method, url, member.token)
        assert answer == (403, "office_only", "只有办公室可以进行此操作。"), (method, url)


def test_every_member_endpoint_tells_the_office_it_is_a_members(app, client, office):
    found = list(operations(app, ("member",)))
    assert ("POST", "/api/v1/checkins") in found and ("GET", "/api/v1/me") in found
    for method, url in found:
        answer = refusal(client, method, url, office.token)
        assert answer == (403, "member_only", "此操作仅限党员本人。"), (method, url)


@pytest.mark.parametrize(("method", "url"), [("GET", "/api/v1/me"), ("GET", "/api/v1/records")])
def test_a_login_not_bound_yet_is_asked_to_bind_first(client, api, method, url):
    bind_token = api("mp-nobody-bound").token
    assert refusal(client, method, url, bind_token) == (
        403,
        "scope_not_allowed",
        "请先绑定党员身份。",
    )


def test_a_signed_in_member_on_the_bind_step_hears_they_are_bound(client, member):
    answer = refusal(client, "POST", "/api/v1/auth/bind", member.token)
    assert answer == (409, "already_bound", "您已绑定，无需再次绑定。")


def test_the_office_on_the_bind_step_is_refused_as_the_wrong_kind(client, office):
    answer = refusal(client, "POST", "/api/v1/auth/bind", office.token)
    assert answer[:2] == (403, "scope_not_allowed")
