"""Check-in photos: what is accepted, what is kept, and what is read from them."""

import hashlib
import io
import random
from datetime import datetime

import pytest
from PIL import ExifTags, Image, ImageDraw

from services import photos
from services.errors import Invalid, NotFound
from services.photos import hamming, open_photo, store_photo
from tests import images

NOW = datetime(2026, 11, 29, 2, 0, 0)


def picture(seed=1, size=(640, 480), mode="RGB") -> Image.Image:
    """A picture with some structure (a flat colour would hash to all zeros)."""
    rng = random.Random(seed)
    image = Image.new(mode, size, "white")
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        box = (x, y, x + rng.randint(20, 200), y + rng.randint(20, 200))
        draw.rectangle(box, fill=tuple(rng.randrange(256) for _ in mode))
    return image


def encode(image, fmt="JPEG", exif=None, **options) -> bytes:
    buffer = io.BytesIO()
    if exif is not None:
        options["exif"] = exif
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def exif_with(taken=None, offset=None, gps=None, orientation=None) -> Image.Exif:
    exif = Image.Exif()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    details = exif.get_ifd(ExifTags.IFD.Exif)
    if taken:
        details[ExifTags.Base.DateTimeOriginal] = taken
    if offset:
        details[ExifTags.Base.OffsetTimeOriginal] = offset
    if gps:
        (lat_ref, lat), (lng_ref, lng) = gps
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        info[ExifTags.GPS.GPSLatitudeRef], info[ExifTags.GPS.GPSLatitude] = lat_ref, lat
        info[ExifTags.GPS.GPSLongitudeRef], info[ExifTags.GPS.GPSLongitude] = lng_ref, lng
    return exif


@pytest.mark.parametrize(
    ("fmt", "content_type", "ext"),
    [("JPEG", "image/jpeg", "jpg"), ("PNG", "image/png", "png"), ("WEBP", "image/webp", "webp")],
)
def test_accepted_formats_are_kept_as_uploaded_with_a_jpeg_thumbnail(
    photo_root, fmt, content_type, ext
):
    data = encode(picture(size=(1600, 1200)), fmt)
    stored = store_photo(data, photo_root, NOW)
    digest = hashlib.sha256(data).hexdigest()
    assert stored.sha256 == digest
    assert stored.storage_key == f"2026/11/{digest}.{ext}"
    assert stored.thumb_key == f"2026/11/{digest}_thumb.jpg"
    assert stored.content_type == content_type
    assert (stored.width, stored.height, stored.size_bytes) == (1600, 1200, len(data))
    assert open_photo(photo_root, stored.storage_key).read_bytes() == data
    with Image.open(open_photo(photo_root, stored.thumb_key)) as thumb:
        assert (thumb.format, thumb.size) == ("JPEG", (480, 360))


def test_the_folder_is_the_shanghai_month(photo_root):
    stored = store_photo(encode(picture()), photo_root, datetime(2026, 11, 30, 17, 0))
    assert stored.storage_key.startswith("2026/12/")  # 01:00 on 1 December in Shanghai


def test_transparent_png_gets_a_white_thumbnail(photo_root):
    image = Image.new("RGBA", (100, 80), (255, 0, 0, 0))
    stored = store_photo(encode(image, "PNG"), photo_root, NOW)
    with Image.open(open_photo(photo_root, stored.thumb_key)) as thumb:
        assert thumb.convert("RGB").getpixel((50, 40)) == (255, 255, 255)


def test_storing_the_same_photo_twice_gives_the_same_keys(photo_root):
    data = encode(picture())
    assert store_photo(data, photo_root, NOW) == store_photo(data, photo_root, NOW)
    assert len(list(photo_root.rglob("*"))) == 3  # two folders, photo (no thumbnail yet)


