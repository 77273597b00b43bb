"""The emulator itself over raw HTTP: token rules, error shapes, injections, control endpoints.

What the project's clients do with it is in test_client.py and the other test_* files.
"""

import pytest
import requests

from tests.conftest import MP, OA
from wechat.emulator import API_PATHS, DEMO_APPS, EmulatorState, api_name, create_emulator


def get_token(url, appid=OA["app_id"], secret=OA["app_secret"], grant_type="client_credential"):
    params = {"grant_type": grant_type, "appid": appid, "secret": secret}
    return requests.get(url + "cgi-bin/token", params=params, timeout=5).json()


def stable_token(url, force_refresh=False, appid=OA["app_id"], secret=OA["app_secret"]):
    body = {"grant_type": "client_credential", "appid": appid, "secret": secret}
    body["force_refresh"] = force_refresh
    return requests.post(url + "cgi-bin/stable_token", json=body, timeout=5).json()


def send_text(url, token, openid="o-user-1"):
    body = {"touser": openid, "msgtype": "text", "text": {"content": "你好"}}
    params = {} if token is None else {"access_token": token}
    answer = requests.post(url + "cgi-bin/message/custom/send", params=params, json=body, timeout=5)
    return answer.json()


def test_token_answers_token_and_lifetime(emulator_server, emulator):
    answer = get_token(emulator_server.url)

    assert set(answer) == {"access_token", "expires_in"}
    assert answer["expires_in"] == 7200
    assert send_text(emulator_server.url, answer["access_token"]) == {"errcode": 0, "errmsg": "ok"}


@pytest.mark.parametrize(
    ("appid", "secret", "grant_type", "errcode"),
    [
        ("wx_unknown", "whatever", "client_credential", 40013),
        (OA["app_id"], "wrong-secret", "client_credential", 40125),
        (MP["app_id"], OA["app_secret"], "client_credential", 40125),
        ("", "whatever", "client_credential", 41002),
        (OA["app_id"], "", "client_credential", 41004),
        (OA["app_id"], OA["app_secret"], "password", 40002),
    ],
)
def test_token_rejects_bad_credentials(
    emulator_server, emulator, appid, secret, grant_type, errcode
):
    answer = get_token(emulator_server.url, appid, secret, grant_type)

    assert answer["errcode"] == errcode
    assert "rid:" in answer["errmsg"]


def test_a_new_token_leaves_the_old_one_five_minutes(emulator_server, emulator):
    old = get_token(emulator_server.url)["access_token"]
    new = get_token(emulator_server.url)["access_token"]

    assert new != old
    emulator.advance(299)
    assert send_text(emulator_server.url, old)["errcode"] == 0
    emulator.advance(2)
    assert send_text(emulator_server.url, old)["errcode"] == 40001
    assert send_text(emulator_server.url, new)["errcode"] == 0


def test_stable_token_is_the_same_while_valid(emulator_server, emulator):
    first = stable_token(emulator_server.url)
    emulator.advance(600)
    second = stable_token(emulator_server.url)

    assert second["access_token"] == first["access_token"]
    assert 6500 <= second["expires_in"] <= 6600


def test_stable_token_is_separate_from_plain_tokens(emulator_server, emulator):
    stable = stable_token(emulator_server.url)["access_token"]
    plain = get_token(emulator_server.url)["access_token"]
    get_token(emulator_server.url)
    emulator.advance(400)

    assert send_text(emulator_server.url, stable)["errcode"] == 0
    assert send_text(emulator_server.url, plain)["errcode"] == 40001


def test_stable_token_force_refresh_revokes_the_old_one(emulator_server, emulator):
    old = stable_token(emulator_server.url)["access_token"]
    new = stable_token(emulator_server.url, force_refresh=True)["access_token"]

    assert new != old
    assert send_text(emulator_server.url, old)["errcode"] == 40001
    assert send_text(emulator_server.url, new)["errcode"] == 0


