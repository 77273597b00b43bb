"""The office's side of the daily spot check (日常抽查): the sampled entries to look at, and
what it found in each (services.spot_check draws the sample).

A spot check is `pending` until the office records `confirmed` (nothing wrong) or `problem`.
Recording is idempotent: the same result again, with no note or the same note, changes
nothing (a double click, a retry). Anything else is kept as a new line (SpotCheckResult) with
who recorded it and when, and the spot check shows the latest. A problem must say what is
wrong; a result already recorded changes only with a note saying why.

A problem found leads to the entry's review, by the office's own rule for that
(services.review.flag_finding): the entry is flagged `spot_check_problem` with the note in its
history, so it waits in its leader's list of entries to review (or the office's, for a leader's
own entry) and the member can complete it; a rejected entry stays rejected. Every problem
recorded (the first, or a new note) goes to the entry, and the entry's state decides what it
does: an entry the review has settled since (verified again) goes back to review with the new
note in its history, since it is a new finding the reviewer has not seen; an entry still
flagged `spot_check_problem` is still waiting for that review, so the new note amends the
finding: the entry's history gets a line of its own (FINDING_AMENDED, by the office, at that
time, changing nothing else), so that the leader reviews what the office found as it stands
now and not only its first wording. A problem whose note is the last problem's note again
(a retry) amends nothing and adds no line.

Changing a problem to confirmed withdraws the finding (services.review.withdraw_finding): the
entry's history gets a line of the office's, FINDING_WITHDRAWN with the note saying why, and
the flag goes, so the leader sees that the office took it back rather than reviewing a problem
nobody holds any more. An entry still waiting for the finding's review, as the finding left
it, is verified again, as the office's decision (the office has looked at it and found it
right); a review's decision since stands (nothing undoes it by itself), and an entry whose
doubts changed since still waits for its review. Confirmed again (a retry) changes nothing;
the same problem found again after that is a new finding and sends the entry back to review.
"""

from dataclasses import dataclass
from datetime import date, datetime

import peewee as pw

from models import Account, SpotCheck, SpotCheckResult, db
from models.oversight import SPOT_CHECK_RESULTS

from . import date_window, review
from .actors import Actor
from .entry_labels import EntryLabel, label_entries
from .errors import Forbidden, Invalid, NotFound
from .rows import check_page, is_id, load_locked

FOUND = ("confirmed", "problem")  # what the office may record
FINDING_FLAG = "spot_check_problem"
FINDING_REASON = "日常抽查发现问题：{note}"
FINDING_AMENDED = "日常抽查发现的问题已更新：{note}"  # the entry's line for a changed finding
FINDING_WITHDRAWN = "日常抽查发现的问题已撤回：{note}"  # the line for a problem now confirmed
NOTE_LIMIT = 300  # the history's reason holds the note with FINDING_REASON around it
PAGE_DEFAULT, PAGE_MAX = 50, 200


@dataclass(frozen=True)
class ResultLine:
    """One result as it was recorded."""

    result: str
    note: str
    recorded_by: Account | None
    recorded_at: datetime


@dataclass(frozen=True)
class SpotCheckView:
    """A sampled entry, what the office found in it so far, and every result recorded."""

    id: int
    sampled_on: date  # the Shanghai day the sample was drawn (the inbox message's day)
    entry: EntryLabel
    result: str
    note: str
    checked_by: Account | None
    checked_at: datetime | None
    history: list[ResultLine]


@dataclass(frozen=True)
class SpotCheckFilters:
    """Dates are Shanghai days the samples were drawn, both inclusive."""

    result: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    limit: int = PAGE_DEFAULT
    offset: int = 0


def list_spot_checks(actor: Actor, filters: SpotCheckFilters) -> tuple[list[SpotCheckView], int]:
    """One page of spot checks, newest sample first, and how many match."""
    _require_office(actor)
    where = _where(filters)
    total = SpotCheck.select().where(where).count()
    page = (
        SpotCheck.select(SpotCheck, Account)
        .join(Account, pw.JOIN.LEFT_OUTER, on=(SpotCheck.checked_by == Account.id))
        .where(where)
        .order_by(SpotCheck.sampled_on.desc(), SpotCheck.id)
        .limit(filters.limit)
        .offset(filters.offset)
    )
    return _views(list(page)), total


def _where(f: SpotCheckFilters) -> pw.Expression:
    _check_filters(f)
    where = SpotCheck.id.is_null(False)
    if f.result is not None:
        where &= SpotCheck.result == f.result
    if f.date_from is not None:
        where &= SpotCheck.sampled_on >= f.date_from
    if f.date_to is not None:
        where &= SpotCheck.sampled_on <= f.date_to
    return where


def _check_filters(f: SpotCheckFilters) -> None:
    checks = (
        (
            f.result is None or f.result in SPOT_CHECK_RESULTS,
            f"result 应为 {'、'.join(SPOT_CHECK_RESULTS)} 之一。",
        ),
    )
    for ok, message in checks:
        if not ok:
            raise Invalid(message, "bad_filter")
    check_page(f.limit, f.offset, PAGE_MAX)
    date_window.check_window(f.date_from, f.date_to)


