"""The printable pile of feedback cards: A4 pages of six, read back from the PDF Pillow wrote
(Pillow's own PDF reader, no other dependency), the QR codes still readable on the sheet."""

import io
import zipfile

import pytest
import segno
from PIL import Image
from PIL.PdfParser import PdfParser

from services import card_sheet
from services.feedback_cards import QR_BORDER, QR_SCALE, Card, card_png, font, qr_box

A4_POINTS = (595.28, 841.89)
URL = "https://xf.example.cn/r/abcdefghijklmnop"


def card(n: int, label: str = "") -> Card:
    png = card_png(f"{URL}{n}", ("请为结对党员的服务打分", "第一服务队 王同志"), ("微信扫一扫",))
    return Card(f"第一服务队_王{n}.png", png, label or f"结对党员 王建国{n}（第一服务队）")


def pdf_pages(data: bytes) -> list[list[float]]:
    """Each page's MediaBox, in points."""
    assert data.startswith(b"%PDF-")
    parser = PdfParser(buf=data)
    return [list(parser.read_indirect(page)[b"MediaBox"]) for page in parser.pages]


@pytest.mark.parametrize(("count", "pages"), [(1, 1), (6, 1), (7, 2), (13, 3)])
def test_six_cards_a_page_on_a4(count, pages):
    data = card_sheet.pdf([card(n) for n in range(count)], "评价卡")
    boxes = pdf_pages(data)
    assert len(boxes) == pages
    for left, bottom, width, height in boxes:
        assert (left, bottom) == (0, 0)
        assert width == pytest.approx(A4_POINTS[0], abs=0.5)
        assert height == pytest.approx(A4_POINTS[1], abs=0.5)


def test_a_page_is_black_and_white_at_300_dpi_and_empty_slots_stay_blank():
    last = card_sheet.sheet_pages([card(n) for n in range(7)])[1]
    assert last.mode == "1" and last.size == (2480, 3508)
    assert _inked(last, card_sheet.frame(0))
    for slot in range(1, card_sheet.PER_PAGE):
        assert not _inked(last, card_sheet.frame(slot)), slot


def test_the_frames_lie_within_the_printable_margin_and_do_not_touch():
    frames = [card_sheet.frame(slot) for slot in range(card_sheet.PER_PAGE)]
    margin = card_sheet.MARGIN
    for left, top, right, bottom in frames:
        assert margin <= left < right <= card_sheet.PAGE[0] - margin
        assert margin < top < bottom <= card_sheet.PAGE[1] - margin - card_sheet.FOOTER
    assert frames[0][2] < frames[1][0] and frames[0][3] < frames[2][1]


def test_each_qr_code_reads_back_from_the_sheet():
    cards = [card(n) for n in range(6)]
    page = card_sheet.sheet_pages(cards)[0].convert("L")
    for slot, one in enumerate(cards):
        url = f"{URL}{slot}"
        assert _sheet_qr(page, slot, one, url) == segno.make(url, error="m").matrix


@pytest.mark.skipif(font() is None, reason="no Chinese font installed")
def test_whose_card_it_is_is_printed_above_the_frame():
    named, unnamed = card(1), Card("x.png", card(1).png, "")
    left, top, right, _ = card_sheet.frame(0)
    strip = (left, top - card_sheet.LABEL, right, top - 4)  # above the dashed line
    assert _inked(card_sheet.sheet_pages([named])[0], strip)
    assert not _inked(card_sheet.sheet_pages([unnamed])[0], strip)


def test_a_long_label_is_shortened_to_the_frame():
    long = card(1, "活动 2026年12月1日 " + "社区环境卫生整治与垃圾分类宣传" * 4)
    page = card_sheet.sheet_pages([long, card(2)])[0]
    left, top, right, _ = card_sheet.frame(1)
    strip = (left - card_sheet.GAP * 2 + 2, top - card_sheet.LABEL, left - 2, top - 4)
    assert not _inked(page, strip)  # nothing ran over into the next column's margin


def test_the_zip_holds_the_pngs_numbered_in_order():
    cards = [card(1), card(1), card(2)]  # two members of one team with one name
    with zipfile.ZipFile(io.BytesIO(card_sheet.zip_of(cards))) as archive:
        names = archive.namelist()
        assert names == [
            "001_第一服务队_王1.png",
            "002_第一服务队_王1.png",
            "003_第一服务队_王2.png",
        ]
        assert archive.read(names[2]) == cards[2].png


def _inked(page: Image.Image, box) -> bool:
    """Whether any black pixel lies strictly inside the box."""
    left, top, right, bottom = box
    inside = page.crop((left + 4, top + 4, right - 3, bottom - 3)).convert("L")
    return inside.getextrema()[0] == 0


def _sheet_qr(page, slot: int, one: Card, url: str) -> tuple:
    size = Image.open(io.BytesIO(one.png)).size
    left, top, scale = card_sheet.card_place(slot, size)
    sx = round(size[0] * scale) / size[0]
    sy = round(size[1] * scale) / size[1]
    qleft, qtop, side = qr_box(url)
    modules = side // QR_SCALE - 2 * QR_BORDER

    def dark(x: int, y: int) -> int:
        cx = qleft + (QR_BORDER + x + 0.5) * QR_SCALE
        cy = qtop + (QR_BORDER + y + 0.5) * QR_SCALE
        return int(page.getpixel((round(left + cx * sx), round(top + cy * sy))) < 128)

    return tuple(bytearray(dark(x, y) for x in range(modules)) for y in range(modules))
