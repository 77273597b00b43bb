"""Changing a register entry after it was made: the member's fill-in, the leader's review, the
office's correction. Each change is saved with its history entry in one transaction; a change
that changes nothing is not recorded, except an office review that confirms the status a
leader (or the check-in) left: its line, with no changes, is the office's decision from then on.

Who may do what, for an entry the actor can see (see services.records for visibility):
- fill in content, target, outcome: the entry's own member, or the leader who registered it
  for the member (that text is the leader's own); never another member's text;
- review (verify / reject): the leader of the member's team, except for their own entries,
  entries they registered themselves (those go to the office) and entries that fail the
  register check (the office looks into those), or the office; once the
  office has decided (its review, or its correction to verified or rejected, is the latest
  decision, see services.history.last_decision), only the office may change that decision,
  until the entry goes back to review (a rewrite, or the office setting pending or flagged);
- correct anything listed in CORRECTABLE, with a reason: the office only. A correction that
  names the verified or rejected status the entry already has confirms that decision, as the
  office's review would (the same change-free review line follows the correction's). A
  correction that names verified or rejected is a decision, and its reason becomes the review
  comment, so that the comment the member reads always goes with the status shown. A
  correction that changes the duration of a checked-out entry weighs the flags that follow
  from its times again, by check-out's rules (services.entry_flags): a doubt that no longer
  holds goes, one that now holds comes, in the correction's history line; a new doubt sends
  a verified entry to review, and a flagged entry left with no flag still waits for review,
  as pending (no longer doubtful, not decided either), unless the correction names the status.
  Hours set on an entry still open end its check-in (services.checkin_closing): the member
  forgot to check out, and the office's hours are not overwritten by a later tap on 签退;
- send back to review for a finding (a spot check's problem, services.spot_check_results):
  the office only, a correction to flagged that adds the finding's flag; never a rejected entry,
  and not an entry still flagged for a finding (it waits for that review already: a changed
  finding is added to its history as a line with no changes, the same finding nothing); and
  withdraw the finding (the problem changed to confirmed): the flag goes in a line of its own,
  and an entry still waiting as the finding left it is verified again (withdraw_finding).

A rejected entry is closed to fill-in: what was judged stays as it was judged; if the member
disagrees, the leader can review it again (unless the office rejected it) or the office can
correct it, so the member is sent to whoever rejected it (decided_by): the office's rejection
is the office's to change, and a leader asked about it could only say so. Rewriting what a
reviewer approved (a leader's or the office's review, or an office correction to verified)
sends the entry back to the leader (flag edited_after_review): an approval covers only the
text it saw. Text once written cannot be blanked (it would quietly
take the entry out of the hours).
"""

from datetime import datetime

from models import Member, RecordHistory, ServiceRecord, db
from models.record import DECIDED, DECISIONS, RECORD_STATUSES

from . import checkin_closing, entry_flags, history
from . import member_notices as notices
from .actors import Actor, is_office_label
from .checkin_rules import CheckinRules
from .errors import Conflict, Forbidden, Invalid
from .record_names import DECIDER_NAMES
from .record_text import is_author
from .records import is_registered_by_leader, load_for_change

TEXT_LIMITS = {"content": 500, "target": 200, "outcome": 500}
REASON_LIMIT = 500
MAX_DURATION_MIN = 24 * 60
# A fill-in or a check-out of a rejected entry, naming whoever rejected it (decided_by): only
# they can change the decision, so that is whom the member asks.
REJECTED = "该记录未通过审核，不能再修改；如有异议请联系{who}。"
CORRECTABLE = (*TEXT_LIMITS, "duration_minutes", "status")
FIELD_NAMES = {"content": "服务内容", "target": "服务对象", "outcome": "取得成效"}


