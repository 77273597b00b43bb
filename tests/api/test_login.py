"""Login, binding and tokens through the API, with wechatpy calling the emulator."""

from datetime import timedelta

import pytest

from models import Account, ApiToken, BindCode, Member
from services import clock, spells
from services.bind_limits import CODE_DAY_TRIES, CODE_LIFE_TRIES
from services.binding import issue_bind_code
from tests.factories import make_member, make_team


@pytest.fixture
def member(app):
    return make_member(team=make_team(), phone="13911112222", mp_openid="mp-alice")


def test_bound_member_logs_in_and_sees_themselves(api, member, emulator):
    me = api(member).get("/me")
    assert me.status_code == 200
    assert me.get_json()["name"] == member.name
    assert len(emulator.calls_to("jscode2session")) == 1


def test_session_key_never_leaves_the_server(client, member):
    body = client.post("/api/v1/auth/login", json={"code": "code:mp-alice"}).get_data(as_text=True)
    assert "session_key" not in body
    assert ApiToken.get().session_key  # kept server-side


def test_unbound_login_must_bind_first(client):
    response = client.post("/api/v1/auth/login", json={"code": "code:mp-new"})
    body = response.get_json()
    assert body["bind_required"] is True and body["member"] is None
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 403


def test_a_member_who_has_left_is_told_so_at_login_and_with_a_token_from_before(
    client, member, api
):
    session = api(member)
    spells.leave(member.id, clock.local_today())
    left = "您已离队，如有疑问，请联系办公室。"
    login = client.post("/api/v1/auth/login", json={"code": "code:mp-alice"})
    assert login.status_code == 403
    assert login.get_json()["error"] == {"code": "member_inactive", "message": left}
    me = session.get("/me")
    assert me.status_code == 401
    assert me.get_json()["error"] == {"code": "member_inactive", "message": left}


def _bind(client, body, openid="mp-new"):
    login = client.post("/api/v1/auth/login", json={"code": f"code:{openid}"}).get_json()
    headers = {"Authorization": f"Bearer {login['token']}"}
    return client.post("/api/v1/auth/bind", json=body, headers=headers), headers


