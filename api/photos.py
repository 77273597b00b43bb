"""Photos, served only through signed links that expire (no bearer token: an <image> tag
in the mini-program cannot send one)."""

from datetime import timedelta
from pathlib import Path

from flask import current_app, send_file, url_for

from services import clock, photo_links
from services.errors import Forbidden
from services.photos import open_photo

from . import bp
from .request import query_value

PHONE_CACHE_SECONDS = 300  # the phone's own cache: a list scrolled back and forth


def _settings():
    return current_app.config["SETTINGS"]


def photo_url(key: str) -> str:
    """A link to a stored photo or thumbnail, valid for storage.signed_url_ttl_seconds."""
    settings = _settings()
    ttl = timedelta(seconds=settings.storage.signed_url_ttl_seconds)
    expires, sig = photo_links.sign(key, clock.now_utc(), ttl, current_app.config["SECRET_KEY"])
    return url_for("api.photo", key=key, e=expires, s=sig)


@bp.get("/photos/<path:key>")
def photo(key):
    expires, sig = query_value("e", int, 0), query_value("s", str, "")
    secret = current_app.config["SECRET_KEY"]
    if not photo_links.is_valid(key, expires, sig, clock.now_utc(), secret):
        raise Forbidden("照片链接已失效，请刷新后重试。", "photo_link_invalid")
    path = open_photo(Path(_settings().storage.photo_dir), key)
    response = send_file(path, max_age=PHONE_CACHE_SECONDS)
    # A member's photo (their face, a resident's home): the phone may keep it, a shared
    # proxy or CDN between them and us must not (send_file would say public).
    response.cache_control.public = False
    response.cache_control.private = True
    return response


OPENAPI = {
    "/photos/{key}": {
        "get": {
            "summary": "照片（签名链接，过期失效）",
            "security": [],
            "parameters": [
                {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "e", "in": "query", "required": True, "schema": {"type": "integer"}},
                {"name": "s", "in": "query", "required": True, "schema": {"type": "string"}},
            ],
            "responses": {
                "200": {"description": "图片", "content": {"image/*": {}}},
                "400": {"description": "参数错误"},
                "403": {"description": "链接无效或已过期"},
                "404": {"description": "不存在"},
            },
        }
    }
}
