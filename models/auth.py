"""Login tokens for the mini-program API and the office, kept server-side with the WeChat
session they came from."""

import peewee as pw

from .base import BaseModel
from .roster import Account, Member

TOKEN_SCOPES = ("member", "bind", "office")


class ApiToken(BaseModel):
    """A bearer token, stored only as its SHA-256. A 'bind' token can do nothing but bind its
    openid to a member; session_key stays here and never reaches the phone."""

    token_hash = pw.CharField(max_length=64, unique=True)
    scope = pw.CharField(max_length=10)
    member = pw.ForeignKeyField(Member, null=True, backref="tokens", on_delete="CASCADE")
    account = pw.ForeignKeyField(Account, null=True, backref="tokens", on_delete="CASCADE")
    openid = pw.CharField(max_length=64, null=True)
    session_key = pw.CharField(max_length=64, null=True)
    created_at = pw.DateTimeField()
    expires_at = pw.DateTimeField()
    revoked_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("member",), False), (("openid",), False))