def clean_text(name: str, value: str, limit: int, label: str | None = None) -> str:
    """Trimmed text within its limit, free of characters the database cannot keep."""
    label = label or FIELD_NAMES.get(name, name)
    if not isinstance(value, str):
        raise Invalid(f"{label}应为文字。", "bad_field")
    value = value.strip()
    if "\x00" in value or not _encodable(value):
        raise Invalid(f"{label}包含无法识别的字符。", "bad_text")
    if len(value) > limit:
        raise Invalid(f"{label}不能超过 {limit} 个字。", "text_too_long")
    return value


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from JSON such as "\\ud800"
        return False
    return True


def _texts(content, target, outcome) -> dict:
    given = {"content": content, "target": target, "outcome": outcome}
    return {k: clean_text(k, v, TEXT_LIMITS[k]) for k, v in given.items() if v is not None}


def fill_in(
    actor: Actor,
    record_id: int,
    now: datetime,
    *,
    content: str | None = None,
    target: str | None = None,
    outcome: str | None = None,
) -> ServiceRecord:
    """Set what was done, for whom, with what result; fields left as None stay as they are."""
    texts = _texts(content, target, outcome)
    with db.atomic():
        record = load_for_change(actor, record_id)
        _require_author(actor, record)
        if record.status == "rejected":
            raise rejected(record)
        _refuse_blanking(record, texts)
        if _rewrites(record, texts) and _was_reviewed(record):
            texts |= _back_to_review(record)
        return _save(record, texts, actor.label, "fill", now)


def _refuse_blanking(record: ServiceRecord, texts: dict) -> None:
    for name, value in texts.items():
        if not value and getattr(record, name).strip():
            raise Invalid(f"{FIELD_NAMES[name]}已填写，不能清空。", "text_required")


def _rewrites(record: ServiceRecord, texts: dict) -> bool:
    """Whether the fill-in changes text already written (filling in an empty field is not)."""
    return any(getattr(record, k).strip() and v != getattr(record, k) for k, v in texts.items())


def _was_reviewed(record: ServiceRecord) -> bool:
    """Whether someone's decision (a review, or an office correction to verified or rejected)
    stands on the entry: its text is what that decision approved. A clean check-in's automatic
    verified approves nothing, so its text may be finished without a new review."""
    return history.last_decision(record) is not None


def _back_to_review(record: ServiceRecord) -> dict:
    flags = list(dict.fromkeys([*record.flags, "edited_after_review"]))
    return {"status": "flagged", "flags": flags}


def _require_author(actor: Actor, record: ServiceRecord) -> None:
    if is_author(actor, record):
        return
    if actor.is_office:
        raise Forbidden("办公室修改登记请填写更正原因。", "correction_reason_required")
    raise Forbidden("队长不能修改队员填写的内容。", "not_author")


def correct(
    actor: Actor,
    record_id: int,
    now: datetime,
    *,
    reason: str,
    quiet_hours: str,
    rules: CheckinRules,
    **fields,
) -> ServiceRecord:
    """The office corrects an entry (texts, duration_minutes, status); the reason is kept in
    the history and is required. A new duration weighs the flags that follow from the times
    again by `rules` (services.entry_flags), in the same history line. Hours set on an entry
    still open end its check-in (services.checkin_closing.by_correction): the office's hours
    stand, and the member's later check-out is refused rather than overwriting them. A
    correction that rejects the entry tells its member, with the reason, as a leader's
    rejection does (services.member_notices)."""
    if not actor.is_office:
        raise Forbidden("只有办公室可以更正登记。", "office_only")
    reason = clean_text("reason", reason or "", REASON_LIMIT, "更正原因")
    if not reason:
        raise Invalid("请填写更正原因。", "reason_required")
    changes = _correction(fields)
    if changes.get("status") in DECIDED:
        changes["review_comment"] = reason  # the decision's reason is what the member reads
    with db.atomic():
        record = load_for_change(actor, record_id)
        changes = checkin_closing.by_correction(record, changes, now) | changes
        changes |= entry_flags.after_hours_correction(record, changes, rules)
        confirms, was = _confirms_decision(record, changes), record.status
        _save(record, changes, actor.label, "correct", now, reason)
        if confirms:
            _save(record, {}, actor.label, "review", now, reason, always=True)
        _tell_member(record, was, reason, "office", now, quiet_hours)
        return record


