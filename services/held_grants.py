"""Subscribe grants held by an outbox row: spent when the message was queued rather than when
it is sent, so that a broadcast that tells its leader 「将发给 9 名队员」 counts only grants no
other message can take meanwhile (two notices previewed at once both see one grant; only one
may count it).

The row's payload names the template ("grant"). The mini-program channel sends on it instead
of spending another; the row keeps it through retries (WeChat busy, unreachable), and drops
it once it is used (sent) or WeChat says the member has none (43101). A row that ends any
other way (sent through another channel, skipped, failed) gives it back, so a grant is
never spent twice and never lost.
"""

from datetime import datetime

from . import grants

KEY = "grant"
#: The channel that sends on a grant (services.reach: "no_grant").
CHANNEL = "mp_subscribe"
#: A channel's reason when WeChat says no grant is left (43101): the held one was void.
VOID = "refused"


def hold(member_id: int, template_id: str) -> bool:
    """Take one grant for a message being queued; False when none is left. One conditional
    UPDATE (services.grants.spend): two notices queued at once never take the same one."""
    return bool(template_id) and grants.spend(member_id, template_id)


def held(payload) -> str:
    """The template whose grant the row holds, or ""."""
    return str(payload.get(KEY) or "") if isinstance(payload, dict) else ""


def after_answer(payload: dict, channel: str, sent: bool, reason: str) -> dict:
    """The payload after one channel's answer: without the hold once the grant was used or
    WeChat said there was none."""
    if channel == CHANNEL and held(payload) and (sent or reason == VOID):
        return _without(payload)
    return payload


def release(payload: dict) -> tuple[dict, str]:
    """The payload of a row that ends, without its hold, and the template whose grant it held
    ("" if none): give_back it once the row's end is written by the sender that claimed it."""
    template = held(payload)
    return (_without(payload) if template else payload), template


def give_back(member_id: int, template: str, now: datetime) -> None:
    if template:
        grants.refund(member_id, template, now)


def _without(payload: dict) -> dict:
    return {k: v for k, v in payload.items() if k != KEY}
