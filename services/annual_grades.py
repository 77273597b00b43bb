"""The grade the annual assessment suggests for a member, with its reason in words.

A member gets the highest grade (优秀, 合格, 基本合格) whose every limit they meet, else 不合格;
the limits are the settings' (`[assessment]`). Hours and months with a visit are asked for a
whole year on the roster and scale with the part of it the member was there, so a member who
joined in July is not judged by twelve months. A rating limit applies only to a member
residents rated (no rating is no evidence either way). The reason says what the member did,
which grade that meets, and what fell short of the grade above, so the clerk can check it
against the figures and decide: the office decides, this only suggests.
"""

import math
from dataclasses import dataclass

from models.oversight import ASSESSMENT_GRADES
from settings.sections import AssessmentSettings

from .annual_figures import MemberYear

GRADE_NAMES = dict(zip(ASSESSMENT_GRADES, ("优秀", "合格", "基本合格", "不合格"), strict=True))
RATED_GRADES = ASSESSMENT_GRADES[:-1]  # the grades with limits, highest first


# The limits are the settings' [assessment] section itself (its fields name each grade's).
Limits = AssessmentSettings


@dataclass(frozen=True)
class Suggestion:
    grade: str
    reason: str

    @property
    def grade_name(self) -> str:
        return GRADE_NAMES[self.grade]


def _fmt(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def _hours(m: MemberYear, limit: float) -> str | None:
    needed = round(limit * m.share, 1)
    return None if m.hours >= needed else f"服务时长不足 {_fmt(needed)} 小时"


def _months(m: MemberYear, limit: int) -> str | None:
    needed = math.floor(limit * m.share + 0.5)  # rounded, halves up
    return None if m.visit_months >= needed else f"有入户走访的月份不足 {needed} 个月"


def _rating(m: MemberYear, limit: float) -> str | None:
    low = m.ratings_count and m.ratings_average < limit
    return f"居民评价平均分低于 {_fmt(limit)} 分" if low else None


def _rejected(m: MemberYear, limit: int) -> str | None:
    return f"被退回的登记超过 {limit} 条" if m.rejected > limit else None


# grade → (check, name of the limit in Limits) for each of its limits
CHECKS = {
    "excellent": (
        (_hours, "excellent_hours"),
        (_months, "excellent_visit_months"),
        (_rating, "excellent_min_rating"),
        (_rejected, "excellent_max_rejected"),
    ),
    "pass": (
        (_hours, "pass_hours"),
        (_months, "pass_visit_months"),
        (_rating, "pass_min_rating"),
        (_rejected, "pass_max_rejected"),
    ),
    "basic": ((_hours, "basic_hours"), (_months, "basic_visit_months")),
}


def shortfalls(m: MemberYear, grade: str, limits: Limits) -> list[str]:
    """What the member fell short of for a grade, in words (none: the grade is met)."""
    found = (check(m, getattr(limits, name)) for check, name in CHECKS[grade])
    return [text for text in found if text]


def suggest(m: MemberYear, limits: Limits, year_over: bool = True) -> Suggestion:
    """The grade the member's year meets and why (see the module docstring)."""
    missed_above: list[str] = []
    grade, above = "fail", None
    for candidate in RATED_GRADES:
        missed = shortfalls(m, candidate, limits)
        if not missed:
            grade = candidate
            break
        above, missed_above = candidate, missed
    return Suggestion(grade, _reason(m, grade, above, missed_above, year_over))


def _reason(m: MemberYear, grade: str, above, missed: list[str], year_over: bool) -> str:
    parts = [_did(m)]
    if grade != "fail":
        parts.append(f"达到{GRADE_NAMES[grade]}标准")
    if above is not None:
        parts.append(f"未达{GRADE_NAMES[above]}：{'、'.join(missed)}")
    text = "；".join(parts) + "。"
    if m.share < 1:
        text += f"年内在册 {m.roster_days} 天，时长和走访月数标准按在册天数折算。"
    if not year_over:
        text += "年度尚未结束，按截至今天的数字。"
    return text


def _did(m: MemberYear) -> str:
    rated = (
        f"居民评价 {m.ratings_count} 条、平均 {m.ratings_average} 分"
        if m.ratings_count
        else "无居民评价"
    )
    return (
        f"服务 {_fmt(m.hours)} 小时，{m.visit_months} 个月有入户走访，"
        f"被退回的登记 {m.rejected} 条，{rated}"
    )
