"""API fixtures: log in through the real endpoint (the emulator answers jscode2session), and
the app on a real HTTP server.
"""

import threading

import pytest
from werkzeug.serving import make_server

from services import clock
from services.accounts import create_office_account


class ApiClient:
    """The Flask test client with a bearer token, for readable tests."""

    def __init__(self, client, token=None):
        self.client, self.token = client, token

    def _headers(self, headers=None):
        auth = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return auth | (headers or {})

    def get(self, path, **kw):
        return self.client.get(
            "/api/v1" + path, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def post(self, path, **kw):
        return self.client.post(
            "/api/v1" + path, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def patch(self, path, **kw):
        return self.client.patch(
            "/api/v1" + path, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def put(self, path, **kw):
        return self.client.put(
            "/api/v1" + path, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def delete(self, path, **kw):
        return self.client.delete(
            "/api/v1" + path, headers=self._headers(kw.pop("headers", None)), **kw
        )


@pytest.fixture
def api(client):
    """Log in as whoever has this mini-program openid: api(member) or api('mp-x')."""

    def login(who=None):
        if who is None:
            return ApiClient(client)
        openid = who if isinstance(who, str) else who.mp_openid
        response = client.post("/api/v1/auth/login", json={"code": f"code:{openid}"})
        assert response.status_code == 200, response.get_json()
        return ApiClient(client, response.get_json()["token"])

    return login


@pytest.fixture
def office(client):
    """An API client logged in as the programme office."""
    create_office_account("office1", "办公室", "office-pass-1", clock.now_utc())
    response = client.post(
        "/api/v1/auth/office", json={"username": "office1", "password": "office-pass-1"}
    )
    assert response.status_code == 200, response.get_json()
    return ApiClient(client, response.get_json()["token"])


@pytest.fixture
def let_in(app, api, office):
    """The headers of a caller an operation lets in (its view's scopes), for tests of what the
    operation checks once the login has passed."""
    from tests.factories import make_member, make_team

    member = api(make_member(team=make_team(), mp_openid="mp-let-in"))
    tokens = {"office": office.token, "member": member.token, "bind": api("mp-no-one").token}

    def headers(url: str, method: str) -> dict:
        endpoint, _ = app.url_map.bind("localhost").match(url, method=method)
        scopes = getattr(app.view_functions[endpoint], "required_scopes", ())
        return {"Authorization": f"Bearer {tokens[scopes[0]]}"} if scopes else {}

    return headers


@pytest.fixture
def server(app):
    """The app on a threaded HTTP server on a free port, for requests really at once."""
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    http.server_close()
