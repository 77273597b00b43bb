"""Every list that takes `from` and `to` answers the same mistake with the same code: a date
that cannot be read or lies outside 2000–2099 is bad_date, an end before the start is
bad_window (services.date_window, api.request.query_date)."""

import pytest

from tests.factories import make_member, make_team

LISTS = ("/activities", "/records")


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("from=2026-13-01", "bad_date"),
        ("to=tomorrow", "bad_date"),
        ("from=1999-12-31", "bad_date"),
        ("to=9999-12-31", "bad_date"),
        ("from=2026-12-01&to=2026-11-01", "bad_window"),
    ],
)
def test_one_code_per_mistake_on_every_list(app, api, path, query, code):
    member = make_member(team=make_team(), mp_openid="mp-list-dates")
    response = api(member).get(f"{path}?{query}")
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code
    assert ("from" in error["message"]) or ("to" in error["message"])


@pytest.mark.parametrize("path", LISTS)
def test_a_one_day_window_is_fine(app, api, path):
    member = make_member(team=make_team(), mp_openid="mp-list-day")
    assert api(member).get(f"{path}?from=2026-12-01&to=2026-12-01").status_code == 200