def test_stable_token_is_renewed_in_its_last_five_minutes(emulator_server, emulator):
    old = stable_token(emulator_server.url)["access_token"]
    emulator.advance(7200 - 200)
    renewed = stable_token(emulator_server.url)

    assert renewed["access_token"] != old
    assert renewed["expires_in"] == 7200
    assert send_text(emulator_server.url, old)["errcode"] == 0


@pytest.mark.parametrize(("force_refresh", "errcode"), [("yes", 47001), (1, 47001)])
def test_stable_token_wants_a_boolean(emulator_server, emulator, force_refresh, errcode):
    assert stable_token(emulator_server.url, force_refresh)["errcode"] == errcode


def test_stable_token_wants_a_json_body(emulator_server, emulator):
    url = emulator_server.url + "cgi-bin/stable_token"
    form = {"grant_type": "client_credential", "appid": OA["app_id"]}

    assert requests.post(url, data=form, timeout=5).json()["errcode"] == 47001
    assert requests.post(url, timeout=5).json()["errcode"] == 44002


def test_access_token_is_checked_like_wechat(emulator_server, emulator):
    token = stable_token(emulator_server.url)["access_token"]

    assert send_text(emulator_server.url, None)["errcode"] == 41001
    assert send_text(emulator_server.url, "not-a-token")["errcode"] == 40001
    emulator.expire_tokens()
    assert send_text(emulator_server.url, token)["errcode"] == 42001


def test_tokens_run_out_after_two_hours(emulator_server, emulator):
    token = stable_token(emulator_server.url)["access_token"]
    emulator.advance(7200)

    assert send_text(emulator_server.url, token)["errcode"] == 42001
    assert stable_token(emulator_server.url)["access_token"] != token


def test_unknown_path_is_an_http_404(emulator_server, emulator):
    answer = requests.get(emulator_server.url + "cgi-bin/user/info", timeout=5)

    assert answer.status_code == 404
    assert "does not implement" in answer.json()["errmsg"]


def test_every_call_is_recorded(emulator_server, emulator):
    token = stable_token(emulator_server.url)["access_token"]
    send_text(emulator_server.url, token, openid="o-recorded")

    (call,) = emulator.calls_to("custom_send")
    assert call.method == "POST"
    assert call.path == "/cgi-bin/message/custom/send"
    assert call.query == {"access_token": token}
    assert call.body["touser"] == "o-recorded"
    assert call.injected is None
    assert [c.api for c in emulator.calls] == ["stable_token", "custom_send"]


@pytest.mark.parametrize("name", sorted(API_PATHS))
def test_api_names_and_paths_are_interchangeable(name):
    assert api_name(name) == name
    assert api_name(API_PATHS[name]) == name
    assert api_name("/" + API_PATHS[name]) == name


def test_unknown_api_names_are_refused(emulator):
    with pytest.raises(ValueError, match="no API named"):
        emulator.inject("cgi-bin/nope", 40001)
    with pytest.raises(ValueError, match="errcode"):
        emulator.inject("custom_send", "boom")


def test_injection_answers_the_errcode_the_given_number_of_times(emulator_server, emulator):
    token = stable_token(emulator_server.url)["access_token"]
    emulator.inject("custom_send", 45047, times=2)

    codes = [send_text(emulator_server.url, token)["errcode"] for _ in range(3)]

    assert codes == [45047, 45047, 0]
    assert [call.injected for call in emulator.calls_to("custom_send")] == [45047, 45047, None]


def test_injection_without_limit_lasts_until_reset(emulator_server, emulator):
    token = stable_token(emulator_server.url)["access_token"]
    emulator.inject("cgi-bin/message/custom/send", -1, times=None)

    assert {send_text(emulator_server.url, token)["errcode"] for _ in range(4)} == {-1}
    emulator.reset()
    token = stable_token(emulator_server.url)["access_token"]
    assert send_text(emulator_server.url, token)["errcode"] == 0


