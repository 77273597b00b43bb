"""Signed, expiring links to photos: a photo is served only to whoever holds a fresh link,
and links are handed out only to those allowed to see the record."""

import hashlib
import hmac
from datetime import UTC, datetime, timedelta


def _signature(key: str, expires: int, secret: str) -> str:
    message = f"{key}\n{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def sign(key: str, now: datetime, ttl: timedelta, secret: str) -> tuple[int, str]:
    """(expiry as epoch seconds, signature) for a storage key."""
    expires = _epoch(now + ttl)
    return expires, _signature(key, expires, secret)


def is_valid(key: str, expires: int, signature: str, now: datetime, secret: str) -> bool:
    """True for an unexpired link whose signature matches."""
    if expires < _epoch(now) or not signature.isascii():
        return False  # compare_digest refuses non-ASCII text, and no signature is non-ASCII
    return hmac.compare_digest(_signature(key, expires, secret), signature)


def _epoch(moment: datetime) -> int:
    """Epoch seconds of a naive-UTC time (naive .timestamp() would assume local time)."""
    return int(moment.replace(tzinfo=UTC).timestamp())
