"""The register (登记簿) as an Excel workbook: one row per entry, for the office's clerk and
for leaders, with exactly the entries the register list shows the same reader
(services.records.matching) and the same filters, plus a team for the office.

Rules:
- Who gets what is the list's rule: the office any entry, a leader their own and their team's
  members' entries, a member only their own. A team other than the reader's own is refused
  (403) for leaders and members alike; the office may name any team that exists.
- Residents' personal data is whole for the office only. Everyone else sees the visited
  household as 结对家庭 王**户 (services.register_words, the screens' words too) and the
  entry's text with the household's name, address and phone, and any phone number, masked
  (services.households):
  a file is forwarded and kept far longer than a screen is looked at. The office's file names
  the household whole in 服务对象 too where the check-out wrote it there masked for the
  member (services.register_defaults.read_whole), as its 活动/对象 does.
- No coordinates and no internal ids but the entry's 编号, last, to find it again.
- The office's file carries each entry's register check (登记核验: 通过, or 未通过 and what
  services.register_check finds, as the office's view of the entry shows it), so hours
  edited behind the service's back do not travel unmarked into Excel. Leaders and members
  are not shown findings (services.register_check), so theirs has no such column. The rows
  are checked CHECK_BATCH at a time, a query for their history each, all in the snapshot
  the rows are read in.
- At most EXPORT_MAX_ROWS entries per file, counted before anything is built: a bigger
  export is refused with the count and what to narrow. Writing costs about half a
  millisecond per row (openpyxl writes its XML in pure Python), so the cap keeps a download
  to a few seconds; a whole year of the programme (3 teams of 10-15) is a few thousand
  entries.
"""

from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice

import peewee as pw

from models import Activity, Household, Member, ServiceRecord, Team

from . import clock
from .actors import Actor
from .errors import Invalid
from .flags import flag_names
from .history import read_snapshot
from .households import redact
from .records import RecordFilters, counts_toward_hours, matching, status_name
from .register_check import entry_problems
from .register_defaults import read_whole
from .register_words import registration_name, served_name
from .service_kinds import kind_name
from .teams import team_by_id
from .xlsx import (
    DATETIME,
    HOURS,
    Column,
    Export,
    date_span,
    file_name,
    new_book,
    to_bytes,
    write_table,
)

R = ServiceRecord
EXPORT_MAX_ROWS = 10_000
CHECK_BATCH = 500  # entries whose history is read in one query (the office's file)
SHEET = "登记记录"
Registrar = Member.alias("registrar")


class _Line:
    """One entry as one reader may see it: the column functions read from this."""

    def __init__(self, record: ServiceRecord, whole: bool, problem: str | None = None):
        self.r, self.whole, self.problem = record, whole, problem

    def text(self, name: str) -> str:
        value = getattr(self.r, name) or ""
        return read_whole(self.r, name, value) if self.whole else redact(value, self.r.household)


def _team(line: _Line) -> str:
    return line.r.member.team.name if line.r.member.team_id else ""


def _hours(line: _Line) -> float | None:
    minutes = line.r.duration_minutes
    return None if minutes is None else minutes / 60


COLUMNS = (
    Column("队伍", 24, _team),
    Column("党员", 10, lambda line: line.r.member.name),
    Column("类型", 10, lambda line: kind_name(line.r)),
    Column("活动/对象", 30, lambda line: served_name(line.r, line.whole)),
    Column("签到时间", 17, lambda line: line.r.checkin_at, DATETIME),
    Column("签退时间", 17, lambda line: line.r.checkout_at, DATETIME),
    Column("时长（小时）", 13, _hours, HOURS),
    Column("服务内容", 40, lambda line: line.text("content")),
    Column("服务对象", 20, lambda line: line.text("target")),
    Column("服务成效", 40, lambda line: line.text("outcome")),
    Column("状态", 10, lambda line: status_name(line.r)),
    Column("异常原因", 36, lambda line: "；".join(flag_names(line.r.flags or [], line.r.kind))),
    Column("登记方式", 28, lambda line: registration_name(line.r)),
    Column("计入时长", 10, lambda line: "是" if counts_toward_hours(line.r) else "否"),
    Column("编号", 8, lambda line: line.r.id),
)
CHECK_COLUMN = Column(
    "登记核验", 40, lambda line: f"未通过：{line.problem}" if line.problem else "通过"
)
OFFICE_COLUMNS = (*COLUMNS[:-1], CHECK_COLUMN, COLUMNS[-1])  # the entry's number stays last


def export_register(actor: Actor, filters: RecordFilters, now: datetime) -> Export:
    """The entries the actor may see that the filters ask for, oldest first: what the list
    (services.records) shows, with the same refusals. Read in one snapshot, so that the
    count, the rows and the history they are checked against agree."""
    with read_snapshot():
        query = _query(matching(actor, filters))
        total = query.count()
        if total > EXPORT_MAX_ROWS:
            raise Invalid(
                f"符合条件的登记有 {total} 条，超过单次导出上限 {EXPORT_MAX_ROWS} 条。"
                "请缩小日期范围，或按服务队分别导出。",
                "export_too_large",
            )
        span = date_span(filters.date_from, filters.date_to) or f"截至{clock.local_today(now)}"
        name = file_name("登记簿", _whose(actor, filters), span)
        book = new_book("登记簿", write_only=True)
        sheet = book.create_sheet(SHEET)
        if actor.is_office:
            rows = write_table(sheet, OFFICE_COLUMNS, _checked(query.iterator()))
        else:
            rows = write_table(sheet, COLUMNS, (_Line(r, False) for r in query.iterator()))
    return Export(name, "register.xlsx", to_bytes(book), rows)


def _checked(records: Iterable[ServiceRecord]) -> Iterator[_Line]:
    """The office's lines, whole, each with its register check."""
    records = iter(records)
    while batch := list(islice(records, CHECK_BATCH)):
        problems = entry_problems(batch)
        yield from (_Line(r, True, problems[r.id]) for r in batch)


def _query(where: pw.Expression) -> pw.ModelSelect:
    on_registrar = R.registered_by == Registrar.id
    return (
        R.select(R, Member, Team, Activity, Household, Registrar)
        .join(Member, on=(R.member == Member.id))
        .join(Team, pw.JOIN.LEFT_OUTER, on=(Member.team == Team.id))
        .switch(R)
        .join(Activity, pw.JOIN.LEFT_OUTER, on=(R.activity == Activity.id))
        .switch(R)
        .join(Household, pw.JOIN.LEFT_OUTER, on=(R.household == Household.id))
        .switch(R)
        .join(Registrar, pw.JOIN.LEFT_OUTER, on=on_registrar, attr="registered_by")
        .where(where)
        .order_by(R.checkin_at, R.id)
    )


def _whose(actor: Actor, filters: RecordFilters) -> str:
    """Whose entries the file holds, for its name: a member's, a team's, or all teams'."""
    if filters.member_id is not None:
        member = Member.get_or_none(Member.id == filters.member_id)
        return member.name if member else ""
    if filters.team_id is not None:
        return team_by_id(filters.team_id).name
    if actor.is_office:
        return "全部服务队"
    if actor.leads(actor.team_id) and not filters.mine:
        return actor.member.team.name
    return actor.member.name
