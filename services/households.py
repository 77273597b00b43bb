"""Paired households as people may see them: masked for members, whole for the office.

A household's head name, phone and address are a resident's personal data. The member paired
with the household knows the family already, but what the app shows can be read over a
shoulder, kept in screenshots or forwarded, so it shows only enough to recognise the family:
the surname, the phone's first and last digits, and the road or estate without the door number.

Address rule: keep the text before the first door number and replace the rest with a fixed
'****' (fixed, so the mask does not tell how long the number was). A door number starts at
the first Arabic digit (half- or full-width), at a Chinese numeral directly followed by a
unit (三号楼, 十二号, 五单元) or at a Latin letter followed by one (A座, B栋). Chinese numerals
in place names (二七区, 三里屯) are kept. An address with no door number keeps its first half.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from peewee import fn

from models import Household, Member, Pairing, ServiceRecord
from models.prepared import Prepared

from . import clock
from .errors import NotFound
from .summary import counts_as_visit

MASK = "****"
NOT_PAIRED = "您还没有结对家庭，请联系队长或办公室。"

# What input methods type for a digit, a plus, a point, a hyphen, a space or a bracket in a
# number, as the ASCII character it stands for (older members often type full-width digits; a
# Chinese layout types － or —— for a hyphen, 　 for a space, （） for brackets): numbers in
# text are read through it.
# One character for one, so a place in the read text is the same place in the typed text.
_TYPED_AS_ASCII = str.maketrans(
    {chr(ord("０") + d): str(d) for d in range(10)}
    | dict.fromkeys("－﹣‐‑‒–—―−", "-")
    | dict.fromkeys("\u3000\u00a0", " ")
    | {"＋": "+", "．": ".", "（": "(", "）": ")"}
)

# Phone shapes, tried in order on the digits alone: the digits the group `hidden` matches are
# masked, the others stay visible; then the shape as a field shows it.
_PHONE_RULES = (
    # Mobile, with or without +86: 138****5678.
    (re.compile(r"^(?:86)?(1\d{2})(?P<hidden>\d{4})(\d{4})$"), lambda m: f"{m[1]}{MASK}{m[3]}"),
    # Landline with area code (010, 02x, or four digits): 0371-****2100.
    (
        re.compile(r"^(0(?:10|2\d|[3-9]\d{2}))(?P<hidden>\d{3,4})(\d{4})$"),
        lambda m: f"{m[1]}-{MASK}{m[3]}",
    ),
    # Local number without area code: ****2100.
    (re.compile(r"^(?P<hidden>\d{3,4})(\d{4})$"), lambda m: f"{MASK}{m[2]}"),
)
_CN_NUMERAL = "零〇一二三四五六七八九十百千两"
_UNIT = "号|栋|幢|楼|单元|室|层|户|排|组|门|座|弄"
_DOOR_NUMBER = re.compile(
    rf"[0-9０-９]|[{_CN_NUMERAL}]+(?:{_UNIT})|[A-Za-zＡ-Ｚａ-ｚ]+(?:{_UNIT}|区)"
)
_TRAILING = " \t,，、;；:：-—_()（）"


def _phone_shape(digits: str) -> tuple[re.Match | None, Callable[[re.Match], str] | None]:
    """The first of _PHONE_RULES the digits fit, with how a field shows it; (None, None)."""
    for pattern, visible in _PHONE_RULES:
        match = pattern.match(digits)
        if match:
            return match, visible
    return None, None


def mask_phone(phone: str) -> str:
    """138****5678 for mobiles, 0371-****2100 for landlines; anything else fully hidden."""
    digits = re.sub(r"\D", "", (phone or "").translate(_TYPED_AS_ASCII))
    if not digits:
        return ""
    match, visible = _phone_shape(digits)
    return visible(match) if match else MASK


def _mask_digits(typed: str) -> str:
    """A phone number as typed, with each digit its shape hides (all of them for a shape not
    known) turned to * and every other character (a space, a hyphen, +86, a digit's width)
    left as typed: what a member wrote is masked, not rewritten."""
    read = typed.translate(_TYPED_AS_ASCII)
    places = [i for i, c in enumerate(read) if "0" <= c <= "9"]
    match, _ = _phone_shape("".join(read[i] for i in places))
    hidden = range(*match.span("hidden")) if match else range(len(places))
    chars = list(typed)
    for k in hidden:
        chars[places[k]] = "*"
    return "".join(chars)


def mask_name(name: str) -> str:
    """The surname and one * per further character: 张** or 张*; a single character is hidden."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * (len(name) - 1)


def mask_address(address: str) -> str:
    """The road or estate without the door number (see the module docstring for the rule)."""
    address = (address or "").strip()
    if not address:
        return ""
    match = _DOOR_NUMBER.search(address)
    kept = address[: match.start()] if match else address[: len(address) // 2]
    return kept.rstrip(_TRAILING) + MASK


# What follows a number that counts or measures something rather than dials (5000000元,
# 12345678号, 1234567人次), each with what may not come right after it: the characters that
# would make it the start of another word (号码, 个人, 楼下), or ANY_WORD for the units that
# also begin what people write about whoever answers a phone (人很热情, 天天有人接, 位置在三楼,
# 次日回电): those count only where the phrase ends (跑了3456789次，). No unit that also
# starts a name or a phrase that may follow a number to call (张, 周, 万 are surnames; 本人,
# 座机). A phone word before the number outweighs any unit after it (PHONE_WORDS).
ANY_WORD = "\u3400-\u4dbf\u4e00-\u9fff"
NUMBER_UNITS = {
    "元": "旦", "块": "", "角": "落", "亿": "", "%": "", "％": "",
    "号": "码称", "室": "内友", "栋": "", "幢": "", "楼": "下上道里梯", "层": "面", "单元": "",
    "年": "纪轻龄", "月": "", "日": "常子", "小时": "", "分钟": "", "秒": "回",
    "人次": "", "名": "字下单额", "个": "人别子性体", "岁": "", "件": "事", "份": "",
    "箱": "", "袋": "", "斤": "", "公斤": "", "克": "服", "吨": "", "米": "饭", "公里": "",
    "平方": "", "步": "行", "页": "", "期": "间", "批": "准评", "条": "件", "项": "目",
    "人": ANY_WORD, "天": ANY_WORD, "位": ANY_WORD, "次": ANY_WORD,
}  # fmt: skip
_UNIT_AFTER = re.compile(
    r"\s*(?:"
    + "|".join(re.escape(u) + (f"(?![{nxt}])" if nxt else "") for u, nxt in NUMBER_UNITS.items())
    + ")"
)
# Words that say the number after them is dialled: it is masked whatever follows. Between
# the word and the number: 号码 or 号, 是 or 为, a colon, a dash, spaces (电话号码是：65123456).
PHONE_WORDS = (
    "电话", "座机", "号码", "手机", "拨打", "打", "致电", "来电", "联系", "联系人",
    "联系方式", "热线", "传真", "分机", "tel", "phone", "mobile",
)  # fmt: skip
_DIALLED = re.compile(
    r"(?<![A-Za-z])(?i:"
    + "|".join(re.escape(w) for w in PHONE_WORDS)
    + r")(?:号码|号)?[\s:：.\-是为]{0,4}$"
)
# A phone number in free text, never part of a longer digit run (nor of a decimal); a space
# or a hyphen may stand between its groups, as people write it:
# - a mobile, +86 optional (138 1234 5678), whatever follows it; points between its groups
#   only both ways (138.1234.5678), so that a date (2026.11.30) or an amount (1234.56) is kept;
# - a landline with its area code, 0 and 2-3 digits, then 7-8 digits, whole or in two groups
#   (010-65123456, 0371 61234567, 0371-6123-4567), the area code maybe in brackets
#   ((0371)6123 4567, （0371）6123-4567, (0371)-6123-4567); points between its groups only
#   all the way (0371.6123.4567, (0371)6123.4567), as for a mobile;
# - a bare local number of 7-8 digits (65123456), unless it is an amount, a count, an ordinal,
#   a date or a door: a currency sign or 第 before it (¥1234567, 第3456789), or, with no
#   phone word before it, a unit after it or the digits of a calendar day (20251015;
#   _is_phone_number);
# - a local number in two groups (6123 4567), after a phone word only: without one, two
#   groups are more often a span (2025-2026学年, 1000-2000元) than a number to call.
_AREA_CODE = r"0(?:10|2\d|[3-9]\d{2})"
_PHONE_IN_TEXT = re.compile(
    r"(?<![\d.])(?:"
    r"(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}[ -]?|\.\d{4}\.)\d{4}"
    rf"|(?:\({_AREA_CODE}\)[ -]?|{_AREA_CODE}[ -]?)\d{{3,4}}[ -]?\d{{4}}"
    rf"|(?:\({_AREA_CODE}\)|{_AREA_CODE}\.)\d{{3,4}}\.\d{{4}}"
    r"|(?<![¥￥$第])(?<![¥￥$] )(?P<local>[2-9]\d{6,7})"
    r"|(?P<grouped>[2-9]\d{2,3}[ -]\d{4})"
    r")(?![\d.])"
)


def _is_phone_number(match: re.Match) -> bool:
    """A bare local number is dialled after a phone word. Without one, two groups are not
    taken for a number, and a 7-8 digit run counts or measures before a unit, or is a compact
    date (20251015来过); anything else is taken for a phone number, since a leak costs more
    than a masked count."""
    text, start, end = match.string, match.start(), match.end()
    if _DIALLED.search(text, max(0, start - 16), start):
        return True
    if match["grouped"]:
        return False
    return not (_UNIT_AFTER.match(text, end) or _is_compact_date(match["local"]))


def _is_compact_date(digits: str) -> bool:
    """YYYYMMDD of a real calendar day in 2000-2099: how people write a date in a hurry."""
    if len(digits) != 8 or not digits.startswith("20"):
        return False
    try:
        date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return True


def _mask_phones(text: str) -> str:
    """The text with each phone number in it masked, its digits and separators read in
    either width (_TYPED_AS_ASCII); everything else stays as typed."""
    kept, start = [], 0
    for match in _PHONE_IN_TEXT.finditer(text.translate(_TYPED_AS_ASCII)):
        if (match["local"] or match["grouped"]) and not _is_phone_number(match):
            continue
        kept += [text[start : match.start()], _mask_digits(text[match.start() : match.end()])]
        start = match.end()
    return "".join(kept) + text[start:]


def redact(text: str, household: Household | Iterable[Household] | None = None) -> str:
    """Free text (a register entry's content, target, outcome; a resident's comment) with a
    resident's personal data masked as the household's own fields are: the household's (or
    each of the households') address, head name and phone where they appear word for word,
    and any phone number, mobile or landline. A file travels further than a screen, so what
    a member typed is masked too."""
    text = text or ""
    households = [household] if hasattr(household, "head_name") else household or ()
    for one in households:
        fields = ((one.address, mask_address), (one.head_name, mask_name))
        for whole, mask in (*fields, (one.phone, _mask_digits)):
            whole = (whole or "").strip()
            if len(whole) > 1:
                text = text.replace(whole, mask(whole))
    return _mask_phones(text)


@dataclass(frozen=True)
class HouseholdView:
    """A household as one viewer may see it; `masked` tells which view this is. Coordinates
    are given to the office only, since they would give away the address."""

    id: int
    community: str
    head_name: str
    phone: str
    address: str
    size: int | None
    situation: str
    paired_member_id: int | None
    paired_member_name: str | None
    paired_since: date | None
    last_visit_on: date | None
    masked: bool
    lat: float | None = None
    lng: float | None = None
    coord_type: str | None = None


_ACTIVE_PAIRING = Prepared(
    lambda p: (
        Pairing.select(Pairing, Household)
        .join(Household)
        .where((Pairing.member == p.member) & Pairing.ended_on.is_null())
        .limit(1)
    )
)


def active_pairing(member_id: int) -> Pairing | None:
    """The member's current pairing, with its household, or None."""
    return _ACTIVE_PAIRING.first(member=member_id)


def _last_visit(by_member: bool) -> Prepared:
    r = ServiceRecord

    def build(p):
        condition = (r.household == p.household) & counts_as_visit()
        if by_member:
            condition &= r.member == p.member
        return r.select(fn.MAX(r.checkin_at)).where(condition)

    return Prepared(build)


_LAST_VISIT = {True: _last_visit(True), False: _last_visit(False)}


def last_visit_at(household_id: int, member_id: int | None = None) -> datetime | None:
    """When the household was last visited (by this member, when given): the latest check-in
    that counts as a visit (services.summary.counts_as_visit)."""
    return _LAST_VISIT[member_id is not None].scalar(household=household_id, member=member_id)


def my_household(member: Member) -> HouseholdView:
    """The member's paired household, masked; NotFound while the member has none."""
    pairing = active_pairing(member.id)
    if pairing is None:
        raise NotFound(NOT_PAIRED, "not_paired")
    h = pairing.household
    return HouseholdView(
        id=h.id,
        community=h.community.name,
        head_name=mask_name(h.head_name),
        phone=mask_phone(h.phone),
        address=mask_address(h.address),
        size=h.size,
        situation=h.situation,
        paired_member_id=member.id,
        paired_member_name=member.name,
        paired_since=pairing.started_on,
        last_visit_on=_local_date(last_visit_at(h.id, member.id)),
        masked=True,
    )


def household_for_office(household: Household) -> HouseholdView:
    """The whole household for the office, with its current pairing and its last visit by
    anyone."""
    pairing = (
        Pairing.select(Pairing, Member)
        .join(Member)
        .where((Pairing.household == household.id) & Pairing.ended_on.is_null())
        .first()
    )
    return HouseholdView(
        id=household.id,
        community=household.community.name,
        head_name=household.head_name,
        phone=household.phone,
        address=household.address,
        size=household.size,
        situation=household.situation,
        paired_member_id=pairing.member_id if pairing else None,
        paired_member_name=pairing.member.name if pairing else None,
        paired_since=pairing.started_on if pairing else None,
        last_visit_on=_local_date(last_visit_at(household.id)),
        masked=False,
        lat=household.lat,
        lng=household.lng,
        coord_type=household.coord_type,
    )


def _local_date(moment: datetime | None) -> date | None:
    return clock.to_local(moment).date() if moment is not None else None
