"""Printable QR cards for residents' feedback: a PNG per target with the page's address in a
QR code (segno) and, when a Chinese font is installed, a few words saying what it is for.

Cards point at `<public url>/r/<code>` (services.feedback_targets makes the codes). The
public url is feedback.public_url, else app.public_url, else, in demo mode only, the
service's own address: a card must carry an address residents' phones reach, so without one
nothing is printed.
"""

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import peewee as pw
import segno
from PIL import Image, ImageDraw, ImageFont

from models import Activity, Member, Pairing, Team

from . import clock, output_files
from .actors import Actor
from .errors import Conflict, Forbidden, Invalid, NotFound
from .feedback_targets import KIND_NAMES, code_for, display_name
from .rows import is_id

PAGE_PATH = "/r/"
QR_ERROR = "m"  # survives a smudge or a fold, still a small code for a short address
QR_SCALE, QR_BORDER = 12, 4
CARD_WIDTH, HEADER, FOOTER = 620, 150, 130
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
NO_URL = (
    "没有配置居民评价页面的公网地址：请在 config.toml 的 [feedback] 中设置 public_url"
    "（或环境变量 XIANFENG_FEEDBACK_PUBLIC_URL），如 https://xianfeng.example.gov.cn。"
)
#: Why the office gets no card of a target residents may no longer rate.
DEAD_CARD = "居民扫这张二维码只会看到“无需评价”，所以不提供下载。"
#: A card's footer: how to use it, then thanks (or, on an activity's, whose it is).
FOOTER_SCAN = "微信扫一扫 · 无需注册"
FOOTER_THANKS = (FOOTER_SCAN, "感谢您的评价和建议")
_FORBIDDEN_IN_NAMES = str.maketrans({c: "_" for c in '\\/:*?"<>|'})


@dataclass(frozen=True)
class Card:
    file_name: str
    png: bytes
    label: str = ""  # whose card, in full, for the clerk handing a printed pile out


def public_base(settings) -> str:
    """The address cards point at, without a trailing slash; Conflict when none is set."""
    base = settings.feedback.public_url or settings.app.public_url
    if not base and settings.is_demo:
        base = f"http://{settings.server.host}:{settings.server.port}"
    if not base:
        raise Conflict(NO_URL, "public_url_missing")
    return base.rstrip("/")


def page_url(base: str, code: str) -> str:
    return f"{base}{PAGE_PATH}{code}"


def qr_png(url: str) -> bytes:
    """The address as a bare QR code PNG."""
    out = io.BytesIO()
    segno.make(url, error=QR_ERROR, micro=False).save(
        out, kind="png", scale=QR_SCALE, border=QR_BORDER
    )
    return out.getvalue()


def qr_box(url: str) -> tuple[int, int, int]:
    """Where a card puts the code: (left, top, side) in pixels."""
    side = segno.make(url, error=QR_ERROR, micro=False).symbol_size(QR_SCALE, QR_BORDER)[0]
    return (CARD_WIDTH - side) // 2, HEADER, side


def card_png(url: str, lines: tuple[str, ...], footer: tuple[str, ...]) -> bytes:
    """A card: the lines above the code, the footer below it (words only with a font)."""
    left, top, side = qr_box(url)
    card = Image.new("RGB", (CARD_WIDTH, top + side + FOOTER), "white")
    card.paste(Image.open(io.BytesIO(qr_png(url))).convert("RGB"), (left, top))
    font_path = font()
    if font_path:
        draw = ImageDraw.Draw(card)
        _write(draw, font_path, lines, 30, 36)
        _write(draw, font_path, footer, top + side + 20, 26)
    out = io.BytesIO()
    card.save(out, format="PNG")
    return out.getvalue()


def _write(draw, font_path: str, lines: tuple[str, ...], y: int, size: int) -> None:
    for index, line in enumerate(lines):
        font = ImageFont.truetype(font_path, size if index == 0 else size - 8)
        width = draw.textlength(line, font=font)
        draw.text(((CARD_WIDTH - width) / 2, y), line, fill="black", font=font)
        y += size + 14


def font() -> str | None:
    return next((p for p in FONT_CANDIDATES if Path(p).is_file()), None)


def paired_members() -> pw.Select:
    """Active members with a household paired now, with their team: a member's card is for
    the household, so only these get one."""
    return (
        Member.select(Member, Team)
        .join(Team)
        .switch(Member)
        .join(Pairing, on=(Pairing.member == Member.id))
        .where(Member.active & Pairing.ended_on.is_null())
    )


def member_cards(base: str, now: datetime) -> list[Card]:
    """A card for every active member with a household paired now, team by team."""
    query = paired_members().order_by(Team.id, Member.id)
    return [member_card(base, m, now) for m in query]