def record_result(
    actor: Actor, spot_check_id: int, result: str, note: str | None, now: datetime
) -> SpotCheckView:
    """Record what the office found in one sampled entry (the rules are the module's)."""
    _require_office(actor)
    if result not in FOUND:
        raise Invalid("抽查结果应为 confirmed（无误）或 problem（发现问题）。", "bad_result")
    note = review.clean_text("note", note or "", NOTE_LIMIT, "抽查说明")
    with db.atomic():
        check = load_locked(SpotCheck, spot_check_id, _not_found())
        if not _is_repeat(check, result, note):
            _require_note(check, result, note)
            _record(actor, check, result, note, now)
    return get_spot_check(actor, spot_check_id)


def _is_repeat(check: SpotCheck, result: str, note: str) -> bool:
    return result == check.result and note in ("", check.note)


def _require_note(check: SpotCheck, result: str, note: str) -> None:
    if note:
        return
    if result == "problem":
        raise Invalid("发现问题时请写明问题所在。", "note_required")
    if check.result != "pending":
        raise Invalid("更改已记录的抽查结果，请写明原因。", "note_required")


def _record(actor: Actor, check: SpotCheck, result: str, note: str, now: datetime) -> None:
    """Keep the result, show it on the spot check and, for a problem, send the entry back to
    review (flag_finding adds the changed finding to an entry still waiting for review); a
    problem changed to confirmed is withdrawn from the entry (withdraw_finding)."""
    amended = _amended(check, note) if result == "problem" else None
    SpotCheckResult.create(
        spot_check=check.id, result=result, note=note, recorded_by=actor.account, recorded_at=now
    )
    SpotCheck.update(result=result, note=note, checked_by=actor.account, checked_at=now).where(
        SpotCheck.id == check.id
    ).execute()
    if result == "problem":
        reason = FINDING_REASON.format(note=note)
        review.flag_finding(actor, check.record_id, FINDING_FLAG, reason, now, amended)
    elif check.result == "problem":  # the office takes its finding back
        reason = FINDING_WITHDRAWN.format(note=note)
        review.withdraw_finding(actor, check.record_id, FINDING_FLAG, reason, now)


def _amended(check: SpotCheck, note: str) -> str | None:
    """The entry's line for a problem that changes the last problem found, else None (the
    first problem, or the same note again)."""
    last = (
        SpotCheckResult.select(SpotCheckResult.note)
        .where((SpotCheckResult.spot_check == check.id) & (SpotCheckResult.result == "problem"))
        .order_by(SpotCheckResult.id.desc())
        .first()
    )
    return FINDING_AMENDED.format(note=note) if last is not None and last.note != note else None


def get_spot_check(actor: Actor, spot_check_id: int) -> SpotCheckView:
    """One spot check with its entry and results, else NotFound."""
    _require_office(actor)
    check = None
    if is_id(spot_check_id):
        query = SpotCheck.select(SpotCheck, Account).join(
            Account, pw.JOIN.LEFT_OUTER, on=(SpotCheck.checked_by == Account.id)
        )
        check = query.where(SpotCheck.id == spot_check_id).first()
    if check is None:
        raise _not_found()
    return _views([check])[0]


def _views(checks: list[SpotCheck]) -> list[SpotCheckView]:
    """The spot checks with their entries and results: two queries for the whole page."""
    labels = label_entries(c.record_id for c in checks)
    lines = _results_of([c.id for c in checks])
    return [
        SpotCheckView(
            id=c.id,
            sampled_on=c.sampled_on,
            entry=labels[c.record_id],
            result=c.result,
            note=c.note,
            checked_by=c.checked_by if c.checked_by_id else None,
            checked_at=c.checked_at,
            history=lines.get(c.id, []),
        )
        for c in checks
        if c.record_id in labels  # an entry deleted meanwhile takes its spot check with it
    ]


def _results_of(ids: list[int]) -> dict[int, list[ResultLine]]:
    found: dict[int, list[ResultLine]] = {}
    if not ids:
        return found
    R = SpotCheckResult
    query = (
        R.select(R, Account)
        .join(Account, pw.JOIN.LEFT_OUTER, on=(R.recorded_by == Account.id))
        .where(R.spot_check.in_(ids))
        .order_by(R.id)
    )
    for r in query:
        by = r.recorded_by if r.recorded_by_id else None
        found.setdefault(r.spot_check_id, []).append(
            ResultLine(r.result, r.note, by, r.recorded_at)
        )
    return found


def sampled_in(record_ids: list[int]) -> dict[int, SpotCheck]:
    """The spot checks of these entries, by entry id (an entry is sampled at most once)."""
    if not record_ids:
        return {}
    query = SpotCheck.select().where(SpotCheck.record.in_(record_ids))
    return {c.record_id: c for c in query}


def _require_office(actor: Actor) -> None:
    if not actor.is_office:
        raise Forbidden("只有办公室可以进行日常抽查。", "office_only")


def _not_found() -> NotFound:
    return NotFound("抽查记录不存在。", "spot_check_not_found")
