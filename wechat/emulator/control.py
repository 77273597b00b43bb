"""HTTP control endpoints, so an emulator in another process (demo mode) can be driven.

GET  /_control/calls[?api=name]      the recorded calls
POST /_control/inject                {"api", "errcode" (or "outcome": "timeout"), "times"}
POST /_control/reset                 forget calls, injections, tokens, codes, media
POST /_control/expire_tokens         every issued token runs out (next call: 42001)
POST /_control/media/<media_id>      the body becomes that media's bytes (its Content-Type kept)
"""

from __future__ import annotations

import dataclasses

from flask import Blueprint, request

from .routes import json_response, state

bp = Blueprint("wechat_emulator_control", __name__, url_prefix="/_control")


def _error(message: str) -> object:
    return json_response({"error": message}, 400)


@bp.get("/calls")
def list_calls():
    api = request.args.get("api")
    try:
        calls = state().calls_to(api) if api else list(state().calls)
    except ValueError as exc:
        return _error(str(exc))
    return json_response({"calls": [dataclasses.asdict(call) for call in calls]})


@bp.post("/inject")
def inject():
    body = request.get_json(silent=True) or {}
    outcome = body.get("outcome", body.get("errcode"))
    try:
        state().inject(str(body.get("api", "")), outcome, times=body.get("times", 1))
    except ValueError as exc:
        return _error(str(exc))
    return json_response({"ok": True})


@bp.post("/reset")
def reset():
    state().reset()
    return json_response({"ok": True})


@bp.post("/expire_tokens")
def expire_tokens():
    state().expire_tokens()
    return json_response({"ok": True})


@bp.post("/media/<media_id>")
def add_media(media_id: str):
    content_type = request.content_type or "image/jpeg"
    state().add_media(media_id, request.get_data(), content_type)
    return json_response({"ok": True})
