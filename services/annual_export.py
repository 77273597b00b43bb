"""The annual assessment as an Excel workbook for the office's clerk: a 年度考核 sheet with every
member's figures, the suggested grade and its reason, and the office's decision, and a 表彰名单
sheet with the members the office commends. Both print landscape with the header row on every
page and a page header naming the year and whether it is final (定稿) or still a draft, so a
printed draft is never taken for the final list.

The figures are the JSON list's (services.annual_assessment.annual_list), so the file and the
screen never disagree; members stay in roster order, team by team (never ranked).
"""

from datetime import datetime

from . import annual_assessment as annual
from .actors import Actor
from .annual_figures import KIND_NAMES, KIND_ORDER
from .annual_grades import Limits
from .xlsx import DATETIME, HOURS, Column, Export, file_name, new_book, to_bytes, write_table

ASSESSMENT_SHEET, COMMENDATION_SHEET = "年度考核", "表彰名单"
L = annual.MemberLine


def _decided(getter):
    def get(line: L):
        return getter(line.decision) if line.decision else None

    return get


def _rating(line: L):
    return line.figures.ratings_average if line.figures.ratings_count else None


def _columns(teams: dict[int, str]) -> tuple[Column, ...]:
    kinds = tuple(
        Column(f"{KIND_NAMES[k]}（次）", 14, lambda line, k=k: line.figures.services[k])
        for k in KIND_ORDER
    )
    return (
        Column("服务队", 16, lambda line: teams[line.figures.team_id]),
        Column("姓名", 10, lambda line: line.figures.name),
        Column("在册情况", 22, lambda line: line.figures.roster_name),
        Column("服务时长（小时）", 16, lambda line: line.figures.minutes / 60, HOURS),
        *kinds,
        Column("入户走访（次）", 14, lambda line: line.figures.visits),
        Column("有走访的月数", 14, lambda line: line.figures.visit_months),
        Column("被退回的登记（条）", 18, lambda line: line.figures.rejected),
        Column("居民评价（条）", 14, lambda line: line.figures.ratings_count),
        Column("居民评价平均分", 14, _rating, "0.0"),
        Column("建议等次", 10, lambda line: line.suggestion.grade_name),
        Column("建议理由", 60, lambda line: line.suggestion.reason),
        Column("考核等次", 10, _decided(lambda d: d.grade_name)),
        Column("表彰", 6, _decided(lambda d: "是" if d.commended else "否")),
        Column("备注", 30, _decided(lambda d: d.note)),
        Column("确定人", 10, _decided(lambda d: d.decided_by)),
        Column("确定时间", 18, _decided(lambda d: d.decided_at), DATETIME),
    )


def _commendation_columns(teams: dict[int, str], numbers: dict[int, int]) -> tuple[Column, ...]:
    return (
        Column("序号", 6, lambda line: numbers[line.figures.member_id]),
        Column("服务队", 16, lambda line: teams[line.figures.team_id]),
        Column("姓名", 10, lambda line: line.figures.name),
        Column("考核等次", 10, lambda line: line.decision.grade_name),
        Column("服务时长（小时）", 16, lambda line: line.figures.minutes / 60, HOURS),
        Column("备注", 40, lambda line: line.decision.note),
    )


def export_year(
    actor: Actor, year: int, now: datetime, limits: Limits, team_id: int | None = None
) -> Export:
    """The year's assessment and commendation list as a workbook (office only)."""
    listing = annual.annual_list(actor, year, now, limits, team_id)
    teams = {t.id: t.name for t in listing.teams}
    lines = listing.lines()
    commended = [line for line in lines if line.decision and line.decision.commended]
    state = "定稿" if listing.state.final else "未定稿"
    book = new_book(f"{year}年度考核")
    sheet = book.create_sheet(ASSESSMENT_SHEET)
    count = write_table(sheet, _columns(teams), lines)
    _page_header(sheet, f"{year}年度党员志愿服务考核（{state}）")
    honours = book.create_sheet(COMMENDATION_SHEET)
    numbers = {line.figures.member_id: n for n, line in enumerate(commended, start=1)}
    write_table(honours, _commendation_columns(teams, numbers), commended)
    _page_header(honours, f"{year}年度表彰名单（{state}）")
    only = teams[team_id] if team_id is not None else ""
    name = file_name(f"{year}年度考核", only, "" if listing.state.final else state)
    ascii_name = f"annual-{year}" + (f"-team{team_id}" if team_id else "") + ".xlsx"
    return Export(name, ascii_name, to_bytes(book), count)


def _page_header(sheet, title: str) -> None:
    """The title at the top of every printed page, the page number at the bottom."""
    sheet.oddHeader.center.text = title
    sheet.oddHeader.center.size = 14
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
