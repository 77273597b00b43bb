"""The Official Account's push URL, /wechat: WeChat's protocol at the edge, the chat behind it.

GET answers WeChat's URL check. POST verifies, decrypts, parses and deduplicates a push, asks
the handler (`app.extensions["wechat_handler"]`, by default `wechat.router.handle`) for a Reply
and renders it. Bad pushes get a bare 4xx; anything that goes wrong after a push is accepted
gets 'success', never a 500 (WeChat would show "该公众号暂时无法提供服务").
"""

from __future__ import annotations

import logging
from datetime import UTC
from functools import partial

from flask import Blueprint, Response, current_app, request

from services import clock

from . import dedupe, deferred, router
from .inbound import Inbound
from .protocol import (
    MAX_BODY_BYTES,
    Account,
    Refused,
    check_body,
    check_timestamp,
    dedupe_key,
    envelope,
    is_signed,
    open_envelope,
    parse,
    render_text,
    seal,
)
from .router import Plan

log = logging.getLogger(__name__)
bp = Blueprint("wechat_endpoint", __name__)

HANDLER = "wechat_handler"
#: app.config key: a callable returning the epoch seconds the replay window is measured from.
CLOCK = "WECHAT_CLOCK"


def init_app(app) -> None:
    """Serve /wechat; the handler defaults to the chat router (replaceable in tests)."""
    app.register_blueprint(bp)
    app.extensions.setdefault(HANDLER, None)


@bp.get("/wechat")
def verify():
    """Echo `echostr` to WeChat's URL check, only when the signature is right."""
    try:
        _check_signature(_account(), request.args)
    except Refused as refused:
        return _refuse(refused)
    if "echostr" not in request.args:
        return _refuse(Refused(400, "no echostr"))
    return Response(request.args["echostr"], mimetype="text/plain")


@bp.post("/wechat")
def receive():
    """Answer one push: a text reply, 'success', or a bare 4xx for a push we refuse."""
    account, now = _account(), int(_now())
    try:
        message, key = _accept(account, now)
    except Refused as refused:
        return _refuse(refused)
    try:
        text, after = _reply(message)
        response = _render(message, text, now, account, key)
    except Exception:
        if current_app.testing and current_app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise
        log.exception("handling a push from %s failed; answering 'success'", message.openid)
        return _success()
    deferred.after_response(response, after)
    return response


def _accept(account: Account, now: int) -> tuple[Inbound, str | None]:
    """The verified, decrypted, parsed push and the AES key that opened it (None if plain)."""
    args = request.args
    _check_signature(account, args)
    check_timestamp(args.get("timestamp", ""), now)
    text = check_body(_read_body())
    if args.get("encrypt_type", "raw").lower() != "aes":
        if account.mode == "safe":
            raise Refused(403, "an unencrypted push to a safe-mode account")
        return parse(text), None
    if not account.aes_keys:
        raise Refused(400, "an encrypted push but no EncodingAESKey configured")
    inner, key = open_envelope(envelope(text), args, account)
    return parse(check_body(inner.encode())), key


def _check_signature(account: Account, args) -> None:
    """Refuse a request not signed with the account's token (or any, if none is set)."""
    if not account.token:
        raise Refused(404, "the Official Account is not configured")
    stamp = args.get("timestamp", ""), args.get("nonce", "")
    if not is_signed(args.get("signature", ""), account.token, *stamp):
        raise Refused(403, "bad signature")


def _reply(message: Inbound) -> tuple[str, tuple]:
    """The reply text for a push and the work to do after answering.

    The first delivery answers; a retry gets the first delivery's text and no work. A push
    whose answer changes something is claimed before the work and its reply saved after; a
    pure one (help, figures) is answered first and recorded with its reply in one write."""
    key = dedupe_key(message)
    kind = message.kind if message.kind != "event" else f"event:{message.event}"
    plan = _plan(message)
    if plan.pure:
        return _answer_then_record(plan, key, message.openid, kind)
    if not dedupe.claim(key, message.openid, kind):
        return _retried(key)
    try:
        reply = plan.run()
    except Exception:
        dedupe.save_reply(key, "")
        raise
    dedupe.save_reply(key, reply.text or "")
    return reply.text or "", tuple(reply.after)


def _answer_then_record(plan: Plan, key: str, openid: str, kind: str) -> tuple[str, tuple]:
    """A pure push: work out the reply, then record the push with it; when another delivery
    recorded it first, its reply is the one given, so every delivery answers alike."""
    try:
        reply = plan.run()
    except Exception:
        dedupe.claim(key, openid, kind, reply="")
        raise
    text = reply.text or ""
    if not dedupe.claim(key, openid, kind, reply=text):
        return _retried(key)
    return text, tuple(reply.after)


def _retried(key: str) -> tuple[str, tuple]:
    log.info("retry of %s; answering with the first delivery's reply", key)
    return dedupe.wait_for_reply(key) or "", ()


def _render(message: Inbound, text: str, now: int, account: Account, key: str | None) -> Response:
    """The reply, sealed with the key that opened the push when it came encrypted."""
    if not text:
        return _success()
    xml = render_text(message, text, now)
    if key is not None:
        xml = seal(xml, account, key, str(now))
    return Response(xml, mimetype="application/xml")


def _plan(message: Inbound) -> Plan:
    """The chat router's plan, or a handler set in app.extensions (tests), never pure."""
    handler = current_app.extensions.get(HANDLER)
    if handler is not None:
        return Plan(partial(handler, message))
    return router.plan(message)


def _read_body() -> bytes:
    """At most MAX_BODY_BYTES of the body; a longer one is refused without reading on."""
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise Refused(413, "body too large")
    body = request.stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise Refused(413, "body too large")
    return body


def _account() -> Account:
    return Account.from_settings(current_app.config["SETTINGS"].wechat.official_account)


def _now() -> float:
    """Epoch seconds now, or what the app's WECHAT_CLOCK says (tests replay old pushes)."""
    seam = current_app.config.get(CLOCK)
    return seam() if seam else clock.now_utc().replace(tzinfo=UTC).timestamp()


def _success() -> Response:
    return Response("success", mimetype="text/plain")


def _refuse(refused: Refused) -> Response:
    log.warning("refused a push from %s: %s", request.remote_addr, refused.reason)
    return Response("", status=refused.status, mimetype="text/plain")
