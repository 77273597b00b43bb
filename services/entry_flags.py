"""Flags raised on an entry after its check-in: what a new doubt does to its status, and how
the doubts that follow from its times (checkin_rules.TIME_FLAGS) are weighed again when the
office corrects its hours (services.review.correct), with the rules check-out weighed them by;
and the doubts measured against an activity, when the office moves its point, radius or times
(services.entry_measures, through `reweighed`).

A flag is a doubt for a leader, so a flag that no longer holds goes and one that now holds
comes, whoever changed the times. The status follows the flags only where it was the flags'
doing, never a decision:
- a new doubt sends a verified entry to review (flagged), as at check-out: whoever verified
  it (the check-in's rule or a reviewer) did so without this doubt; a rejected entry stays
  rejected, one waiting for review keeps waiting;
- a flagged entry left with no flag at all still waits for review (its leader's, or the
  office's for a leader's own entry), as `pending`: it is no longer doubtful, but nobody has
  decided it. A correction of the hours is no decision, and only a decision makes an entry
  verified (services.history.last_decision): a verified status set by the flags would stand
  as the office's decision, and shut the leader out, without anyone having decided;
- a status the correction names itself is the office's decision and stands as named.
"""

from datetime import timedelta

from models import ServiceRecord

from .checkin_rules import TIME_FLAGS, CheckinRules, time_flags


def add(record: ServiceRecord, flag: str) -> None:
    """Add a doubt to the entry (once); a verified entry then waits for its leader."""
    if flag not in record.flags:
        record.flags = [*record.flags, flag]
        record.status = with_new_doubt(record.status)


def with_new_doubt(status: str) -> str:
    """The status an entry takes when a new doubt is raised on it."""
    return "flagged" if status == "verified" else status


def after_hours_correction(record: ServiceRecord, changes: dict, rules: CheckinRules) -> dict:
    """The flags (and, unless `changes` names it, the status) an office correction leaves on
    an entry when it changes its duration: the time flags weighed again for a service from
    the check-in lasting the corrected minutes (the hours the office says the member served).
    {} when the flags stay as they are. An entry still open is weighed when the correction
    closes it (`changes` sets its checkout_at, services.checkin_closing), as its check-out
    would have weighed them."""
    minutes = changes.get("duration_minutes")
    closes = record.checkout_at is None and "checkout_at" in changes
    moves = record.checkout_at is not None and minutes != record.duration_minutes
    if minutes is None or not (closes or moves):
        return {}
    ended = record.checkin_at + timedelta(minutes=minutes)
    activity_ends = record.activity.ends_at if record.activity_id is not None else None
    holding = time_flags(record.checkin_at, ended, minutes, activity_ends, rules)
    weighed = reweighed(record, TIME_FLAGS, holding)
    if "status" in changes:
        weighed.pop("status", None)  # the correction's own status is its decision
    return weighed


def reweighed(record: ServiceRecord, measured, holding: list[str]) -> dict:
    """The flags, and the status when it follows them, of an entry whose doubts in `measured`
    were weighed again and found to be `holding`: those no longer holding go, new ones are
    added; {} when the flags stay as they are (a status left as it is names no decision)."""
    flags = [f for f in record.flags if f not in measured or f in holding]
    flags += [f for f in holding if f not in flags]
    if flags == record.flags:
        return {}
    status = _status(record.status, record.flags, flags)
    return {"flags": flags} | ({"status": status} if status != record.status else {})


def _status(status: str, before: list[str], after: list[str]) -> str:
    if set(after) - set(before):
        return with_new_doubt(status)
    return "pending" if status == "flagged" and not after else status
