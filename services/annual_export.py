"""The annual assessment as an Excel workbook for the office's clerk: a 年度考核 sheet with every
member's figures, the suggested grade and its reason, and the office's decision, and a 表彰名单
sheet with the members the office commends. Both print on A4 landscape, as wide as the page and
as many pages tall as needed, long texts wrapped, with the header row on every page and a page
header naming the year and whether it is final (定稿) or still a draft, so a printed draft is
never taken for the final list.

The figures are the JSON list's (services.annual_assessment.annual_list), so the file and the
screen never disagree; members stay in roster order, team by team (never ranked).

Figures that sound alike but count different things say so on a 说明 sheet, as the quarterly
report's file does in its 说明 column (services.report_export): 结对走访 counts the visits
that count as services (checked out and filled in), 入户走访 and 有走访的月数 every visit
check-in, so a visit not yet filled in shows as 0 beside 1.
"""

from datetime import datetime

from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from . import annual_assessment as annual
from .actors import Actor
from .annual_figures import KIND_NAMES, KIND_ORDER
from .annual_grades import Limits
from .xlsx import DATETIME, HOURS, Column, Export, file_name, new_book, to_bytes, write_table

ASSESSMENT_SHEET, COMMENDATION_SHEET, NOTES_SHEET = "年度考核", "表彰名单", "说明"
L = annual.MemberLine


def _decided(getter):
    def get(line: L):
        return getter(line.decision) if line.decision else None

    return get


def _rating(line: L):
    return line.figures.ratings_average if line.figures.ratings_count else None


# The printed sheet: A4 landscape, fitted to the page's width only (as many pages tall as
# needed), the header row on every page, long texts wrapped. Narrow number columns (their
# headers wrap) keep the printed table near 170 characters wide, about 80% of full size; who
# decided and when stay in the file but off the printout (the audit log keeps them too).
WRAP = Alignment(wrap_text=True, vertical="top")
HEAD = Alignment(wrap_text=True, horizontal="center", vertical="center")
NARROW = 6
PRINTED_WIDTH_MAX = 175


def _columns(teams: dict[int, str]) -> tuple[Column, ...]:
    kinds = tuple(
        Column(f"{KIND_NAMES[k]}（次）", NARROW, lambda line, k=k: line.figures.services[k])
        for k in KIND_ORDER
    )
    return (
        Column("服务队", 12, lambda line: teams[line.figures.team_id]),
        Column("姓名", 9, lambda line: line.figures.name),
        Column("在册情况", 11, lambda line: line.figures.roster_name),
        Column("服务时长（小时）", 8, lambda line: line.figures.minutes / 60, HOURS),
        *kinds,
        Column(VISITS, NARROW, lambda line: line.figures.visits),
        Column(VISIT_MONTHS, NARROW, lambda line: line.figures.visit_months),
        Column("被退回的登记（条）", NARROW, lambda line: line.figures.rejected),
        Column("居民评价（条）", NARROW, lambda line: line.figures.ratings_count),
        Column("居民评价平均分", NARROW, _rating, "0.0"),
        Column("建议等次", 9, lambda line: line.suggestion.grade_name),
        Column("建议理由", 38, lambda line: line.suggestion.reason),
        Column("考核等次", 9, _decided(lambda d: d.grade_name)),
        Column("表彰", 5, _decided(lambda d: "是" if d.commended else "否")),
        Column("备注", 20, _decided(lambda d: d.note)),
        Column("确定人", 10, _decided(lambda d: d.decided_by)),
        Column("确定时间", 18, _decided(lambda d: d.decided_at), DATETIME),
    )