def test_the_thumbnail_is_made_when_first_opened_and_kept(photo_root):
    stored = store_photo(encode(picture(size=(1600, 1200))), photo_root, NOW)
    assert not (photo_root / stored.thumb_key).exists()
    path = open_photo(photo_root, stored.thumb_key)
    assert path == photo_root / stored.thumb_key and path.is_file()
    made = path.stat().st_mtime_ns
    assert open_photo(photo_root, stored.thumb_key).stat().st_mtime_ns == made
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_the_view_is_the_whole_upright_picture_without_metadata(photo_root):
    gps = (("N", (34, 45, 30)), ("E", (113, 40, 12)))
    exif = exif_with(gps=gps, orientation=6)
    data = encode(picture(size=(1200, 900)), exif=exif, comment="文化路 12 号 3 单元")
    stored = store_photo(data, photo_root, NOW)
    for key in (photos.view_key(stored.storage_key), stored.thumb_key):
        with Image.open(open_photo(photo_root, key)) as copy:
            assert not copy.getexif() and "comment" not in copy.info  # no GPS, no notes
    with Image.open(open_photo(photo_root, photos.view_key(stored.storage_key))) as view:
        assert (view.format, view.size) == ("JPEG", (900, 1200))  # turned as EXIF said
    big = store_photo(encode(picture(size=(4000, 3000))), photo_root, NOW)
    with Image.open(open_photo(photo_root, photos.view_key(big.storage_key))) as view:
        assert view.size == (photos.VIEW_SIZE, photos.VIEW_SIZE * 3 // 4)


@pytest.mark.parametrize("suffix", ["_view.png", "_thumb.webp", "_other.jpg"])
def test_derived_keys_are_only_jpeg_thumbnails_and_views(photo_root, suffix):
    stored = store_photo(encode(picture(), "PNG"), photo_root, NOW)
    with pytest.raises(Invalid):
        open_photo(photo_root, stored.storage_key.removesuffix(".png") + suffix)


def test_a_thumbnail_without_its_original_is_not_found(photo_root):
    stored = store_photo(encode(picture()), photo_root, NOW)
    (photo_root / stored.storage_key).unlink()
    with pytest.raises(NotFound):
        open_photo(photo_root, stored.thumb_key)


NOT_A_PHOTO, CUT_SHORT = "请上传照片（JPG、PNG 或 WebP）。", "照片上传不完整，请重试。"
DAMAGED = "照片文件已损坏，无法打开，请重新拍摄或换一张照片。"
FILLED_DAMAGED = images.with_fill_bytes(images.damaged("JPEG"))


def _segment(length: bytes) -> bytes:
    """A JPEG's start and one APP1 segment declaring `length`, and nothing of a picture."""
    return b"\xff\xd8\xff\xe1" + length + b"Exif\x00\x00"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param("这不是照片".encode(), NOT_A_PHOTO, id="text"),
        pytest.param(b"", NOT_A_PHOTO, id="empty"),
        pytest.param(encode(picture(), "GIF"), NOT_A_PHOTO, id="gif"),
        # a photo that breaks off was cut short on the way: sending it again helps
        pytest.param(encode(picture(), "JPEG")[:2000], CUT_SHORT, id="truncated-jpeg"),
        pytest.param(encode(picture(), "PNG")[:600], CUT_SHORT, id="truncated-png"),
        pytest.param(images.cut_short(encode(picture(), "WEBP")), CUT_SHORT, id="truncated-webp"),
        pytest.param(
            images.cut_short(images.with_thumbnail(encode(picture(), "JPEG"))),
            CUT_SHORT,
            id="truncated-jpeg-with-thumbnail",
        ),
        # a whole file that fails to decode: the same bytes again would fail again
        pytest.param(images.damaged("JPEG"), DAMAGED, id="damaged-jpeg"),
        pytest.param(images.damaged("PNG"), DAMAGED, id="damaged-png"),
        pytest.param(images.damaged("WEBP"), DAMAGED, id="damaged-webp"),
        pytest.param(images.motion_photo(images.damaged("JPEG")), DAMAGED, id="damaged-motion"),
        # fill bytes (FF FF FF E1 ...) before a marker are the standard's, not a break
        pytest.param(FILLED_DAMAGED, DAMAGED, id="damaged-jpeg-with-fill-bytes"),
        pytest.param(images.cut_short(FILLED_DAMAGED), CUT_SHORT, id="filled-cut-short"),
        pytest.param(FILLED_DAMAGED[:-2], CUT_SHORT, id="filled-cut-before-its-end"),
        pytest.param(images.motion_photo(FILLED_DAMAGED), DAMAGED, id="filled-damaged-motion"),
        pytest.param(
            images.with_fill_bytes(images.with_thumbnail(images.damaged("JPEG"))),
            DAMAGED,
            id="filled-damaged-with-thumbnail",
        ),
        # hostile segment lengths: the answer still rests on whether the end is there
        pytest.param(_segment(b"\x00\x00") + b"\xff\xd9", DAMAGED, id="length-0"),
        pytest.param(_segment(b"\x00\x01") + b"\xff\xd9", DAMAGED, id="length-1"),
        pytest.param(_segment(b"\x00\x01"), CUT_SHORT, id="length-1-cut-short"),
        pytest.param(_segment(b"\xff\xff") + b"\xff\xd9", CUT_SHORT, id="length-past-the-end"),
        pytest.param(b"\xff\xd8" + b"\xff" * 100_000, CUT_SHORT, id="fill-bytes-only"),
        pytest.param(b"\xff\xd8\xff", CUT_SHORT, id="a-marker-cut-in-half"),
        pytest.param(b"\xff\xd8\xff\xff\xd9", DAMAGED, id="an-end-and-no-picture"),
        pytest.param(b"\xff\xd8" + b"\xff\x01" * 500_000, DAMAGED, id="markers-without-end"),
    ],
)
def test_anything_but_a_whole_photo_is_refused(photo_root, data, message):
    with pytest.raises(Invalid) as caught:
        store_photo(data, photo_root, NOW)
    assert (caught.value.code, caught.value.message) == ("not_a_photo", message)
    assert not photo_root.exists()


