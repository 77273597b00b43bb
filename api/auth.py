"""Bearer-token authentication for the API: who is calling, and which scopes may."""

from datetime import timedelta
from functools import wraps

from flask import current_app, g, request

from services import auth, clock
from services.actors import Actor
from services.errors import Forbidden, Unauthorized


def token_ttl() -> timedelta:
    return timedelta(hours=current_app.config["SETTINGS"].rules.token_ttl_hours)


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise Unauthorized("请先登录。", "login_required")
    return raw.strip()


def requires(*scopes: str):
    """Let the view run only for a live token of one of these scopes ('member', 'office',
    'bind'); the token is in g.token and the actor in g.actor."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            token = auth.authenticate(_bearer(), clock.now_utc())
            if token.scope not in scopes:
                message = (
                    "请先绑定党员身份。" if token.scope == "bind" else "您没有权限进行此操作。"
                )
                raise Forbidden(message, "scope_not_allowed")
            g.token, g.actor = token, auth.actor_for(token)
            for check in g.pop("input_checks", ()):  # api.openapi: after the login, not before
                check()
            return view(*args, **kwargs)

        wrapper.required_scopes = scopes
        return wrapper

    return decorator


def actor() -> Actor:
    return g.actor