def test_bind_with_phone_number_from_wechat(client, member):
    Member.update(mp_openid=None).where(Member.id == member.id).execute()
    response, old = _bind(client, {"phone_code": "phone:13911112222"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["member"]["id"] == member.id
    assert Member.get_by_id(member.id).mp_openid == "mp-new"
    assert client.get("/api/v1/me", headers=old).status_code == 401  # the bind token is spent


def test_bind_with_phone_not_on_roster(client, member):
    response, _ = _bind(client, {"phone_code": "phone:13000000000"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "phone_not_on_roster"


def test_bind_with_office_code(client, member):
    Member.update(mp_openid=None).where(Member.id == member.id).execute()
    code = issue_bind_code(member, clock.now_utc())
    response, _ = _bind(client, {"phone": "13911112222", "bind_code": code})
    assert response.status_code == 200
    again, _ = _bind(client, {"phone": "13911112222", "bind_code": code}, openid="mp-other")
    assert again.status_code == 400  # one-time
    assert Member.get_by_id(member.id).mp_openid == "mp-new"


def _login(client, openid: str) -> dict:
    login = client.post("/api/v1/auth/login", json={"code": f"code:{openid}"}).get_json()
    return {"Authorization": f"Bearer {login['token']}"}


def test_wrong_bind_codes_are_limited_per_wechat_user_not_per_login(client, member):
    """Five wrong codes in an hour, and the fifth says when to come back; the login stays
    valid, but a new login of the same WeChat user starts from no fresh tries either."""
    Member.update(mp_openid=None).where(Member.id == member.id).execute()
    code = issue_bind_code(member, clock.now_utc())
    headers = _login(client, "mp-new")
    wrong = {"phone": "13911112222", "bind_code": "000000"}
    answers = [client.post("/api/v1/auth/bind", json=wrong, headers=headers) for _ in range(5)]
    assert [a.status_code for a in answers] == [400, 400, 400, 400, 403]
    error = answers[-1].get_json()["error"]
    assert error["code"] == "too_many_attempts" and "后再试" in error["message"]
    right = {"phone": "13911112222", "bind_code": code}
    again = client.post("/api/v1/auth/bind", json=right, headers=_login(client, "mp-new"))
    assert again.get_json()["error"]["code"] == "too_many_attempts"
    assert client.post("/api/v1/auth/bind", json=right, headers=headers).status_code == 403
    assert BindCode.get().failed_attempts == 5  # tries after the fifth are not checked


def test_a_strangers_wrong_codes_do_not_stop_the_member(client, member):
    """Before, five wrong codes from other WeChats voided the member's code for good."""
    Member.update(mp_openid=None).where(Member.id == member.id).execute()
    code = issue_bind_code(member, clock.now_utc())
    for n in range(5):
        wrong, _ = _bind(client, {"phone": "13911112222", "bind_code": "000000"}, f"mp-guess{n}")
        assert wrong.get_json()["error"]["code"] == "bad_bind_code"
    stranger = _login(client, "mp-stranger")
    for _ in range(5):
        client.post(
            "/api/v1/auth/bind",
            json={"phone": "13911112222", "bind_code": "000000"},
            headers=stranger,
        )
    bound, _ = _bind(client, {"phone": "13911112222", "bind_code": code})
    assert bound.status_code == 200, bound.get_json()
    assert Member.get_by_id(member.id).mp_openid == "mp-new"


def test_a_code_tried_too_often_in_its_life_sends_its_member_to_the_office(client, member):
    """A code checked CODE_LIFE_TRIES times is void: the member's right code is then refused
    as void (only its holder can tell), and the answer says to get a new one."""
    Member.update(mp_openid=None).where(Member.id == member.id).execute()
    code = issue_bind_code(member, clock.now_utc())
    BindCode.update(failed_attempts=CODE_LIFE_TRIES).execute()
    refused, _ = _bind(client, {"phone": "13911112222", "bind_code": code})
    error = refused.get_json()["error"]
    assert (refused.status_code, error["code"]) == (400, "bind_code_void")
    assert "已失效" in error["message"] and "联系办公室重新获取" in error["message"]
    wrong, _ = _bind(client, {"phone": "13911112222", "bind_code": "000000"}, "mp-guess")
    assert wrong.get_json()["error"]["code"] == "bad_bind_code"
    assert Member.get_by_id(member.id).mp_openid is None


def test_an_expired_code_is_void(client, member):
    Member.update(mp_openid=None).where(Member.id == member.id).execute()
    code = issue_bind_code(member, clock.now_utc() - timedelta(days=15), ttl_days=14)
    refused, _ = _bind(client, {"phone": "13911112222", "bind_code": code})
    assert refused.get_json()["error"]["code"] == "bind_code_void"
    assert Member.get_by_id(member.id).mp_openid is None


def test_tries_at_a_void_code_count_against_the_wechat_user(client, member):
    """A void code's own counter no longer moves, but every try at it is a failed try of the
    WeChat user: the fifth uses up the hour's tries, as wrong codes do."""
    Member.update(mp_openid=None).where(Member.id == member.id).execute()
    code = issue_bind_code(member, clock.now_utc() - timedelta(days=15), ttl_days=14)
    headers = _login(client, "mp-new")
    void = {"phone": "13911112222", "bind_code": code}
    answers = [client.post("/api/v1/auth/bind", json=void, headers=headers) for _ in range(5)]
    codes = [(a.status_code, a.get_json()["error"]["code"]) for a in answers]
    assert codes == [(400, "bind_code_void")] * 4 + [(403, "too_many_attempts")]
    assert BindCode.get().failed_attempts == 0


def _five_wrong_binds(client, phone: str, openid: str) -> list[dict]:
    headers = _login(client, openid)
    wrong = {"phone": phone, "bind_code": "000000"}
    answers = [client.post("/api/v1/auth/bind", json=wrong, headers=headers) for _ in range(5)]
    return [(a.status_code, a.get_json()["error"]) for a in answers]


def test_wrong_codes_do_not_tell_whether_a_phone_is_on_the_roster(client, member):
    """A guesser sees the same answers, to the fifth that uses up the hour's tries, for a
    phone with a live code, a phone whose code other guessers locked for the day, and a phone
    nobody has."""
    Member.update(mp_openid=None).where(Member.id == member.id).execute()
    issue_bind_code(member, clock.now_utc())
    locked = make_member(phone="13911113333")
    issue_bind_code(locked, clock.now_utc())
    for n in range(CODE_DAY_TRIES):
        _bind(client, {"phone": "13911113333", "bind_code": "000000"}, f"mp-locker{n}")
    with_code = _five_wrong_binds(client, "13911112222", "mp-guess-a")
    locked_code = _five_wrong_binds(client, "13911113333", "mp-guess-b")
    nobody = _five_wrong_binds(client, "13000000000", "mp-guess-c")
    for answers in (with_code, locked_code, nobody):  # the time to come back may differ
        answers[-1][1]["message"] = answers[-1][1]["message"][:6]
    assert with_code == locked_code == nobody
    assert [status for status, _ in nobody] == [400, 400, 400, 400, 403]


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        ({"phone_code": "garbage"}, "phone_code_rejected", "手机号授权失败"),
        ({}, "missing_field", "请授权手机号，或填写手机号和办公室发放的绑定码"),
        ({"phone": "13911112222"}, "missing_field", "请填写办公室发放的绑定码"),
        ({"bind_code": "123456"}, "missing_field", "手机号"),
        ({"phone": " ", "bind_code": ""}, "missing_field", "请授权手机号"),
    ],
)
def test_bad_bind_requests_say_what_binding_needs(client, member, body, code, words):
    response, _ = _bind(client, body)
    error = response.get_json()["error"]
    assert (response.status_code, error["code"]) == (400, code)
    assert words in error["message"] and "登录凭证" not in error["message"]


def test_member_bound_to_another_wechat_cannot_be_taken(client, member):
    response, _ = _bind(client, {"phone_code": "phone:13911112222"})
    assert response.status_code == 403
    assert Member.get_by_id(member.id).mp_openid == "mp-alice"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"code": "garbage"}, 400, "wechat_code_rejected"),
        ({}, 400, "missing_field"),
        ({"code": 5}, 400, "bad_field"),
        ({"code": "x" * 100_000}, 400, "bad_code"),  # not WeChat being down (503)
    ],
)
def test_bad_login_requests(client, body, status, code):
    response = client.post("/api/v1/auth/login", json=body)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_malformed_json_is_refused(client):
    response = client.post("/api/v1/auth/login", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_json"


def test_wechat_down_is_503(client, emulator):
    emulator.inject("jscode2session", -1)
    response = client.post("/api/v1/auth/login", json={"code": "code:mp-alice"})
    assert response.status_code == 503


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer forged-token", "Basic abc", "bearer  "])
def test_missing_or_forged_tokens(client, member, header):
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401


def test_tokens_expire_and_can_be_revoked(api, member):
    session = api(member)
    ApiToken.update(expires_at=clock.now_utc() - timedelta(seconds=1)).execute()
    assert session.get("/me").get_json()["error"]["code"] == "token_expired"
    session = api(member)
    assert session.post("/auth/logout").status_code == 200
    assert session.get("/me").status_code == 401


def test_office_login(office, client):
    assert office.get("/me").status_code == 403  # the office is not a member
    bad = client.post("/api/v1/auth/office", json={"username": "office1", "password": "nope"})
    assert bad.status_code == 401


def test_login_without_a_mini_program_is_503_not_500(settings_overrides):
    from app import create_app

    settings_overrides["wechat"]["mini_program"] = {"app_id": "", "app_secret": ""}
    client = create_app(settings_overrides).test_client()
    response = client.post("/api/v1/auth/login", json={"code": "code:mp-x"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "mini_program_not_configured"


def test_an_empty_code_is_a_bad_request(client):
    response = client.post("/api/v1/auth/login", json={"code": ""})
    assert response.status_code == 400


def test_a_refused_bind_keeps_the_code(client, member):
    code = issue_bind_code(member, clock.now_utc())  # member is bound to mp-alice already
    response, _ = _bind(client, {"phone": "13911112222", "bind_code": code})
    assert response.status_code == 403
    assert BindCode.get(BindCode.code == code).used_at is None


def test_rebinding_a_member_ends_the_old_wechats_tokens(api, member):
    session = api(member)
    Member.update(mp_openid="mp-someone-else").where(Member.id == member.id).execute()
    assert session.get("/me").get_json()["error"]["code"] == "binding_changed"


def test_a_deactivated_office_account_loses_its_tokens(office):
    Account.update(active=False).execute()
    assert office.post("/auth/logout").status_code == 401


def test_office_passwords_are_limited(client, office):
    wrong = {"username": "office1", "password": "wrong-password"}
    statuses = [client.post("/api/v1/auth/office", json=wrong).status_code for _ in range(6)]
    assert statuses == [401, 401, 401, 401, 401, 403]
    right = {"username": "office1", "password": "office-pass-1"}
    assert client.post("/api/v1/auth/office", json=right).status_code == 403
    Account.update(locked_until=clock.now_utc() - timedelta(seconds=1)).execute()
    assert client.post("/api/v1/auth/office", json=right).status_code == 200


def test_a_wrong_code_says_to_check_the_digits_first(client, member):
    """The mini-program shares the chat's words (services.binding.WRONG_CODE)."""
    Member.update(mp_openid=None).where(Member.id == member.id).execute()
    code = issue_bind_code(member, clock.now_utc())
    typo = code[:-1] + str((int(code[-1]) + 1) % 10)
    wrong, _ = _bind(client, {"phone": "13911112222", "bind_code": typo})
    message = wrong.get_json()["error"]["message"]
    assert message.startswith("手机号或绑定码不正确，请核对每一位数字后再试一次。")


def test_a_bound_member_binding_again_is_told_they_are_bound(api, member, emulator):
    """Before, the login's scope was refused first (403 scope_not_allowed, 「您没有权限」), and
    WeChat was never to be asked about a phone for a login that cannot bind."""
    response = api(member).post("/auth/bind", json={"phone_code": "phone:13911112222"})
    assert response.status_code == 409
    assert response.get_json()["error"] == {
        "code": "already_bound",
        "message": "您已绑定，无需再次绑定。",
    }
    assert emulator.calls_to("getuserphonenumber") == []


def test_a_phone_code_with_a_bind_code_is_refused_not_half_read(client, member):
    Member.update(mp_openid=None).where(Member.id == member.id).execute()
    body = {"phone_code": "phone:13911112222", "phone": "13911112222", "bind_code": "000000"}
    response, _ = _bind(client, body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_field" and "只选一种绑定方式" in error["message"]
    assert Member.get_by_id(member.id).mp_openid is None


def test_the_document_says_bind_takes_one_way_or_the_other(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    schema = paths["/auth/bind"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    ways = [set(way["required"]) for way in schema["oneOf"]]
    assert ways == [{"phone_code"}, {"phone", "bind_code"}]
    assert "409" in paths["/auth/bind"]["post"]["responses"]
