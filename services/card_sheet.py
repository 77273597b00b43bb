"""Feedback cards laid out for the office's printer: an A4 PDF, six cards a page (two across,
three down), each in a dashed frame to cut along, and a ZIP of the same PNGs for a clerk who
would rather place them herself.

Above each frame, outside the cut, is whose card it is in full (结对党员 王建国（第一服务队）):
the clerk sorts the pile by it, while the card itself names the member as residents' pages do
(王同志). Pages are black and white at 300 dpi: the cards are, a bilevel page is a twentieth
of a grey one in memory, and the PDF stores it losslessly (CCITT G4), so the QR codes stay
sharp.
"""

import io
import zipfile
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

from .feedback_cards import Card, font

DPI = 300
MM = DPI / 25.4
PAGE = (round(210 * MM), round(297 * MM))  # A4 portrait
COLUMNS, ROWS = 2, 3
PER_PAGE = COLUMNS * ROWS
MARGIN = round(10 * MM)  # most printers cannot print nearer the edge
FOOTER = round(8 * MM)
LABEL = round(7 * MM)  # the strip above a frame holding whose card it is
GAP = round(2 * MM)  # between a frame and its neighbours
PADDING = round(3 * MM)  # inside a frame, around the card
LABEL_SIZE, FOOTER_SIZE = round(3.6 * MM), round(3 * MM)  # about 10 pt and 8.5 pt
DASH = (round(3 * MM), round(2 * MM))
CUT_HINT = "沿虚线裁开；虚线外的名字供分发时核对，不在卡片上"


def pdf(cards: Sequence[Card], title: str) -> bytes:
    """The cards as one A4 PDF (Pillow writes it a page at a time from bilevel images)."""
    pages = sheet_pages(cards)
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=DPI, title=title)
    return out.getvalue()


def zip_of(cards: Sequence[Card]) -> bytes:
    """The card PNGs in one ZIP, numbered in the PDF's order (two members of one team may
    share a name, their files may not)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:  # PNGs are compressed
        for number, card in enumerate(cards, 1):
            archive.writestr(f"{number:03d}_{card.file_name}", card.png)
    return out.getvalue()


def sheet_pages(cards: Sequence[Card]) -> list[Image.Image]:
    """One bilevel A4 image per PER_PAGE cards."""
    count = -(-len(cards) // PER_PAGE)
    return [_page(cards[i * PER_PAGE : (i + 1) * PER_PAGE], i + 1, count) for i in range(count)]


def frame(slot: int) -> tuple[int, int, int, int]:
    """The cut frame of a page's slot (0 top left, row by row): left, top, right, bottom."""
    width = (PAGE[0] - 2 * MARGIN) // COLUMNS
    height = (PAGE[1] - 2 * MARGIN - FOOTER) // ROWS
    left = MARGIN + (slot % COLUMNS) * width
    top = MARGIN + (slot // COLUMNS) * height
    return left + GAP, top + LABEL, left + width - GAP, top + height - GAP


def card_place(slot: int, size: tuple[int, int]) -> tuple[int, int, float]:
    """Where a card of this pixel size goes in the slot, scaled to fit: left, top, scale."""
    left, top, right, bottom = frame(slot)
    room_w, room_h = right - left - 2 * PADDING, bottom - top - 2 * PADDING
    scale = min(room_w / size[0], room_h / size[1])
    width, height = round(size[0] * scale), round(size[1] * scale)
    return left + (right - left - width) // 2, top + (bottom - top - height) // 2, scale


def _page(cards: Sequence[Card], number: int, count: int) -> Image.Image:
    page = Image.new("L", PAGE, 255)
    draw = ImageDraw.Draw(page)
    font_path = font()
    for slot, card in enumerate(cards):
        _place(page, draw, slot, card, font_path)
    if font_path:
        footer = f"居民评价卡　第 {number}/{count} 页　{CUT_HINT}"
        small = ImageFont.truetype(font_path, FOOTER_SIZE)
        width = draw.textlength(footer, font=small)
        draw.text(((PAGE[0] - width) / 2, PAGE[1] - MARGIN - FOOTER_SIZE), footer, 0, small)
    return page.point(lambda v: 255 if v >= 128 else 0).convert("1", dither=Image.Dither.NONE)


def _place(page, draw, slot: int, card: Card, font_path: str | None) -> None:
    image = Image.open(io.BytesIO(card.png)).convert("L")
    left, top, scale = card_place(slot, image.size)
    size = (round(image.width * scale), round(image.height * scale))
    page.paste(image.resize(size, Image.Resampling.LANCZOS), (left, top))
    box = frame(slot)
    _dashed_box(draw, box)
    if font_path and card.label:
        label_font = ImageFont.truetype(font_path, LABEL_SIZE)
        text = _fit(draw, card.label, label_font, box[2] - box[0])
        draw.text((box[0], box[1] - LABEL + (LABEL - LABEL_SIZE) // 2), text, 0, label_font)


def _fit(draw, text: str, label_font, width: int) -> str:
    """The label, shortened with … to fit the frame's width."""
    while len(text) > 1 and draw.textlength(text, font=label_font) > width:
        text = text[:-2] + "…"
    return text


def _dashed_box(draw, box: tuple[int, int, int, int]) -> None:
    left, top, right, bottom = box
    for start, end in (
        ((left, top), (right, top)),
        ((left, bottom), (right, bottom)),
        ((left, top), (left, bottom)),
        ((right, top), (right, bottom)),
    ):
        _dashed_line(draw, start, end)


def _dashed_line(draw, start: tuple[int, int], end: tuple[int, int]) -> None:
    (x0, y0), (x1, y1) = start, end
    length = max(x1 - x0, y1 - y0)
    on, off = DASH
    for offset in range(0, length, on + off):
        stop = min(offset + on, length)
        if x0 == x1:
            draw.line([(x0, y0 + offset), (x0, y0 + stop)], fill=0, width=3)
        else:
            draw.line([(x0 + offset, y0), (x0 + stop, y0)], fill=0, width=3)
