"""What residents can rate and the code on each target's QR card.

Three kinds of target: a paired member (the card the household keeps), an activity (the card
posted at the event) and a team. Each target gets one random code, stored (FeedbackCode), and
its card's address carries only that code.

Why a stored random code and not an HMAC of the target's id under app.secret_key: a card is
printed once and hangs on a wall for years, while app.secret_key may be changed at any time
(it signs tokens and photo links that last minutes); an HMAC card would die with the key, a
stored code does not. The code is 96 random bits, so it cannot be guessed or walked to the
next target, and the database, not a key, says what it rates: a card can be replaced alone
(delete its row and print a new one) without touching any other. Looking a code up is one
indexed query.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import peewee as pw

from models import Activity, FeedbackCode, Member, Team, db

from . import clock
from .errors import Conflict, Invalid, NotFound
from .rows import is_id

KINDS = ("member", "activity", "team")
KIND_NAMES = {"member": "结对党员", "activity": "活动", "team": "服务队"}
CODE_BYTES = 12  # 96 bits, 16 URL-safe characters
_CODE = re.compile(r"^[A-Za-z0-9_-]{8,32}$")
# Two-character surnames, so 欧阳明 is 欧阳同志 and not 欧同志.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 令狐 夏侯 司徒 端木 独孤 南宫 宇文 "
    "申屠 西门 闻人 呼延 轩辕 澹台 公冶 太叔 钟离 濮阳".split()
)
UNKNOWN = "这个二维码无法识别，可能已经失效。请联系社区或服务队，谢谢！"


@dataclass(frozen=True)
class Target:
    """A rated target as the resident's page names it: never a phone, never a full name."""

    kind: str
    id: int
    code: str
    title: str  # 王同志, the activity's title, the team's name
    subtitle: str  # the team (and the activity's day)
    team_id: int | None


def display_name(full_name: str) -> str:
    """How a resident's page names a member: surname + 同志 (王建国 → 王同志)."""
    name = full_name.strip()
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]
    return f"{surname}同志" if surname else "党员同志"


def target_key(kind: str, target_id: int) -> str:
    return f"{kind}:{target_id}"


def code_for(kind: str, target_id: int, now: datetime) -> str:
    """The target's card code, made the first time it is asked for (NotFound for no such
    target). Two callers at once get the same code: the target_key is unique."""
    row = _row(kind, target_id)
    key = target_key(kind, target_id)
    found = FeedbackCode.get_or_none(FeedbackCode.target_key == key)
    if found is not None:
        return found.code
    fields = {"target_kind": kind, kind: row, "created_at": now}
    try:
        with db.atomic():
            code = secrets.token_urlsafe(CODE_BYTES)
            FeedbackCode.create(code=code, target_key=key, **fields)
            return code
    except pw.IntegrityError:
        return FeedbackCode.get(FeedbackCode.target_key == key).code


def _row(kind: str, target_id: int):
    model = {"member": Member, "activity": Activity, "team": Team}.get(kind)
    if model is None:
        raise Invalid("评价对象应为 member、activity 或 team。", "bad_target_kind")
    row = model.get_or_none(model.id == target_id) if is_id(target_id) else None
    if row is None:
        raise NotFound(f"没有这个{KIND_NAMES[kind]}。", "target_not_found")
    return row


def target_by_code(code: str, now: datetime) -> Target:
    """The target a card's code names, if residents may rate it now: NotFound for a code no
    card has; Conflict, in words for the resident, for a member who has left the roster, a
    cancelled activity or one that has not started yet."""
    row = None
    if isinstance(code, str) and _CODE.match(code):
        row = FeedbackCode.get_or_none(FeedbackCode.code == code)
    if row is None:
        raise NotFound(UNKNOWN, "feedback_code_unknown")
    return _TARGETS[row.target_kind](row, now)


def _member_target(row: FeedbackCode, now: datetime) -> Target:
    member = row.member
    if not member.active or member.team_id is None:
        raise Conflict(
            f"{display_name(member.name)}已不在服务队，暂不接受对他（她）的评价。谢谢您的关心！",
            "member_left",
        )
    team = member.team
    return Target("member", member.id, row.code, display_name(member.name), team.name, team.id)


def _activity_target(row: FeedbackCode, now: datetime) -> Target:
    activity = row.activity
    if activity.status == "cancelled":
        message = f"活动「{activity.title}」已取消，无需评价。谢谢您的关心！"
        raise Conflict(message, "activity_cancelled")
    if activity.starts_at > now:
        day = clock.cn_date(clock.to_local(activity.starts_at).date())
        raise Conflict(
            f"活动「{activity.title}」将于{day}开始，开始后才能评价。", "activity_not_started"
        )
    day = clock.cn_date(clock.to_local(activity.starts_at).date())
    subtitle = f"{activity.team.name} · {day}"
    return Target("activity", activity.id, row.code, activity.title, subtitle, activity.team_id)


def _team_target(row: FeedbackCode, now: datetime) -> Target:
    team = row.team
    return Target("team", team.id, row.code, team.name, team.community.name, team.id)


_TARGETS = {"member": _member_target, "activity": _activity_target, "team": _team_target}