def test_a_damaged_jpeg_with_fill_bytes_cut_anywhere_before_its_end_is_cut_short(photo_root):
    """Every cut through the segments ahead of the picture, the picture's start, and its end."""
    picture_at = FILLED_DAMAGED.find(b"\xff\xda")
    cuts = [*range(3, picture_at + 16), len(FILLED_DAMAGED) - 1]
    for cut in cuts:
        with pytest.raises(Invalid) as caught:
            store_photo(FILLED_DAMAGED[:cut], photo_root, NOW)
        assert caught.value.message == CUT_SHORT, cut


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(images.phone_jpeg(), id="phone"),
        pytest.param(images.with_fill_bytes(images.phone_jpeg()), id="phone-with-fill-bytes"),
        pytest.param(images.with_thumbnail(encode(picture(), "JPEG")), id="with-thumbnail"),
    ],
)
def test_a_whole_jpeg_is_stored_however_its_segments_are_laid_out(photo_root, data):
    stored = store_photo(data, photo_root, NOW)
    assert (photo_root / stored.storage_key).read_bytes() == data


def test_a_motion_photo_is_stored_as_sent(photo_root):
    """A phone's motion photo: a whole JPEG with its video after it."""
    data = images.motion_photo(encode(picture(), "JPEG"))
    stored = store_photo(data, photo_root, NOW)
    assert (photo_root / stored.storage_key).read_bytes() == data


def test_a_photo_over_the_limit_is_refused_before_decoding(photo_root):
    with pytest.raises(Invalid) as caught:
        store_photo(b"\xff" * (10 * 1024 * 1024 + 1), photo_root, NOW)
    assert caught.value.message == "照片不能超过 10MB。"
    with pytest.raises(Invalid):
        store_photo(encode(picture()), photo_root, NOW, max_bytes=1000)