def flag_finding(
    actor: Actor,
    record_id: int,
    flag: str,
    reason: str,
    now: datetime,
    amended: str | None = None,
) -> ServiceRecord:
    """The office sends an entry back to review for something it found (a spot check's
    problem): its correction to flagged, with `flag` added so the leader's list says why and
    the reason in the history. A rejected entry stays as it was judged: a finding confirms
    that, it does not reopen it. Once a review has verified it, the next finding sends it back.

    An entry still flagged with `flag` waits for the review a finding asked for, so it is not
    sent back again: the office has changed what it found (`amended`, the finding as it reads
    now), and that goes into the history as a line of its own, with no changes to the entry,
    so that the reviewer reads the finding as it stands, with who changed it and when.
    `amended` None: the finding is as the history has it (a retry, the same note again), and
    nothing is written."""
    if not actor.is_office:
        raise Forbidden("只有办公室可以更正登记。", "office_only")
    reason = clean_text("reason", reason, REASON_LIMIT, "更正原因")
    if amended is not None:
        amended = clean_text("reason", amended, REASON_LIMIT, "更正原因")
    with db.atomic():
        record = load_for_change(actor, record_id)
        if record.status == "rejected":
            return record
        if record.status == "flagged" and flag in record.flags:
            if amended is None:
                return record
            return _save(record, {}, actor.label, "correct", now, amended, always=True)
        changes = {"status": "flagged", "flags": list(dict.fromkeys([*record.flags, flag]))}
        return _save(record, changes, actor.label, "correct", now, reason)


def withdraw_finding(
    actor: Actor, record_id: int, flag: str, reason: str, now: datetime
) -> ServiceRecord:
    """The office withdraws what it found (a spot check's problem changed to confirmed): the
    finding's `flag` goes, with `reason` in the history as a line of the office's, so the
    leader reads that the office took it back, and who and when.

    The status follows, never undoing anyone's decision: an entry still waiting for the review
    the finding asked for, as the finding left it (no line has moved its status or flags
    since), goes back to the status it had (verified: spot checks sample verified entries),
    as the office's decision, since the office has looked at the entry and found it right; the
    reason is then its review comment. An entry reviewed since keeps the reviewer's decision,
    and one whose doubts changed since waits for its review (as pending when no flag is left,
    services.entry_flags). An entry without the flag (withdrawn already, or rejected before the
    finding, which left it as it was) is left alone: a retry writes nothing."""
    if not actor.is_office:
        raise Forbidden("只有办公室可以更正登记。", "office_only")
    reason = clean_text("reason", reason, REASON_LIMIT, "更正原因")
    with db.atomic():
        record = load_for_change(actor, record_id)
        if flag not in record.flags:
            return record
        changes = {"flags": [f for f in record.flags if f != flag]}
        found_on = _status_before_finding(record, flag)
        if record.status == "flagged" and found_on is not None:
            changes["status"] = found_on
            if found_on in DECIDED:
                changes["review_comment"] = reason
        elif record.status == "flagged" and not changes["flags"]:
            changes["status"] = "pending"
        return _save(record, changes, actor.label, "correct", now, reason)


def _status_before_finding(record: ServiceRecord, flag: str) -> str | None:
    """The status a finding of `flag` moved the entry from, when the finding's line is still
    the latest to move its status or flags (the entry stands as the finding left it); else
    None."""
    H = RecordHistory
    lines = record.history.select(H.actor, H.action, H.changes).order_by(H.seq.desc())
    for line in lines:
        status, flags = line.changes.get("status"), line.changes.get("flags")
        if status is None and flags is None:
            continue
        found = (
            line.action == "correct"
            and is_office_label(line.actor)
            and flags is not None
            and flag in flags[1]
            and flag not in flags[0]
        )
        return status[0] if found and status is not None else None
    return None


