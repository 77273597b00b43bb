"""Binding an Official Account openid to a member of the roster, from the chat.

Two ways, both spending the member's one-time bind code from the office (services.binding):
- the member types their roster phone number and the code (「绑定 13800000000 482913」);
- the member scans a parametric QR code whose scene is SCENE_PREFIX + code (`bind:482913`).
  Only the account's owner can make such codes, and a live code names exactly one member, so
  the scene alone identifies the pending binding.

A typed phone and code is a try of the openid's, limited as in the mini-program
(services/bind_limits.py: per caller and per code, a code's lock lifting by itself); a QR
scene cannot be guessed and is not limited.
"""

from datetime import datetime

import peewee

from models import AuditLog, BindCode, Member, db

from .actors import MEMBER_LEFT
from .bind_limits import caller
from .binding import WRONG_CODE, live_bind_code, typed_code
from .errors import Conflict, Forbidden, Invalid

SCENE_PREFIX = "bind:"


def bind_with_code(openid: str, phone: str, code: str, now: datetime) -> Member:
    """Bind the openid to the member with this roster phone and live bind code."""
    member, bind_code = typed_code(caller("oa", openid), phone.strip(), code.strip(), now)
    return _bind(openid, member, bind_code, now)


def scene_code(scene: str) -> str | None:
    """The bind code a QR scene names, or None when the scene is not a binding."""
    if not scene or not scene.startswith(SCENE_PREFIX):
        return None
    return scene.removeprefix(SCENE_PREFIX).strip() or None


def bind_with_scene(openid: str, scene: str, now: datetime) -> Member | None:
    """Bind the openid through a bind:<code> QR scene; None when the scene is no binding,
    Invalid when it names no live code (used, expired or replaced). A code that typed tries
    have locked still binds here: only the account's owner can make the scene."""
    code = scene_code(scene)
    if code is None:
        return None
    bind_code = (
        BindCode.select()
        .where((BindCode.code == code) & BindCode.used_at.is_null() & (BindCode.expires_at > now))
        .first()
    )
    if bind_code is None or live_bind_code(bind_code.member, now) != bind_code:
        raise Invalid("该绑定二维码已失效，请向办公室重新领取。", "bad_bind_scene")
    return _bind(openid, bind_code.member, bind_code, now)


def _bind(openid: str, member: Member, code: BindCode, now: datetime) -> Member:
    """Link openid and member and spend the code, all or nothing; conditional updates make
    two racing binds for one member or one code leave exactly one winner."""
    if not member.active:
        raise Forbidden(MEMBER_LEFT, "member_inactive")
    try:
        with db.atomic():
            free = Member.oa_openid.is_null() | (Member.oa_openid == openid)
            values = {"oa_openid": openid, "oa_reachable": True}
            if not Member.update(**values).where((Member.id == member.id) & free).execute():
                raise Forbidden("该党员已绑定其他微信，请联系办公室解绑。", "bound_elsewhere")
            unused = (BindCode.id == code.id) & BindCode.used_at.is_null()
            if not BindCode.update(used_at=now).where(unused).execute():
                raise Invalid(WRONG_CODE, "bad_bind_code")
            _audit(openid, "oa_bind", now, member)
    except peewee.IntegrityError:
        raise Conflict("该微信已绑定其他党员，请联系办公室。", "openid_taken") from None
    return Member.get_by_id(member.id)


def set_following(openid: str, following: bool) -> None:
    """Record whether the openid follows the account (a follow or an unfollow event): the
    outbox sends chat messages only to members who can receive them."""
    Member.update(oa_reachable=following).where(Member.oa_openid == openid).execute()


def _audit(openid: str, action: str, now: datetime, member: Member | None = None) -> None:
    AuditLog.create(
        at=now,
        actor=_label(openid),
        action=action,
        object_type="member" if member else "",
        object_id=str(member.id) if member else "",
    )


def _label(openid: str) -> str:
    return f"oa:{openid}"[:60]