def test_too_many_pixels_is_refused(photo_root, monkeypatch):
    monkeypatch.setattr(photos, "MAX_PIXELS", 1000)
    with pytest.raises(Invalid) as caught:
        store_photo(encode(picture()), photo_root, NOW)
    assert caught.value.code == "photo_too_large"


def test_exif_orientation_is_applied(photo_root):
    image = picture(size=(400, 200))
    stored = store_photo(encode(image, exif=exif_with(orientation=6)), photo_root, NOW)
    assert (stored.width, stored.height) == (200, 400)
    with Image.open(open_photo(photo_root, stored.thumb_key)) as thumb:
        assert thumb.size == (200, 400)
    upright = store_photo(encode(image.rotate(-90, expand=True)), photo_root, NOW)
    assert hamming(stored.phash, upright.phash) <= 6


def test_dhash_is_near_for_a_reencoded_photo_and_far_for_another(photo_root):
    original = picture(seed=1, size=(1200, 900))
    stored = store_photo(encode(original, quality=95), photo_root, NOW)
    smaller = original.resize((600, 450))
    again = store_photo(encode(smaller, "WEBP", quality=40), photo_root, NOW)
    other = store_photo(encode(picture(seed=2, size=(1200, 900))), photo_root, NOW)
    assert len(stored.phash) == 16 and int(stored.phash, 16) >= 0
    assert stored.sha256 != again.sha256
    assert hamming(stored.phash, again.phash) <= 6
    assert hamming(stored.phash, other.phash) >= 16


def test_hamming_counts_differing_bits():
    assert hamming("0" * 16, "0" * 16) == 0
    assert hamming("0" * 16, "f" * 16) == 64
    assert hamming("8000000000000001", "0000000000000000") == 2


@pytest.mark.parametrize(
    ("taken", "offset", "expected"),
    [
        ("2026:11:28 09:30:00", None, datetime(2026, 11, 28, 1, 30)),  # Shanghai assumed
        ("2026:11:28 09:30:00", "+08:00", datetime(2026, 11, 28, 1, 30)),
        ("2026:11:28 09:30:00", "+00:00", datetime(2026, 11, 28, 9, 30)),
        ("2026:11:28 09:30:00", "-05:00", datetime(2026, 11, 28, 14, 30)),
        ("0000:00:00 00:00:00", None, None),
        ("yesterday", None, None),
    ],
)
def test_exif_time_is_read_as_utc(photo_root, taken, offset, expected):
    data = encode(picture(), exif=exif_with(taken=taken, offset=offset))
    assert store_photo(data, photo_root, NOW).exif_taken_at == expected


ORIGINAL = (ExifTags.Base.DateTimeOriginal, ExifTags.Base.OffsetTimeOriginal)
DIGITIZED = (ExifTags.Base.DateTimeDigitized, ExifTags.Base.OffsetTimeDigitized)
IFD0 = (ExifTags.Base.DateTime, ExifTags.Base.OffsetTime)


