"""Office logins: a salted hash is stored, usernames are unique, bad input gets a sentence."""

import pytest

from models import Account
from services.accounts import check_password, create_office_account
from services.errors import Conflict, Invalid
from tests.factories import NOW


def test_an_account_keeps_only_a_hash_of_its_password(database):
    account = create_office_account(" zhang.san ", "张三", "s3cret-pass", NOW)
    stored = Account.get_by_id(account.id)
    assert (stored.username, stored.display_name, stored.role) == ("zhang.san", "张三", "office")
    assert stored.active and stored.created_at == NOW
    assert "s3cret-pass" not in stored.password_hash
    assert check_password(stored, "s3cret-pass")
    assert not check_password(stored, "s3cret-pasS")
    assert not check_password(stored, "")


def test_two_accounts_with_one_password_get_different_hashes(database):
    a = create_office_account("office1", "一号", "same-password", NOW)
    b = create_office_account("office2", "二号", "same-password", NOW)
    assert a.password_hash != b.password_hash


def test_a_username_is_taken_once(database):
    create_office_account("office", "办公室", "demo1234", NOW)
    with pytest.raises(Conflict) as caught:
        create_office_account("office", "另一个", "other-password", NOW)
    assert caught.value.message == "用户名“office”已被使用。"
    assert caught.value.status == 409
    assert Account.select().count() == 1  # and the connection is still usable afterwards


@pytest.mark.parametrize(
    ("username", "display_name", "password", "code"),
    [
        ("", "办公室", "demo1234", "bad_username"),
        ("ab", "办公室", "demo1234", "bad_username"),
        ("办公室", "办公室", "demo1234", "bad_username"),
        ("has space", "办公室", "demo1234", "bad_username"),
        ("office", "  ", "demo1234", "bad_display_name"),
        ("office", "办" * 51, "demo1234", "bad_display_name"),
        ("office", "办公室", "short", "weak_password"),
    ],
)
def test_bad_input_is_refused_with_a_reason(database, username, display_name, password, code):
    with pytest.raises(Invalid) as caught:
        create_office_account(username, display_name, password, NOW)
    assert caught.value.code == code
    assert Account.select().count() == 0
