"""Photos over signed links that expire: what a check-in hands out works, nothing else does."""

import io
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from PIL import Image

from models import Enrollment
from services import clock, photo_links
from tests import images
from tests.api.test_checkins import checkin_form, post_checkin
from tests.factories import make_activity, make_member, make_team


@pytest.fixture
def secret(app) -> str:
    return app.config["SECRET_KEY"]


@pytest.fixture
def uploaded(api, app):
    """(photo bytes, check-in JSON) of one check-in through the API."""
    member = make_member(team=make_team(), mp_openid="mp-photos")
    now = clock.now_utc()
    activity = make_activity(member.team, starts_at=now - timedelta(minutes=5))
    Enrollment.create(activity=activity, member=member, created_at=now)
    photo = images.jpeg(seed=21, size=(1200, 900))
    response = post_checkin(api(member), checkin_form(activity, photo))
    assert response.status_code == 201, response.get_json()
    return photo, response.get_json()


def parts(url: str) -> tuple[str, int, str]:
    """(key, expiry, signature) of a photo link."""
    split = urlsplit(url)
    query = parse_qs(split.query)
    return split.path.removeprefix("/api/v1/photos/"), int(query["e"][0]), query["s"][0]


def link(key: str, expires: int | str, signature: str) -> str:
    return f"/api/v1/photos/{key}?e={expires}&s={signature}"


def assert_json_error(response, status: int, code: str | None = None):
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["message"]
    if code:
        assert error["code"] == code


def test_the_links_from_a_check_in_serve_the_photo_and_thumbnail_without_a_token(client, uploaded):
    photo, body = uploaded
    with client.get(body["photos"][0]["url"]) as original:
        assert original.status_code == 200
        assert original.data == photo and original.mimetype == "image/jpeg"
    with client.get(body["photos"][0]["thumb_url"]) as thumb:
        assert thumb.status_code == 200
        thumbnail = thumb.data
    with Image.open(io.BytesIO(thumbnail)) as image:
        assert (image.format, image.size) == ("JPEG", (480, 360))


def test_an_expired_link_is_403(client, uploaded, secret):
    key, _, _ = parts(uploaded[1]["photos"][0]["url"])
    expires, signature = photo_links.sign(
        key, clock.now_utc() - timedelta(hours=1), timedelta(seconds=600), secret
    )
    assert_json_error(client.get(link(key, expires, signature)), 403, "photo_link_invalid")


@pytest.mark.parametrize("tamper", ["signature", "expiry", "no signature", "no expiry"])
def test_a_tampered_link_is_403(client, uploaded, tamper):
    key, expires, signature = parts(uploaded[1]["photos"][0]["url"])
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    urls = {
        "signature": link(key, expires, flipped),
        "expiry": link(key, expires + 86_400, signature),
        "no signature": f"/api/v1/photos/{key}?e={expires}",
        "no expiry": f"/api/v1/photos/{key}?s={signature}",
    }
    assert_json_error(client.get(urls[tamper]), 403, "photo_link_invalid")


def test_a_signature_for_one_key_does_not_open_another(client, uploaded):
    key, expires, signature = parts(uploaded[1]["photos"][0]["url"])
    thumb_key, _, _ = parts(uploaded[1]["photos"][0]["thumb_url"])
    assert_json_error(client.get(link(thumb_key, expires, signature)), 403, "photo_link_invalid")


def test_a_bad_expiry_is_400(client, uploaded):
    key, _, signature = parts(uploaded[1]["photos"][0]["url"])
    assert_json_error(client.get(link(key, "tomorrow", signature)), 400, "bad_field")


@pytest.mark.parametrize(
    "key",
    [
        "../../../etc/passwd",
        "2026/11/../../../../etc/passwd",
        "%2e%2e/%2e%2e/etc/passwd",
        "..%2f..%2fsecret_key",
        "2026/11/" + "a" * 64 + ".jpg/../../../secret_key",
    ],
)
def test_path_traversal_is_refused_even_with_a_valid_signature(client, uploaded, secret, key):
    now = clock.now_utc()
    unsigned = client.get(link(key, 0, "0" * 32))
    assert 400 <= unsigned.status_code < 500
    # signed as the server reads the key, after percent-decoding
    expires, signature = photo_links.sign(unquote(key), now, timedelta(minutes=5), secret)
    signed = client.get(link(key, expires, signature))
    assert 400 <= signed.status_code < 500 and signed.status_code != 403  # past the signature
    assert "error" in signed.get_json()


def test_a_signed_link_to_a_missing_photo_is_404(client, uploaded, secret):
    key = "2026/01/" + "b" * 64 + ".jpg"
    expires, signature = photo_links.sign(key, clock.now_utc(), timedelta(minutes=5), secret)
    assert_json_error(client.get(link(key, expires, signature)), 404)


def test_a_non_ascii_signature_is_refused_not_a_500(client):
    response = client.get("/api/v1/photos/2026/11/x.jpg?e=9999999999&s=%C2%80")
    assert response.status_code == 403


def test_photos_are_cached_by_the_phone_only_not_by_shared_proxies(client, uploaded):
    """Personal photos: `private` keeps them out of shared caches; a short max-age lets the
    phone scroll back without fetching them again."""
    with client.get(uploaded[1]["photos"][0]["thumb_url"]) as response:
        assert response.status_code == 200
        cache = response.cache_control
    assert cache.private and not cache.public
    assert 0 < cache.max_age <= 600