COUNTED = "已签退，服务内容、服务对象、服务成效都已填写（未通过的除外）"
VISITS, VISIT_MONTHS = "入户走访（次）", "有走访的月数"
# What a column of 年度考核 counts, where its header alone could be read two ways.
NOTES = {
    "服务时长（小时）": f"计入服务时长的登记（{COUNTED}）的时长",
    **{
        f"{KIND_NAMES[k]}（次）": f"计入服务时长的{KIND_NAMES[k]}登记：{COUNTED}"
        for k in KIND_ORDER
        if k != "visit"
    },
    f"{KIND_NAMES['visit']}（次）": f"计入服务时长的走访登记：{COUNTED}；"
    f"每次走访签到见“{VISITS}”，所以可能少于它",
    VISITS: "每次走访签到算一次（未通过的除外），不论是否已签退、填写完整：走访在签到时就已发生",
    VISIT_MONTHS: f"本年有入户走访签到的月份数，与“{VISITS}”口径相同",
    "被退回的登记（条）": "本年的登记中被退回（未通过审核）的，不计入服务时长和次数",
    "居民评价（条）": "本年居民通过评价卡对本人的评价，经办公室审核保留的",
    "建议等次": "系统按设定的标准给出，仅供参考；考核等次由办公室确定",
}
NOTE_COLUMNS = (
    Column("项目", 18, lambda note: note[0]),
    Column("说明", 80, lambda note: note[1]),
)

UNPRINTED = 2  # 确定人, 确定时间: the last columns, left off the printout
WRAPPED = ("服务队", "在册情况", "建议理由", "备注")


def _commendation_columns(teams: dict[int, str], numbers: dict[int, int]) -> tuple[Column, ...]:
    return (
        Column("序号", 6, lambda line: numbers[line.figures.member_id]),
        Column("服务队", 16, lambda line: teams[line.figures.team_id]),
        Column("姓名", 10, lambda line: line.figures.name),
        Column("考核等次", 10, lambda line: line.decision.grade_name),
        Column("服务时长（小时）", 16, lambda line: line.figures.minutes / 60, HOURS),
        Column("备注", 60, lambda line: line.decision.note),
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
    columns = _columns(teams)
    count = write_table(sheet, columns, lines)
    _page_header(sheet, f"{year}年度党员志愿服务考核（{state}）")
    _for_print(sheet, columns, printed=len(columns) - UNPRINTED)
    honours = book.create_sheet(COMMENDATION_SHEET)
    numbers = {line.figures.member_id: n for n, line in enumerate(commended, start=1)}
    honour_columns = _commendation_columns(teams, numbers)
    write_table(honours, honour_columns, commended)
    _page_header(honours, f"{year}年度表彰名单（{state}）")
    _for_print(honours, honour_columns, printed=len(honour_columns))
    _notes(book.create_sheet(NOTES_SHEET), columns)
    only = teams[team_id] if team_id is not None else ""
    name = file_name(f"{year}年度考核", only, "" if listing.state.final else state)
    ascii_name = f"annual-{year}" + (f"-team{team_id}" if team_id else "") + ".xlsx"
    return Export(name, ascii_name, to_bytes(book), count)


def _notes(sheet, columns: tuple[Column, ...]) -> None:
    """What each column that needs it counts, in the order of the 年度考核 sheet."""
    notes = [(c.header, NOTES[c.header]) for c in columns if c.header in NOTES]
    write_table(sheet, NOTE_COLUMNS, notes)
    for (made,) in sheet.iter_rows(min_row=2, min_col=2, max_col=2):
        made.alignment = WRAP


def _page_header(sheet, title: str) -> None:
    """The title at the top of every printed page, the page number at the bottom."""
    sheet.oddHeader.center.text = title
    sheet.oddHeader.center.size = 14
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages tall as the list needs
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4


def _for_print(sheet, columns: tuple[Column, ...], printed: int) -> None:
    """Wrap the header and the long texts; print only the first `printed` columns."""
    for made in sheet[1]:
        made.alignment = HEAD
    for index, column in enumerate(columns, start=1):
        if column.header in WRAPPED:
            for (made,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                made.alignment = WRAP
    sheet.print_area = f"A1:{get_column_letter(printed)}{max(sheet.max_row, 1)}"
    sheet.print_title_rows = "1:1"
