"""One-time bind codes: the office hands a member a code to link their WeChat to the roster.

Codes are six digits so they can be read out over the phone; they are short-lived, only
the newest one a member was given works, and no two live codes are the same, so a code
always names exactly one member. Typing one in is limited per WeChat caller and per code
(services/bind_limits.py), the same in the mini-program and the chat.
"""

import secrets
from datetime import datetime, timedelta

from models import BindCode, Member, db

from . import bind_limits
from .bind_limits import CODE_LIFE_TRIES
from .errors import Invalid, NotFound
from .roster_cells import CellError, mobile

CODE_DIGITS = 6
MAX_DRAWS = 20
# One answer for a wrong phone, a wrong code and a locked code (so guessing learns nothing).
# Nearly always a digit was mistyped, so it says first to check the digits and try again;
# only then, for a member whose right code is still refused, that a code others locked with
# wrong tries opens again by itself (services/bind_limits.py), or the office gives a new one.
WRONG_CODE = (
    "手机号或绑定码不正确，请核对每一位数字后再试一次。"
    "核对无误仍不成功的，可能是绑定码被暂时锁定，请 24 小时后再试，或联系办公室重新获取。"
)
# The right code, but one that can no longer be redeemed. Only the code's holder can see this
# answer, and the code never works again, so it tells a guesser nothing the generic one hides.
VOID_CODE = "该绑定码已失效（已过期、已更换或输错次数过多），请联系办公室重新获取绑定码。"


#: The ways a member's WeChat is bound to the roster, as the office names them.
BINDINGS = (("mp_openid", "小程序"), ("oa_openid", "公众号"))


def bound_through(member: Member) -> tuple[str, ...]:
    """The names of the bindings this member already has (小程序, 公众号), empty if none: a
    member who bound in the Official Account chat only is bound as much as one who used
    the mini-program, and a new code for either must not void theirs unasked."""
    return tuple(name for field, name in BINDINGS if getattr(member, field))


def member_by_phone(phone: str) -> Member:
    """The roster member with this mobile number, written any way the roster import reads
    it (full-width digits, spaces, dashes, +86, Excel's .0): the office types the number as
    it appears in its own sheet."""
    try:
        number = mobile(phone)
    except CellError as exc:
        raise Invalid(str(exc), code="bad_phone") from None
    member = Member.get_or_none(Member.phone == number)
    if member is None:
        raise NotFound(f"名册中没有手机号为 {number} 的党员。", code="member_not_found")
    return member


def issue_bind_code(member: Member, now: datetime, ttl_days: int = 14) -> str:
    """Give the member a fresh code and void their older unused ones."""
    with db.atomic():
        BindCode.update(expires_at=now).where((BindCode.member == member) & _unspent(now)).execute()
        code = _unused_code(now)
        BindCode.create(
            member=member, code=code, expires_at=now + timedelta(days=ttl_days), created_at=now
        )
    return code


def live_bind_code(member: Member, now: datetime) -> BindCode | None:
    """The member's code that can still be redeemed, if any (by a QR scene, at least: typed
    in, it may have had too many tries)."""
    return (
        BindCode.select()
        .where((BindCode.member == member) & _unspent(now))
        .order_by(BindCode.created_at.desc(), BindCode.id.desc())
        .first()
    )


def typed_code(caller: str, phone: str, code: str, now: datetime) -> tuple[Member, BindCode]:
    """The member and live code named by a phone and code typed in by `caller`
    (bind_limits.caller), each as plain digits; Invalid with one answer for a wrong phone, a
    wrong code and a locked code (no_live_code for a void one), or bind_limits.TooManyTries.
    Every call is a try of the caller's, limited as services/bind_limits.py says."""
    member = Member.get_or_none(Member.phone == phone) if phone else None
    live = member and _typeable(live_bind_code(member, now))
    attempt = bind_limits.begin(caller, live, now)
    if live is None:
        refusal = no_live_code(member, code, now)
    elif bind_limits.code_open(attempt, live) and _same(live.code, code):
        bind_limits.right(attempt, live)
        return member, live
    else:
        refusal = WRONG_CODE, "bad_bind_code"
    bind_limits.failed(attempt)
    raise Invalid(*refusal)


def no_live_code(member: Member | None, code: str, now: datetime) -> tuple[str, str]:
    """(message, error code) for a phone with no code that can be typed in: the generic
    answer, unless `code` is one the member was given that no longer works, which only its
    holder knows. A right guess binds nobody: it only shows, one time in a million, that a
    phone is on the roster."""
    if member is not None and is_void_code(member, code, now):
        return VOID_CODE, "bind_code_void"
    return WRONG_CODE, "bad_bind_code"


def is_void_code(member: Member, code: str, now: datetime) -> bool:
    """Whether `code` is one the member was given and never used that no longer works when
    typed in (expired, replaced, since a replaced code expired when it was replaced, or tried
    CODE_LIFE_TRIES times), when the member has no code to type: its holder is then told to
    ask for a new code instead of being told it is wrong."""
    dead = (BindCode.expires_at <= now) | (BindCode.failed_attempts >= CODE_LIFE_TRIES)
    given = BindCode.select(BindCode.code).where(
        (BindCode.member == member) & BindCode.used_at.is_null() & dead
    )
    return any(_same(row.code, code) for row in given)


def _typeable(code: BindCode | None) -> BindCode | None:
    """The live code unless it has had all the typed tries of its life."""
    return code if code is not None and code.failed_attempts < CODE_LIFE_TRIES else None


def _same(given: str, typed: str) -> bool:
    """A comparison in constant time, of bytes: what was typed may be any Unicode digits."""
    return secrets.compare_digest(given.encode(), typed.encode())


def _unused_code(now: datetime) -> str:
    """A random code no other unspent code has (a million codes, a few hundred members), so a
    QR scene names one member."""
    for _ in range(MAX_DRAWS):
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        if not BindCode.select().where((BindCode.code == code) & _unspent(now)).exists():
            return code
    raise RuntimeError("no free bind code after many draws")  # practically unreachable


def _unspent(now: datetime):
    """The condition for a code that can still be redeemed: unused and not expired."""
    return BindCode.used_at.is_null() & (BindCode.expires_at > now)
