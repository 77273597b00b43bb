"""Reading single cells of a roster file: text, phones, numbers, choices, dates.

Each reader takes a raw cell (text, number or date, as Excel or CSV gives it) and returns the
value to store, or raises CellError with a Chinese message for the clerk.
"""

import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

MOBILE = re.compile(r"1[3-9]\d{9}")
SEPARATORS = re.compile(r"[\s\-()]")
SPACES = re.compile(r"\s")
DECIMAL_ZEROS = re.compile(r"(?<=\d)\.0+$")  # "13900001115.0": Excel's number saved as text
SCIENTIFIC = re.compile(r"\d(\.\d+)?e[+-]?\d+", re.IGNORECASE)  # "1.39E+10"
LANDLINE = re.compile(r"(0\d{2,3}-?)?\d{7,8}")
COUNTRY_CODE = re.compile(r"^\+?86(?=1\d{10}$)")
EXCEL_EPOCH = date(1899, 12, 30)
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")

ROLES = {
    "队员": "member",
    "成员": "member",
    "member": "member",
    "队长": "leader",
    "leader": "leader",
}
ROLE_LABELS = {"member": "队员", "leader": "队长"}
STATUSES = {  # 状态 → Member.active
    "在册": True,
    "在队": True,
    "正常": True,
    "离队": False,
    "已离队": False,
    "退出": False,
    "停用": False,
}
STATUS_LABELS = {True: "在册", False: "离队"}
COORD_TYPES = {
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "火星坐标": "gcj02",
    "国测局坐标": "gcj02",
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "gps": "wgs84",
}


class CellError(ValueError):
    """A cell that cannot be read; the message is Chinese, for the clerk."""


def cell_text(raw: Any) -> str:
    """A cell as trimmed text, full-width letters and digits folded, 3.0 written as 3."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return " ".join(unicodedata.normalize("NFKC", str(raw)).split())


def is_blank(raw: Any) -> bool:
    return cell_text(raw) == ""


def text(max_len: int) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        value = cell_text(raw)
        if len(value) > max_len:
            raise CellError(f"内容过长：最多 {max_len} 个字，现有 {len(value)} 个字")
        return value

    return parse


# A name in Chinese characters, perhaps with the middle dot of a minority name (买买提·艾力).
CHINESE_NAME = re.compile(r"[\u3400-\u9fff\uf900-\ufaff·・]+")


def person_name(max_len: int) -> Callable[[Any], str]:
    """A person's name. A Chinese name has no spaces: one typed with them (「李 四」, spaced
    to line up with longer names, or a full-width space) is kept without, its middle dot
    kept; a name written in letters keeps its spaces. name_note tells the clerk."""
    read = text(max_len)

    def parse(raw: Any) -> str:
        return plain_name(read(raw))

    return parse


def plain_name(name: str) -> str:
    """The name as person_name keeps it: also how a name stored before is compared."""
    joined = SPACES.sub("", name)
    return joined if CHINESE_NAME.fullmatch(joined) else name


def name_note(raw: Any, value: str) -> str | None:
    """What the clerk is told when spaces were taken out of a name."""
    if " " in cell_text(raw) and " " not in value:
        return f"姓名中有空格，已按「{value}」保存"
    return None


def mobile(raw: Any) -> str:
    """An 11-digit mobile number from whatever Excel, CSV or a keyboard gives: a number or
    text, full-width digits, spaces, dashes and brackets, +86, Excel's trailing .0."""
    value = COUNTRY_CODE.sub("", _phone_text(raw, SEPARATORS))
    if not MOBILE.fullmatch(value):
        raise CellError(f"手机号格式不正确：「{cell_text(raw)}」，应为 11 位手机号，如 13800000000")
    return value


def contact_phone(raw: Any) -> str:
    value = _phone_text(raw, SPACES)  # a landline keeps its dash
    try:
        return mobile(value)
    except CellError:
        if LANDLINE.fullmatch(value):
            return value
    raise CellError(
        f"联系电话格式不正确：「{cell_text(raw)}」，应为手机号或固定电话（如 0371-12345678）"
    )


def _phone_text(raw: Any, separators: re.Pattern) -> str:
    """The number without separators or Excel's ".0" (a number cell saved as text). One in
    scientific notation has lost its last digits, which only the clerk can put back."""
    value = DECIMAL_ZEROS.sub("", separators.sub("", cell_text(raw)))
    if SCIENTIFIC.fullmatch(value):
        raise CellError(
            f"号码「{cell_text(raw)}」被 Excel 变成了科学计数法，后几位数字已经丢失："
            "请在 Excel 中把这一列设为“文本”格式（选中整列 → 设置单元格格式 → 文本），"
            "重新填入完整的号码后再保存"
        )
    return value


def number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise CellError(f"不是数字：「{raw}」")
    try:
        value = float(raw) if isinstance(raw, int | float) else float(cell_text(raw).rstrip("°"))
    except ValueError:
        raise CellError(f"不是数字：「{cell_text(raw)}」") from None
    if not math.isfinite(value):
        raise CellError(f"不是数字：「{cell_text(raw)}」")
    return value


def integer(low: int, high: int) -> Callable[[Any], int]:
    def parse(raw: Any) -> int:
        try:
            value = number(raw)
        except CellError:
            value = math.nan
        if not (value.is_integer() and low <= value <= high):
            raise CellError(f"应为 {low} 到 {high} 之间的整数：「{cell_text(raw)}」")
        return int(value)

    return parse


def choice(options: dict[str, str], what: str, allowed: str) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        value = options.get(cell_text(raw).lower())
        if value is None:
            raise CellError(f"{what}只能填 {allowed}：「{cell_text(raw)}」")
        return value

    return parse


def day(raw: Any) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float) and 20000 < raw < 80000:  # an Excel serial day number
        return EXCEL_EPOCH + timedelta(days=int(raw))
    value = cell_text(raw).split(" ")[0]
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise CellError(f"日期格式不正确：「{cell_text(raw)}」，请写成 2026-01-01")
