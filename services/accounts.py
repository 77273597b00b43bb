"""Logins for the office web dashboard: creating them, resetting a forgotten password, and
checking passwords."""

import re
from datetime import datetime

import peewee
from werkzeug.security import check_password_hash, generate_password_hash

from models import Account, ApiToken, db
from services.errors import Conflict, Invalid, NotFound

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,50}$")
MIN_PASSWORD = 8


def create_office_account(
    username: str, display_name: str, password: str, now: datetime
) -> Account:
    """Create an office login, storing only a salted hash of the password."""
    username, display_name = check_new_account(username, display_name)
    check_new_password(password)
    try:
        with db.atomic():
            return Account.create(
                username=username,
                display_name=display_name,
                password_hash=generate_password_hash(password),
                role="office",
                created_at=now,
            )
    except peewee.IntegrityError:
        raise _taken(username) from None


def check_new_account(username: str, display_name: str) -> tuple[str, str]:
    """The trimmed username and display name, if a login can be created with them: the
    command checks before it asks for a password, so nobody types one twice for nothing."""
    username, display_name = username.strip(), display_name.strip()
    if not USERNAME.match(username):
        raise Invalid("用户名须为 3–50 位字母、数字、下划线、点或连字符。", code="bad_username")
    if not display_name or len(display_name) > 50:
        raise Invalid("请填写 1–50 个字的显示名称。", code="bad_display_name")
    if Account.select().where(Account.username == username).exists():
        raise _taken(username)
    return username, display_name


def _taken(username: str) -> Conflict:
    return Conflict(f"用户名“{username}”已被使用。", code="username_taken")


def office_account(username: str) -> Account:
    """The office login with this username, else NotFound."""
    account = Account.get_or_none(Account.username == username.strip())
    if account is None:
        raise NotFound(f"没有用户名为“{username.strip()}”的办公室账号。", "account_not_found")
    return account


def reset_office_password(username: str, password: str, now: datetime) -> Account:
    """Give an office login a new password and lift its lockout: a clerk who forgot the
    password is otherwise locked out again after every few guesses, with no way back in.
    Tokens handed out under the old password are revoked, since a reset may follow a
    password someone else learned."""
    check_new_password(password)
    with db.atomic():
        account = office_account(username)
        Account.update(
            password_hash=generate_password_hash(password), failed_logins=0, locked_until=None
        ).where(Account.id == account.id).execute()
        live = (ApiToken.account == account) & ApiToken.revoked_at.is_null()
        ApiToken.update(revoked_at=now).where(live).execute()
    return Account.get_by_id(account.id)


def check_new_password(password: str) -> None:
    """Refuse a password too short to keep (Invalid weak_password)."""
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"密码至少 {MIN_PASSWORD} 位。", code="weak_password")


def check_password(account: Account, password: str) -> bool:
    """True when the password matches; says nothing about whether the account is active."""
    return check_password_hash(account.password_hash, password)