def _confirms_decision(record: ServiceRecord, changes: dict) -> bool:
    """Whether a correction names the decided status the entry already has, while the decision
    is not yet the office's: the office confirms it, as its review with the same decision would,
    and the same change-free review line records that (a correction line that moves no status
    is no decision, see services.history.last_decision)."""
    same = changes.get("status") == record.status and record.status in DECIDED
    return same and not _office_decided(record)


def _correction(fields: dict) -> dict:
    unknown = set(fields) - set(CORRECTABLE)
    if unknown:
        raise Invalid(f"不能更正字段：{'、'.join(sorted(unknown))}。", "bad_field")
    given = {k: v for k, v in fields.items() if v is not None}
    changes = _texts(given.get("content"), given.get("target"), given.get("outcome"))
    if "duration_minutes" in given:
        minutes = given["duration_minutes"]
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise Invalid("服务时长应为整数分钟。", "bad_field")
        if not 0 <= minutes <= MAX_DURATION_MIN:
            raise Invalid(f"服务时长应在 0 到 {MAX_DURATION_MIN} 分钟之间。", "bad_duration")
        changes["duration_minutes"] = minutes
    if "status" in given:
        if given["status"] not in RECORD_STATUSES:
            raise Invalid("状态不正确。", "bad_status")
        changes["status"] = given["status"]
    return changes


def edit(
    actor: Actor,
    record_id: int,
    now: datetime,
    fields: dict,
    reason: str | None = None,
    *,
    quiet_hours: str,
    rules: CheckinRules,
) -> ServiceRecord:
    """One entry point for PATCH-like edits from any transport: the office corrects (reason
    required), anyone else fills in; fields only the office may change are refused."""
    if actor.is_office:
        return correct(
            actor,
            record_id,
            now,
            reason=reason or "",
            quiet_hours=quiet_hours,
            rules=rules,
            **fields,
        )
    office_only = sorted(set(fields) - set(TEXT_LIMITS))
    if office_only:
        raise Forbidden("只有办公室可以修改服务时长或状态。", "office_only_field")
    return fill_in(actor, record_id, now, **fields)


def review(
    actor: Actor,
    record_id: int,
    decision: str,
    comment: str,
    now: datetime,
    quiet_hours: str,
) -> ServiceRecord:
    """Verify or reject an entry; a rejection must say why (the member is sent the comment,
    once, when the entry becomes rejected; see services.member_notices).

    Who may review is settled before what was asked: a member who may not review hears that,
    not how to word a decision they could never make."""
    with db.atomic():
        record = load_for_change(actor, record_id)
        _require_reviewer(actor, record)
        status = DECISIONS.get(decision)
        if status is None:
            raise Invalid("审核结论应为 verify（通过）或 reject（不通过）。", "bad_decision")
        comment = clean_text("comment", comment or "", REASON_LIMIT, "审核意见")
        if status == "rejected" and not comment:
            raise Invalid("不通过时请填写理由。", "comment_required")
        changes = _decision(record, status, comment)
        confirms = actor.is_office and not _office_decided(record)
        was = record.status
        _save(record, changes, actor.label, "review", now, comment, always=confirms)
        by = "office" if actor.is_office else "leader"
        _tell_member(record, was, comment, by, now, quiet_hours)
        return record


def _tell_member(
    record: ServiceRecord, was: str, why: str, by: str, now: datetime, quiet_hours: str
) -> None:
    """On the status change a decision made, from `was`: an entry that became rejected tells
    its member why and who decided (`by`: leader or office); one that is no longer rejected
    withdraws the rejection notice that has not gone out (services.member_notices). A decision
    that leaves the status as it was tells nobody anything new."""
    if record.status == "rejected" != was:
        notices.tell_rejected(record, why, by, now, quiet_hours)
    elif was == "rejected" != record.status:
        notices.withdraw_rejection(record, now)


