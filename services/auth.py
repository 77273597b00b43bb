"""API login: bearer tokens kept server-side (only their hash is stored), login by WeChat
openid, binding an openid to the roster, office logins.

The transport exchanges WeChat codes (wx.login, getPhoneNumber) and hands the results here;
session_key is stored with the token and never returned.
"""

import functools
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee
from werkzeug.security import check_password_hash, generate_password_hash

from models import Account, ApiToken, BindCode, Member, db
from models.prepared import Prepared

from .accounts import check_password
from .actors import MEMBER_LEFT, Actor
from .bind_limits import caller
from .binding import WRONG_CODE, typed_code
from .errors import Conflict, Forbidden, Invalid, Unauthorized

MAX_FAILED_LOGINS = 5  # wrong office passwords before the account waits
LOCKOUT = timedelta(minutes=15)


@dataclass(frozen=True)
class Login:
    """A token handed to the client, and who it stands for (member None: must bind first)."""

    token: str
    expires_at: datetime
    scope: str
    member: Member | None = None
    account: Account | None = None


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(now: datetime, ttl: timedelta, scope: str, **owner) -> Login:
    """A new random token; owner is member=, account= and/or openid= and session_key=."""
    raw = secrets.token_urlsafe(32)
    row = ApiToken.create(
        token_hash=_hash(raw), scope=scope, created_at=now, expires_at=now + ttl, **owner
    )
    return Login(raw, row.expires_at, scope, row.member, row.account)


# The token with its member or account, in one query.
_TOKEN = Prepared(
    lambda p: (
        ApiToken.select(ApiToken, Member, Account)
        .join_from(ApiToken, Member, peewee.JOIN.LEFT_OUTER)
        .join_from(ApiToken, Account, peewee.JOIN.LEFT_OUTER)
        .where(ApiToken.token_hash == p.token_hash)
        .limit(1)
    )
)


def authenticate(raw: str, now: datetime) -> ApiToken:
    """The live token for a bearer string, or Unauthorized (unknown, expired or revoked)."""
    row = _TOKEN.first(token_hash=_hash(raw)) if raw else None
    if row is None or row.revoked_at is not None:
        raise Unauthorized("登录已失效，请重新登录。", "invalid_token")
    if row.expires_at <= now:
        raise Unauthorized("登录已过期，请重新登录。", "token_expired")
    if row.member is not None and not row.member.active:
        raise Unauthorized(MEMBER_LEFT, "member_inactive")
    if row.member is not None and row.member.mp_openid != row.openid:
        raise Unauthorized("微信绑定已变更，请重新登录。", "binding_changed")
    if row.account is not None and not row.account.active:
        raise Unauthorized("账号已停用。", "account_inactive")
    return row


def actor_for(token: ApiToken) -> Actor:
    return Actor(member=token.member, account=token.account)


def revoke(token: ApiToken, now: datetime) -> None:
    ApiToken.update(revoked_at=now).where(ApiToken.id == token.id).execute()


def login_with_openid(openid: str, session_key: str, now: datetime, ttl: timedelta) -> Login:
    """A member token when the openid is bound, else a token that can only bind."""
    member = Member.get_or_none(Member.mp_openid == openid)
    if member is not None and not member.active:
        raise Forbidden(MEMBER_LEFT, "member_inactive")
    scope = "member" if member is not None else "bind"
    return issue_token(now, ttl, scope, member=member, openid=openid, session_key=session_key)


def login_office(username: str, password: str, now: datetime, ttl: timedelta) -> Login:
    """An office token; after MAX_FAILED_LOGINS wrong passwords the account waits LOCKOUT."""
    account = Account.get_or_none(Account.username == username.strip())
    if account is None:
        check_password_hash(_dummy_hash(), password)  # as slow as a real check: no probing
        raise Unauthorized("用户名或密码不正确。", "bad_credentials")
    if account.locked_until and account.locked_until > now:
        raise Forbidden("密码错误次数过多，请 15 分钟后再试。", "account_locked")
    if not check_password(account, password) or not account.active:
        _count_failed_login(account, now)
        raise Unauthorized("用户名或密码不正确。", "bad_credentials")
    Account.update(last_login_at=now, failed_logins=0, locked_until=None).where(
        Account.id == account.id
    ).execute()
    return issue_token(now, ttl, "office", account=account)