def member_card(base: str, member: Member, now: datetime) -> Card:
    url = page_url(base, code_for("member", member.id, now))
    lines = ("请为结对党员的服务打分", f"{member.team.name} {display_name(member.name)}")
    png = card_png(url, lines, FOOTER_THANKS)
    label = f"结对党员 {member.name}（{member.team.name}）"
    return Card(_file_name(member.team.name, member.name), png, label)


def activity_card(base: str, activity_id: int, now: datetime) -> Card:
    """The card to post at an activity (none for a cancelled one)."""
    activity = Activity.get_or_none(Activity.id == activity_id) if is_id(activity_id) else None
    if activity is None:
        raise NotFound(f"没有编号为 {activity_id} 的活动。", "activity_not_found")
    _refuse_dead_card("activity", activity_id)
    return activity_row_card(base, activity, now)


def activity_row_card(base: str, activity: Activity, now: datetime) -> Card:
    """An activity's card; an office task without a team names its community instead."""
    url = page_url(base, code_for("activity", activity.id, now))
    lines = ("请为本次志愿服务活动打分", activity.title[:20])
    owner = activity.team or activity.community
    owner_name = owner.name if owner else ""
    png = card_png(url, lines, (FOOTER_SCAN, owner_name))
    day = clock.cn_date(clock.to_local(activity.starts_at).date())
    label = f"活动 {day} {activity.title}" + (f"（{owner_name}）" if owner_name else "")
    return Card(_file_name(owner_name, f"活动{activity.id}_{activity.title}"), png, label)


def team_card(base: str, team: Team, now: datetime) -> Card:
    """The card for a team as a whole: posted at its community's service point."""
    url = page_url(base, code_for("team", team.id, now))
    png = card_png(url, ("请为志愿服务队打分", team.name[:20]), FOOTER_THANKS)
    return Card(_file_name(team.name, "服务队"), png, f"服务队 {team.name}")


def target_qr(actor: Actor, base: str, kind: str, target_id: int, now: datetime) -> Card:
    """The bare QR code of one target's page: the office's download (cards are printed and
    handed out by the office)."""
    if not actor.is_office:
        raise Forbidden("只有办公室可以下载评价二维码。", "office_only")
    _refuse_dead_card(kind, target_id)
    code = code_for(kind, target_id, now)
    name = f"评价二维码_{KIND_NAMES[kind]}{target_id}_{_target_name(kind, target_id)}"
    return Card(_safe_name(name), qr_png(page_url(base, code)))


def _refuse_dead_card(kind: str, target_id: int) -> None:
    """A member who left and a cancelled activity get no card (the resident's page turns the
    scan away, services.feedback_targets): the office is told why, as the printed pile
    leaves them out (services.feedback_card_pick)."""
    if kind == "member" and is_id(target_id):
        member = Member.get_or_none(Member.id == target_id)
        if member is not None and (not member.active or member.team_id is None):
            raise Conflict(f"{member.name}已离队，{DEAD_CARD}", "member_left")
    if kind == "activity" and is_id(target_id):
        activity = Activity.get_or_none(Activity.id == target_id)
        if activity is not None and activity.status == "cancelled":
            raise Conflict(f"活动「{activity.title}」已取消，{DEAD_CARD}", "activity_cancelled")


def _target_name(kind: str, target_id: int) -> str:
    """Whose code it is, for the file name: the clerk prints a pile of them at once."""
    model, column = {
        "member": (Member, Member.name),
        "activity": (Activity, Activity.title),
        "team": (Team, Team.name),
    }[kind]
    return model.select(column).where(model.id == target_id).scalar() or ""


def write_cards(folder: Path, cards: list[Card], force: bool) -> list[Path]:
    """Write each card into the folder (made if missing, its parent must exist)."""
    if not folder.parent.is_dir():
        raise Invalid(f"文件夹 {folder.parent.absolute()} 不存在。", "no_such_folder")
    folder.mkdir(exist_ok=True)
    kept = "可能是已打印的评价卡"
    there = [folder / c.file_name for c in cards if (folder / c.file_name).exists()]
    if there and not force:  # before writing any: all the cards or none
        raise output_files.already_there(there[0], kept)
    return [
        output_files.write_file(folder / c.file_name, _writer(c.png), force, kept) for c in cards
    ]


def _writer(png: bytes):
    return lambda path: path.write_bytes(png)


def _file_name(team: str, name: str) -> str:
    return _safe_name(f"{team}_{name}")


def _safe_name(name: str) -> str:
    return name.translate(_FORBIDDEN_IN_NAMES).replace(" ", "_")[:120] + ".png"
