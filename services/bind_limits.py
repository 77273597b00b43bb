"""Limits on guessing a bind code, counted per WeChat caller and per code, with a lock on a
code that lifts by itself: a stranger who knows a member's phone cannot cheaply stop that
member from binding, and nobody can guess a code.

Every phone and code typed in is a try (services.binding.typed_code; a text that is no phone
and code never is). The caller is the WeChat identity trying: "mp:<openid>" in the
mini-program, whatever login it comes through, and "oa:<openid>" in the chat.

- A caller may fail CALLER_LIMITS: 5 tries an hour and 10 a day. The wrong try that uses up
  the allowance is answered too_many_attempts with the time to come back; tries before then
  are refused unchecked and not counted (waiting is enough; trying again does not prolong it).
- A code is checked against at most CODE_DAY_TRIES (50) tries in any CODE_WINDOW (24 hours).
  Beyond that a try is refused unchecked with the answer a wrong code gets, so nobody can
  tell that the code is locked, or that a guess would have been right; the lock lifts as the
  tries age.
- A code is checked against at most CODE_LIFE_TRIES (200) tries in its whole life (counted
  in BindCode.failed_attempts): it is then void, and the office issues a new one.
A right code counts for neither (it is no guess). A QR scene (chat_binding.bind_with_scene)
cannot be guessed: no limit applies to it.

The arithmetic. A code is one of 10**6, so a checked try at a member's live code is right
with a chance of at most 1 in 10**6 (a little more as guesses rule codes out).
- Guessing: no code is ever checked more than 200 times, so even a guesser with any number
  of WeChat accounts, who knows the member's phone, binds with that member's code with a
  chance of at most 200 / 10**6 = 0.02%; a guesser with k callers checks at most 10k tries a
  day, a chance of at most 0.001% per caller and day, whichever codes they aim at.
- Locking a code for a day takes 50 wrong tries within 24 hours: 5 callers, each failing 10
  times (a person has at most two callers, the mini-program's and the Official Account's
  openid, and every WeChat account needs its own real-name phone), every day the lock is to
  last. Meanwhile the member can bind in the mini-program by WeChat's phone authorisation,
  which takes no code. Voiding a code takes 200 wrong tries: 4 days of that effort, against a
  code that lives bind_code_ttl_days (14 by default).
Before this, 5 wrong tries by anyone voided a member's code for good.

Concurrency: a try writes its row before it counts (each statement commits on its own), so of
tries racing each other the k-th to commit sees at least k rows, and no more than a limit
pass; a race may refuse a try that could have passed, never let one more through. The code's
lifetime count is a conditional UPDATE (failed_attempts < CODE_LIFE_TRIES): exact. A refused
try's row is deleted, and so is a right code's; the latter may let a racing try of the same
caller through beyond its limit, which is harmless: a caller binds once.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from models import BindCode, BindTry

from . import clock
from .errors import Forbidden

log = logging.getLogger(__name__)

#: Per caller: (window, failed tries allowed in it, the window in words for the API document).
CALLER_LIMITS = ((timedelta(hours=1), 5, "每小时"), (timedelta(days=1), 10, "每天"))
CODE_WINDOW, CODE_DAY_TRIES = timedelta(days=1), 50
CODE_LIFE_TRIES = 200
#: A try is forgotten after the longest window (services.housekeeping).
KEEP = max([CODE_WINDOW] + [window for window, _, _ in CALLER_LIMITS])
CALLER_MAX = 80  # BindTry.caller

TOO_MANY_TRIES = (
    "尝试次数过多，请于{when} 后再试。如确认手机号和绑定码无误仍无法绑定，请联系办公室。"
)


class TooManyTries(Forbidden):
    """The caller has used up its tries; the answer says when it may try again."""

    def __init__(self, until: datetime, *, now: datetime):
        super().__init__(TOO_MANY_TRIES.format(when=_when(until, now)), "too_many_attempts")
        self.until = until


@dataclass(frozen=True)
class Attempt:
    """A try being checked: its row, its time, and the caller's other tries counted then."""

    id: int
    at: datetime
    others: tuple[datetime, ...]