@functools.cache
def _dummy_hash() -> str:
    """A hash to check unknown usernames against, made once when first needed (hashing is
    deliberately slow, so not at import)."""
    return generate_password_hash("not a password")


def _count_failed_login(account: Account, now: datetime) -> None:
    """Count in the database (parallel guesses cannot overwrite each other's count); the
    guess that reaches the limit locks the account and starts the count again."""
    A = Account
    A.update(failed_logins=A.failed_logins + 1).where(A.id == account.id).execute()
    reached = (A.id == account.id) & (A.failed_logins >= MAX_FAILED_LOGINS)
    A.update(failed_logins=0, locked_until=now + LOCKOUT).where(reached).execute()


def bind_verified_phone(token: ApiToken, phone: str, now: datetime, ttl: timedelta) -> Login:
    """Bind with a phone number WeChat vouched for (getPhoneNumber). Not a try at a code:
    nothing is guessed, so services/bind_limits.py does not count it."""
    member = Member.get_or_none(Member.phone == phone)
    if member is None:
        raise Invalid("该手机号不在党员名册中，请联系办公室核对。", "phone_not_on_roster")
    return _bind(token, member, now, ttl)


def digits(text: str) -> str:
    """What a person typed as a number, as ASCII digits: full-width digits (a Chinese
    keyboard's) become plain ones; spaces, dashes and a +86 prefix are dropped."""
    plain = "".join(c for c in unicodedata.normalize("NFKC", text) if c.isascii() and c.isdigit())
    return plain[2:] if len(plain) == 13 and plain.startswith("86") else plain


def bind_with_code(token: ApiToken, phone: str, code: str, now: datetime, ttl: timedelta) -> Login:
    """Bind with the phone number on the roster and the one-time code the office issued; the
    try counts for the login's WeChat user, whichever login it comes through."""
    require_bind_token(token)
    who = caller("mp", token.openid)
    member, bind_code = typed_code(who, digits(phone), digits(code), now)
    return _bind(token, member, now, ttl, bind_code)


def _bind(
    token: ApiToken, member: Member, now: datetime, ttl: timedelta, code: BindCode | None = None
) -> Login:
    """Link the token's openid to the member and spend the code, all or nothing.

    The updates are conditional, so two binds racing for one member or one code cannot both
    win: the loser sees a row count of 0 and nothing of its attempt is kept."""
    require_bind_token(token)
    if not member.active:
        raise Forbidden(MEMBER_LEFT, "member_inactive")
    try:
        with db.atomic():
            _claim(member, token.openid, code, now)
            revoke(token, now)
            owner = {"member": member, "openid": token.openid, "session_key": token.session_key}
            return issue_token(now, ttl, "member", **owner)
    except peewee.IntegrityError:
        raise Conflict("该微信已绑定其他党员，请联系办公室。", "openid_taken") from None


def require_bind_token(token: ApiToken) -> None:
    """A login that may bind: one a member signed in with is bound already, and is told so
    rather than refused as the wrong kind of login."""
    if token.scope != "bind" or token.openid is None:
        raise Conflict("您已绑定，无需再次绑定。", "already_bound")


def _claim(member: Member, openid: str, code: BindCode | None, now: datetime) -> None:
    free = Member.mp_openid.is_null() | (Member.mp_openid == openid)
    if not Member.update(mp_openid=openid).where((Member.id == member.id) & free).execute():
        raise Forbidden("该党员已绑定其他微信，请联系办公室解绑。", "bound_elsewhere")
    if code is not None:
        unused = (BindCode.id == code.id) & BindCode.used_at.is_null()
        if not BindCode.update(used_at=now).where(unused).execute():
            raise Invalid(WRONG_CODE, "bad_bind_code")