def test_timeout_injection_stalls_until_reset(emulator_server, emulator):
    url = emulator_server.url + "cgi-bin/token"
    emulator.inject("token", "timeout")

    with pytest.raises(requests.Timeout):
        requests.get(url, params={"grant_type": "client_credential"}, timeout=0.3)


def test_reset_keeps_the_apps(emulator_server, emulator):
    token = stable_token(emulator_server.url)["access_token"]
    emulator.inject("token", 45009)
    emulator.reset()

    assert emulator.calls == []
    assert send_text(emulator_server.url, token)["errcode"] == 40001
    assert "access_token" in get_token(emulator_server.url)


def control(url, path, **kw):
    method = "get" if path == "calls" else "post"
    return requests.request(method, f"{url}_control/{path}", timeout=5, **kw)


def test_control_lists_calls_over_http(emulator_server, emulator):
    token = stable_token(emulator_server.url)["access_token"]
    send_text(emulator_server.url, token)

    every = control(emulator_server.url, "calls").json()["calls"]
    sends = control(emulator_server.url, "calls", params={"api": "custom_send"}).json()["calls"]

    assert [c["api"] for c in every] == ["stable_token", "custom_send"]
    assert sends[0]["body"]["text"] == {"content": "你好"}
    assert set(sends[0]) == {"api", "method", "path", "query", "body", "time", "injected"}


def test_control_injects_over_http(emulator_server, emulator):
    token = stable_token(emulator_server.url)["access_token"]
    answer = control(
        emulator_server.url, "inject", json={"api": "custom_send", "errcode": 45015, "times": 1}
    )

    assert answer.json() == {"ok": True}
    assert send_text(emulator_server.url, token)["errcode"] == 45015
    assert send_text(emulator_server.url, token)["errcode"] == 0


@pytest.mark.parametrize(
    "body",
    [{"api": "nope", "errcode": 40001}, {"api": "custom_send"}, {"api": "token", "errcode": "x"}],
)
def test_control_refuses_bad_injections(emulator_server, emulator, body):
    answer = control(emulator_server.url, "inject", json=body)

    assert answer.status_code == 400
    assert answer.json()["error"]


def test_control_refuses_unknown_api_filter(emulator_server, emulator):
    assert control(emulator_server.url, "calls", params={"api": "nope"}).status_code == 400


def test_control_resets_and_expires_over_http(emulator_server, emulator):
    token = stable_token(emulator_server.url)["access_token"]

    assert control(emulator_server.url, "expire_tokens").json() == {"ok": True}
    assert send_text(emulator_server.url, token)["errcode"] == 42001
    assert control(emulator_server.url, "reset").json() == {"ok": True}
    assert emulator.calls == []
    assert send_text(emulator_server.url, token)["errcode"] == 40001


def test_control_registers_media_over_http(emulator_server, emulator):
    headers = {"Content-Type": "image/png"}
    control(emulator_server.url, "media/m-1", data=b"\x89PNG...", headers=headers)
    token = stable_token(emulator_server.url)["access_token"]

    answer = requests.get(
        emulator_server.url + "cgi-bin/media/get",
        params={"access_token": token, "media_id": "m-1"},
        timeout=5,
    )

    assert answer.content == b"\x89PNG..."
    assert answer.headers["Content-Type"] == "image/png"


def test_create_emulator_is_a_wsgi_app_with_its_own_state():
    state = EmulatorState()
    app = create_emulator(state, apps=DEMO_APPS)
    client = app.test_client()

    answer = client.get(
        "/cgi-bin/token",
        query_string={
            "grant_type": "client_credential",
            "appid": "wx_demo_mp",
            "secret": DEMO_APPS["wx_demo_mp"],
        },
    )

    assert answer.json["expires_in"] == 7200
    assert state.apps == DEMO_APPS
    assert state.calls_to("token")[0].query["appid"] == "wx_demo_mp"