def _decision(record: ServiceRecord, status: str, comment: str) -> dict:
    """The status and the comment the member reads with it. A decision that repeats the
    current status without a word keeps the comment given with it: it says nothing new, and
    a blank would wipe why the entry stands as it does."""
    if status == record.status and not comment:
        return {"status": status}
    return {"status": status, "review_comment": comment}


def _require_reviewer(actor: Actor, record: ServiceRecord) -> None:
    if actor.is_office:
        return
    me = actor.member
    if me is None or not actor.leads(record.member.team_id):
        raise Forbidden("只有本队队长或办公室可以审核登记。", "leader_only")
    if record.member_id == me.id:
        raise Forbidden("不能审核自己的登记，请由办公室审核。", "own_record")
    _refuse_leader_registration(record, me)
    _refuse_overturning_office(record)
    _refuse_failing_check(record)


# Why a leader may not review a leader's registration, by whether they registered it: the
# one who did is told it is their own, as with their own entry; any other leader (a co-leader,
# or the next leader after a handover) that the office reviews every registration.
REGISTRATION_REFUSALS = {
    True: ("不能审核自己代为登记的记录，请由办公室审核。", "own_registration"),
    False: ("队长代为登记的记录由办公室审核，队长不能审核。", "leader_registration"),
}


def _refuse_leader_registration(record: ServiceRecord, me: Member) -> None:
    """A leader's registration rests on a leader's word, not on a photo: the office verifies
    it (records.reviewer_for), never a leader."""
    if is_registered_by_leader(record):
        raise Forbidden(*REGISTRATION_REFUSALS[record.registered_by_id == me.id])


def _refuse_failing_check(record: ServiceRecord) -> None:
    """A leader does not review an entry that fails the register check (edited behind the
    service's back): the leader is not shown the finding, so would judge values nobody
    entered through the service without knowing it. The office, which sees the finding on
    the entry, reviews it (or corrects it) knowingly; its decision does not wash the finding
    away, which the history keeps."""
    if history.verify_record(record) is not None:
        raise Conflict(
            "该记录未通过登记簿核验（数据在系统之外被改动过），已交办公室核查，暂不能审核。",
            "register_check_failed",
        )


def _refuse_overturning_office(record: ServiceRecord) -> None:
    """A leader reviews before the office, never after it: the office's decision stands until
    the office changes it, or until the entry changes and goes back to review."""
    if _office_decided(record):
        raise Forbidden("该记录已由办公室审核，如需更改请联系办公室。", "office_decided")


def rejected(record: ServiceRecord) -> Conflict:
    """The refusal of a member's change to their rejected entry (a fill-in, a check-out),
    sending them to whoever rejected it."""
    return Conflict(REJECTED.format(who=DECIDER_NAMES[decided_by(record)]), "record_rejected")


def decided_by(record: ServiceRecord) -> str:
    """Who decided the status the entry stands at, as records.REVIEWERS names them: 'office'
    when the office's decision stands (its review, its confirmation of a leader's, or its
    correction to verified or rejected), else 'leader'. Whom a member who disagrees should ask:
    a leader cannot change the office's decision (office_decided)."""
    return "office" if _office_decided(record) else "leader"


def _office_decided(record: ServiceRecord) -> bool:
    decided = history.last_decision(record)
    return decided is not None and is_office_label(decided.actor)


def _save(
    record: ServiceRecord,
    changes: dict,
    actor: str,
    action: str,
    now: datetime,
    reason="",
    *,
    always: bool = False,
) -> ServiceRecord:
    """Apply the changes; save and append history only when a tracked value moved, or
    `always` (an office review that confirms what a leader decided: its line, with no
    changes, is what makes the decision the office's; a finding the office changed while the
    entry waits for its review)."""
    before = history.state_of(record)
    for name, value in changes.items():
        setattr(record, name, value)
    if history.state_of(record) == before and not always:
        return record
    record.updated_at = now
    record.save()
    history.append(record, actor, action, now, before, reason)
    return record