def exif_times(**written) -> Image.Exif:
    """EXIF with these time tags (original, digitized, ifd0), each a (time, offset or None)."""
    exif = Image.Exif()
    details = exif.get_ifd(ExifTags.IFD.Exif)
    for name, (taken, offset) in written.items():
        tag, offset_tag = {"original": ORIGINAL, "digitized": DIGITIZED, "ifd0": IFD0}[name]
        (exif if name == "ifd0" else details)[tag] = taken
        if offset:
            details[offset_tag] = offset
    return exif


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ({"digitized": ("2026:11:28 09:30:00", None)}, datetime(2026, 11, 28, 1, 30)),
        ({"digitized": ("2026:11:28 09:30:00", "-05:00")}, datetime(2026, 11, 28, 14, 30)),
        # IFD0's DateTime is when the file was saved, not when the photo was taken: not read
        ({"ifd0": ("2026:11:28 09:30:00", None)}, None),
        ({"ifd0": ("2026:11:28 09:30:00", "+00:00")}, None),
        (  # each time with its own offset: the original's, not the editor's
            {
                "original": ("2026:11:28 09:30:00", "+08:00"),
                "digitized": ("2026:11:28 09:30:00", "+00:00"),
                "ifd0": ("2026:12:01 20:00:00", "+00:00"),
            },
            datetime(2026, 11, 28, 1, 30),
        ),
        (
            {"digitized": ("2026:11:28 09:30:00", "+00:00"), "ifd0": ("2026:12:01 20:00:00", None)},
            datetime(2026, 11, 28, 9, 30),
        ),
        (
            {"original": ("  ", None), "digitized": ("2026:11:28 09:30:00", None)},
            datetime(2026, 11, 28, 1, 30),
        ),
        ({"original": ("  ", None), "ifd0": ("2026:11:28 09:30:00", None)}, None),
        # written but unreadable: no time, rather than another tag's taken for the photo's
        ({"original": ("yesterday", None), "digitized": ("2026:11:28 09:30:00", None)}, None),
    ],
)
def test_without_the_original_time_the_digitized_time_is_read(photo_root, written, expected):
    data = encode(picture(), exif=exif_times(**written))
    assert store_photo(data, photo_root, NOW).exif_taken_at == expected


@pytest.mark.parametrize(
    ("gps", "expected"),
    [
        ((("N", (34, 45, 30)), ("E", (113, 40, 12))), (34.758333, 113.67)),
        ((("S", (33, 52, 4.5)), ("W", (70, 39, 0))), (-33.867917, -70.65)),
        ((("N", (0, 0, 0)), ("E", (0, 0, 0))), (None, None)),  # a camera with no fix
        ((("N", (134, 0, 0)), ("E", (113, 0, 0))), (None, None)),
    ],
)
def test_exif_gps_is_read_in_degrees(photo_root, gps, expected):
    stored = store_photo(encode(picture(), exif=exif_with(gps=gps)), photo_root, NOW)
    position = (stored.exif_lat, stored.exif_lng)
    assert position == pytest.approx(expected) if expected[0] else position == expected


def test_a_photo_without_exif_has_no_time_or_position(photo_root):
    stored = store_photo(encode(picture(), "PNG"), photo_root, NOW)
    assert (stored.exif_taken_at, stored.exif_lat, stored.exif_lng) == (None, None, None)


@pytest.mark.parametrize(
    "key",
    [
        "../secret.jpg",
        "/etc/passwd",
        "2026/11/../../../etc/passwd",
        "2026/11/" + "a" * 64 + ".jpg/../../x",
        "2026\\11\\" + "a" * 64 + ".jpg",
        "2026/11/" + "A" * 64 + ".jpg",
        "2026/11/" + "a" * 64 + ".exe",
        "",
    ],
)
def test_open_photo_refuses_keys_it_could_not_have_made(photo_root, key):
    with pytest.raises(Invalid):
        open_photo(photo_root, key)


def test_open_photo_reports_a_missing_file(photo_root):
    with pytest.raises(NotFound):
        open_photo(photo_root, "2026/11/" + "a" * 64 + ".jpg")


@pytest.mark.parametrize(
    ("taken", "offset"),
    [
        ("0001:01:01 00:00:00", "+08:00"),
        ("9999:12:31 23:59:59", "-12:00"),
        ("2026:01:01 10:00:00", "+99:00"),
    ],
)
def test_absurd_exif_times_are_ignored_not_fatal(photo_root, taken, offset):
    exif = Image.Exif()
    details = exif.get_ifd(ExifTags.IFD.Exif)
    details[ExifTags.Base.DateTimeOriginal] = taken
    details[ExifTags.Base.OffsetTimeOriginal] = offset
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buffer, "JPEG", exif=exif)
    stored = store_photo(buffer.getvalue(), photo_root, NOW)
    assert stored.width == 64
    if offset == "+99:00":
        assert stored.exif_taken_at is not None  # read as Shanghai time, offset ignored
    else:
        assert stored.exif_taken_at is None
