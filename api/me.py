"""The calling member: profile."""

from flask import jsonify

from . import bp, openapi, serialize
from .auth import actor, requires


@bp.get("/me")
@requires("member")
def me():
    return jsonify(serialize.member(actor().member))


OPENAPI = {
    "/me": {
        "get": {
            "summary": "当前党员的基本信息",
            "responses": openapi.ok("党员信息", {"type": "object"}),
        }
    },
}
