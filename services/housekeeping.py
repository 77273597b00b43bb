"""Forgetting what is no longer needed: handled-push records, abandoned chat states, dead
login tokens, tries at bind codes no limit counts any more, old subscribe reports, the keyed
hashes of residents' phones and addresses and the page forms' ids and answers of old ratings,
and photo files no entry names."""

import os
from datetime import datetime, timedelta

from models import ApiToken, ChatState, Feedback, FeedbackForm, InboundMessage, SubscriptionReport
from settings.sections import FeedbackSettings

from . import bind_limits, clock
from .photo_sweep import sweep_photos

INBOUND_KEEP = timedelta(days=2)
TOKEN_KEEP = timedelta(days=7)  # after expiry or revocation, for the audit trail
# A retried subscribe report comes within seconds; a month later the same id is a new one.
SUBSCRIPTION_REPORT_KEEP = timedelta(days=30)


def purge_expired(
    now: datetime,
    feedback_key_days: int = FeedbackSettings.key_keep_days,
    photo_root: str | os.PathLike | None = None,
) -> dict[str, int]:
    """Delete dedupe records older than WeChat's retry window (with margin), stale chats,
    dead login tokens (each holds a WeChat session_key we no longer need), tries at bind codes
    older than every limit's window, and subscribe reports long past any retry; clear old
    ratings' keys and, given the photo folder, remove photo files no entry names
    (services.photo_sweep)."""
    inbound = InboundMessage.delete().where(InboundMessage.received_at < now - INBOUND_KEEP)
    chats = ChatState.delete().where(ChatState.expires_at < now)
    dead = (ApiToken.expires_at < now - TOKEN_KEEP) | (ApiToken.revoked_at < now - TOKEN_KEEP)
    tokens = ApiToken.delete().where(dead)
    old_reports = SubscriptionReport.reported_at < now - SUBSCRIPTION_REPORT_KEEP
    reports = SubscriptionReport.delete().where(old_reports)
    return {
        "inbound_messages": inbound.execute(),
        "chat_states": chats.execute(),
        "api_tokens": tokens.execute(),
        "bind_tries": bind_limits.purge(now),
        "subscription_reports": reports.execute(),
        "feedback_keys": forget_feedback_keys(now, feedback_key_days),
        "feedback_forms": forget_feedback_forms(now, feedback_key_days),
    } | ({"photo_files": sweep_photos(photo_root, now)} if photo_root is not None else {})


def forget_feedback_keys(now: datetime, keep_days: int) -> int:
    """Clear the phone's and the address's keyed hashes of ratings given more than keep_days
    Shanghai days ago. Every rule that reads them (one rating per phone a day, the held
    ceilings) reads only today's, so no limit moves. The day goes too: a rating without a
    phone's key keeps no day (as since migration 0015), so the daily unique key never sees
    two forgotten ratings as one phone's. The form id goes as well: it is signed with the
    phone's cookie, a key of it like the others (and its form is long past its FORM_TTL)."""
    oldest_kept = clock.local_today(now) - timedelta(days=keep_days)
    forgotten = {Feedback.client_key: "", Feedback.ip_key: "", Feedback.rated_on: None}
    forgotten[Feedback.form_id] = None
    return Feedback.update(forgotten).where(Feedback.rated_on < oldest_kept).execute()


def forget_feedback_forms(now: datetime, keep_days: int) -> int:
    """Delete the forms' last answers posted before the days the ratings' keys are kept: the
    form ids are signed with the phone's cookie, and a form that old can only be resent,
    never taken again (services.feedback_forms.FORM_TTL)."""
    oldest_kept = clock.local_today(now) - timedelta(days=keep_days)
    old = FeedbackForm.at < clock.local_midnight(oldest_kept)
    return FeedbackForm.delete().where(old).execute()
