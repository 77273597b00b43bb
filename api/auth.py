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


#: A signed-in token on an endpoint for one kind of caller only is told so with the code a
#: service gives for the same refusal inside a shared endpoint: one code per meaning.
ONLY = {
    ("office",): ("只有办公室可以进行此操作。", "office_only"),
    ("member",): ("此操作仅限党员本人。", "member_only"),
}
#: A login that has not bound a member yet may only bind (the mini-program then shows binding).
BIND_FIRST = ("请先绑定党员身份。", "scope_not_allowed")
WRONG_KIND = ("您没有权限进行此操作。", "scope_not_allowed")


def _refusal(scope: str, scopes: tuple[str, ...]) -> tuple[str, str]:
    """The message and code for a token of a scope the endpoint does not take."""
    return BIND_FIRST if scope == "bind" else ONLY.get(scopes, WRONG_KIND)


def requires(*scopes: str):
    """Let the view run only for a live token of one of these scopes ('member', 'office',
    'bind'); the token is in g.token and the actor in g.actor."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            token = auth.authenticate(_bearer(), clock.now_utc())
            if token.scope not in scopes:
                raise Forbidden(*_refusal(token.scope, scopes))
            g.token, g.actor = token, auth.actor_for(token)
            for check in g.pop("input_checks", ()):  # api.openapi: after the login, not before
                check()
            return view(*args, **kwargs)

        wrapper.required_scopes = scopes
        return wrapper

    return decorator


def actor() -> Actor:
    return g.actor
