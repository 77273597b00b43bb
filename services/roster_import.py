"""Importing the roster the office keeps in Excel: check everything, then write all or nothing.

The modules behind this one each do one job: roster_schema (the layout), roster_io
(reading files), roster_parse and roster_check (finding every problem), roster_plan (what
would change) and roster_template (the blank workbook). This module applies a plan in one
transaction and renders the outcome for the clerk.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from os import PathLike
from typing import Any

import peewee

from models import Branch, Community, Household, Member, Pairing, Team, db

from . import roster_seats, spells
from .clock import local_today, now_utc
from .errors import Conflict
from .roster_check import check
from .roster_io import RosterData, read_csv_files, read_roster, read_workbook
from .roster_plan import DEFAULT_RADIUS_M, Change, Plan, SheetCount, Step, plan, plan_checked
from .roster_schema import Problem
from .roster_template import write_template

__all__ = [
    "Change",
    "ImportResult",
    "Plan",
    "Problem",
    "RosterData",
    "SheetCount",
    "apply_plan",
    "check",
    "format_report",
    "format_verdict",
    "import_data",
    "import_roster",
    "plan",
    "read_csv_files",
    "read_roster",
    "read_workbook",
    "write_template",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportResult:
    problems: tuple[Problem, ...]
    changes: tuple[Change, ...]
    counts: tuple[SheetCount, ...]
    applied: bool  # True when the changes were written (an error-free run, not a dry run)
    dry_run: bool

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.is_error)


def import_roster(
    source: str | PathLike | Sequence[str | PathLike],
    dry_run: bool = False,
    today: date | None = None,
    team_size: tuple[int, int] = (10, 15),
    now: datetime | None = None,
    radius_m: int = DEFAULT_RADIUS_M,
) -> ImportResult:
    """Check a roster file and, if it has no errors and this is not a dry run, import it.
    `now` (naive UTC) stamps the rows created; `today` defaults to its Shanghai day;
    `radius_m` (the configured check-in radius) is a new community's when its cell is blank."""
    return import_data(read_roster(source), dry_run, today, team_size, now, radius_m)


def import_data(
    data: RosterData,
    dry_run: bool = False,
    today: date | None = None,
    team_size: tuple[int, int] = (10, 15),
    now: datetime | None = None,
    radius_m: int = DEFAULT_RADIUS_M,
) -> ImportResult:
    """import_roster for a roster already read (an upload from the dashboard)."""
    now = now or now_utc()
    today = today or local_today(now)
    try:
        with db.atomic():
            problems = tuple(check(data, team_size, today))
            if any(p.is_error for p in problems):
                return ImportResult(problems, (), (), applied=False, dry_run=dry_run)
            the_plan = plan_checked(data, today, now, radius_m)
            if not dry_run:
                apply_plan(the_plan, now)
    except peewee.IntegrityError as exc:
        log.warning("roster import conflicted with a concurrent change: %s", exc)
        message = "导入时名单被同时修改，已全部撤销，请重新导入"
        raise Conflict(message, "roster_import_conflict") from exc
    if not dry_run:
        log.info("roster imported: %d changes", len(the_plan.changes))
    return ImportResult(problems, the_plan.changes, the_plan.counts, not dry_run, dry_run)


def _community_id(name: str) -> int:
    return Community.get(Community.name == name).id


def _household_id(key: tuple[str, str]) -> int:
    community, address = key
    query = Household.community == _community_id(community), Household.address == address
    return Household.get(*query).id


REFERENCES: dict[str, Callable[[Any], int]] = {
    "branch": lambda name: Branch.get(Branch.name == name).id,
    "community": _community_id,
    "team": lambda name: Team.get(Team.name == name).id,
    "member": lambda phone: Member.get(Member.phone == phone).id,
    "household": _household_id,
}
SPELLS: dict[str, Callable[..., None]] = {  # a spell step's op → its writer (member id, values)
    "join": spells.join,
    "leave": spells.leave,
    "come_back": spells.come_back,
    "undo_leaving": spells.undo_leaving,
    "correct_leaving": spells.correct_leaving,
}
TABLES = {
    "branch": (Branch, lambda key: Branch.name == key[0]),
    "community": (Community, lambda key: Community.name == key[0]),
    "team": (Team, lambda key: Team.name == key[0]),
    "member": (Member, lambda key: Member.phone == key[0]),
    "household": (Household, lambda key: Household.id == _household_id(key)),
    "pairing": (Pairing, lambda key: Pairing.id == key[0]),
}


def apply_plan(the_plan: Plan, now: datetime | None = None) -> None:
    """Write a plan's steps in order, all or nothing (inside the transaction that planned it)."""
    now = now or now_utc()
    with db.atomic():
        for step in the_plan.steps:
            if step.model == "seat":
                activity_id, phone = step.key
                roster_seats.give_up(activity_id, _resolve("member", phone), now)
            elif step.model == "spell":
                SPELLS[step.op](_resolve("member", step.key[0]), **step.values)
            else:
                _write(step, now)


def _write(step: Step, now: datetime) -> None:
    """Create a roster row, or update the one with the step's natural key."""
    model, where = TABLES[step.model]
    values = {f: _resolve(f, v) for f, v in step.values.items()}
    if step.op == "create":
        stamp = {"created_at": now} if "created_at" in model._meta.fields else {}
        model.create(**values, **stamp)
    else:
        model.update(**values).where(where(step.key)).execute()


def _resolve(field: str, value: Any) -> Any:
    resolver = REFERENCES.get(field)
    return resolver(value) if resolver and value is not None else value


ACTIONS = {"created": "新增", "updated": "修改", "withdrawn": "撤销"}
SEVERITIES = {"error": "错误", "warning": "提醒"}


def format_report(result: ImportResult) -> str:
    """The problems and changes as lines a clerk can read."""
    lines = [f"检查结果：{len(result.errors)} 个错误，{len(result.warnings)} 个提醒"]
    for severity in ("error", "warning"):
        found = [p for p in result.problems if p.severity == severity]
        if found:
            lines.append(f"{SEVERITIES[severity]}：")
            lines += [f"  {_where(p)}：{p.message}" for p in found]
    if result.errors:
        lines.append(format_verdict(result))
        return "\n".join(lines)
    lines.append("变更：" if result.changes else "变更：无")
    for change in result.changes:
        details = f"：{'；'.join(change.details)}" if change.details else ""
        lines.append(f"  [{ACTIONS[change.action]}] {change.label}{details}")
    lines += [
        f"  {c.sheet}：新增 {c.created}，修改 {c.updated}，未变 {c.unchanged}"
        for c in result.counts
    ]
    lines.append(format_verdict(result))
    return "\n".join(lines)


def _where(problem: Problem) -> str:
    where = f"「{problem.sheet}」"
    if problem.row:
        where += f"第 {problem.row} 行"
    if problem.column and problem.column_letter:
        where += f" {problem.column_letter} 列「{problem.column}」"
    elif problem.column:
        where += f"「{problem.column}」列"
    return where


def format_verdict(result: ImportResult) -> str:
    """The outcome in one sentence."""
    if result.errors:
        return "有错误，没有导入任何数据。请改正后重新导入。"
    count = len(result.changes)
    if result.dry_run:
        return f"试运行：导入将有 {count} 处变更，本次没有写入数据库。"
    if not count:
        return "名单与系统一致，没有需要变更的内容。"
    return f"已导入，共 {count} 处变更。"
