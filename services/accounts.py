"""Logins for the office web dashboard: creating them and checking their passwords."""

import re
from datetime import datetime

import peewee
from werkzeug.security import check_password_hash, generate_password_hash

from models import Account, db
from services.errors import Conflict, Invalid

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,50}$")
MIN_PASSWORD = 8


def create_office_account(
    username: str, display_name: str, password: str, now: datetime
) -> Account:
    """Create an office login, storing only a salted hash of the password."""
    username, display_name = username.strip(), display_name.strip()
    if not USERNAME.match(username):
        raise Invalid("用户名须为 3–50 位字母、数字、下划线、点或连字符。", code="bad_username")
    if not display_name or len(display_name) > 50:
        raise Invalid("请填写 1–50 个字的显示名称。", code="bad_display_name")
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"密码至少 {MIN_PASSWORD} 位。", code="weak_password")
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
        raise Conflict(f"用户名“{username}”已被使用。", code="username_taken") from None


def check_password(account: Account, password: str) -> bool:
    """True when the password matches; says nothing about whether the account is active."""
    return check_password_hash(account.password_hash, password)
