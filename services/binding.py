"""One-time bind codes: the office hands a member a code to link their WeChat to the roster.

Codes are six digits so they can be read out over the phone; they are short-lived, only
the newest one a member was given works, and no two live codes are the same, so a code
always names exactly one member.
"""

import secrets
from datetime import datetime, timedelta

from models import BindCode, Member, db

from .errors import Invalid, NotFound
from .roster_cells import CellError, mobile

CODE_DIGITS = 6
MAX_DRAWS = 20
MAX_FAILED_ATTEMPTS = 5  # wrong codes tried against one code before it is locked
# One answer for a wrong phone, a wrong code and a locked code (so guessing learns nothing),
# which still tells a member whose right code is refused what to do.
WRONG_CODE = (
    f"手机号或绑定码不正确。一个绑定码输错 {MAX_FAILED_ATTEMPTS} 次后失效，"
    "如确认无误仍无法绑定，请联系办公室重新获取绑定码。"
)
# The right code, but one that can no longer be redeemed. Only the code's holder can see this
# answer, so it tells a guesser nothing the generic one hides.
VOID_CODE = "该绑定码已失效（输错次数过多或已过期），请联系办公室重新获取绑定码。"


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
        BindCode.update(expires_at=now).where((BindCode.member == member) & _live(now)).execute()
        code = _unused_code(now)
        BindCode.create(
            member=member, code=code, expires_at=now + timedelta(days=ttl_days), created_at=now
        )
    return code


def live_bind_code(member: Member, now: datetime) -> BindCode | None:
    """The member's code that can still be redeemed, if any."""
    return (
        BindCode.select()
        .where((BindCode.member == member) & _live(now))
        .order_by(BindCode.created_at.desc(), BindCode.id.desc())
        .first()
    )


def no_live_code(member: Member | None, code: str, now: datetime) -> tuple[str, str]:
    """(message, error code) for a phone with no live bind code: the generic answer, unless
    `code` is one the member was given that no longer works, which only its holder knows.
    Each try still counts as a failed bind; only the void code's own counter of wrong tries is
    left alone. On the mini-program the count is per login (bind token, services.auth): after
    MAX_FAILED_BINDS the login is revoked, and a new login starts from nothing, so it slows
    guessing rather than capping it. In chat it is per openid within the last hour
    (services.chat_binding). A right guess binds nobody: it only shows, one time in a million,
    that a phone is on the roster."""
    if member is not None and is_void_code(member, code, now):
        return VOID_CODE, "bind_code_void"
    return WRONG_CODE, "bad_bind_code"


def is_void_code(member: Member, code: str, now: datetime) -> bool:
    """Whether `code` is one the member was given and never used that no longer works
    (locked by wrong tries, or expired: a replaced code expired when it was replaced), when
    the member has no live code: its holder is then told to ask for a new code instead of
    being told it is wrong."""
    given = BindCode.select(BindCode.code).where(
        (BindCode.member == member) & BindCode.used_at.is_null() & ~_live(now)
    )
    return any(secrets.compare_digest(row.code, code) for row in given)


def _unused_code(now: datetime) -> str:
    """A random code no other live code has (a million codes, a few hundred members)."""
    for _ in range(MAX_DRAWS):
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        if not BindCode.select().where((BindCode.code == code) & _live(now)).exists():
            return code
    raise RuntimeError("no free bind code after many draws")  # practically unreachable


def _live(now: datetime):
    """The condition for a code that can still be redeemed: unused, not expired, not locked
    by too many wrong tries."""
    return (
        BindCode.used_at.is_null()
        & (BindCode.expires_at > now)
        & (BindCode.failed_attempts < MAX_FAILED_ATTEMPTS)
    )