def caller(channel: str, openid: str) -> str:
    """The caller a WeChat identity tries as: "mp:<openid>" or "oa:<openid>"."""
    return f"{channel}:{openid}"[:CALLER_MAX]


def begin(who: str, code: BindCode | None, now: datetime) -> Attempt:
    """Count a try by `who` at `code` (the live code the typed phone names, if any), or
    TooManyTries, the try not counted, when `who` has no tries left."""
    row = BindTry.create(caller=who, bind_code=code, at=now)
    since = now - KEEP
    query = BindTry.select(BindTry.id, BindTry.at).where(
        (BindTry.caller == who) & (BindTry.at > since)
    )
    others = tuple(sorted(t.at for t in query if t.id != row.id))
    until = blocked_until(others, now)
    if until is not None:
        BindTry.delete().where(BindTry.id == row.id).execute()
        raise TooManyTries(until, now=now)
    return Attempt(row.id, now, others)


def failed(attempt: Attempt) -> None:
    """After a failed try: TooManyTries when it used up its caller's tries, so the caller
    learns at once when to come back; else nothing."""
    until = blocked_until(tuple(sorted(attempt.others + (attempt.at,))), attempt.at)
    if until is not None:
        raise TooManyTries(until, now=attempt.at)


def code_open(attempt: Attempt, code: BindCode) -> bool:
    """Whether the try may be checked against `code`: False once the code has had its tries
    of the last CODE_WINDOW or of its life. The try then counts for its caller only."""
    since = attempt.at - CODE_WINDOW
    recent = BindTry.select().where((BindTry.bind_code == code.id) & (BindTry.at > since))
    if recent.count() <= CODE_DAY_TRIES and _take_life_try(code):
        return True
    log.warning("bind code %s (member %s) refuses typed tries: too many", code.id, code.member_id)
    BindTry.update(bind_code=None).where(BindTry.id == attempt.id).execute()
    return False


def right(attempt: Attempt, code: BindCode) -> None:
    """The code was right: the try was no guess, and counts neither for its caller nor
    against the code."""
    BindTry.delete().where(BindTry.id == attempt.id).execute()
    C = BindCode
    C.update(failed_attempts=C.failed_attempts - 1).where(C.id == code.id).execute()


def blocked_until(tries: tuple[datetime, ...], now: datetime) -> datetime | None:
    """When a caller with these earlier tries (oldest first) may try again, if it may not
    now: once enough of them have left every window they fill."""
    waits = []
    for window, allowed, _ in CALLER_LIMITS:
        inside = [at for at in tries if at > now - window]
        if len(inside) >= allowed:
            waits.append(inside[len(inside) - allowed] + window)
    return max(waits, default=None)


def purge(now: datetime) -> int:
    """Forget tries no limit counts any more."""
    return BindTry.delete().where(BindTry.at <= now - KEEP).execute()


def _take_life_try(code: BindCode) -> bool:
    C = BindCode
    unlocked = (C.id == code.id) & (C.failed_attempts < CODE_LIFE_TRIES)
    return bool(C.update(failed_attempts=C.failed_attempts + 1).where(unlocked).execute())


def _when(until: datetime, now: datetime) -> str:
    """A time people read: 「今天 15:31」 or 「明天 09:02」 (Shanghai), rounded up to the minute
    so that trying then is never too early."""
    local = clock.to_local(until + timedelta(microseconds=59_999_999)).replace(
        second=0, microsecond=0
    )
    days = (local.date() - clock.local_today(now)).days
    day = {0: "今天", 1: "明天"}.get(days, f"{local.month}月{local.day}日")
    return f"{day} {local:%H:%M}"
