"""Check-in photos in a local folder: the original as uploaded, a JPEG thumbnail, and the
hashes and EXIF facts the office needs to judge whether a photo proves a service.

Files are content-addressed (`YYYY/MM/<sha256>.<ext>`), so storing the same bytes twice writes
nothing new and a key can never be made to point outside the photo folder. Two copies are
derived from an original the first time each is asked for, not at check-in (most are never
looked at, and the check-in answers sooner without them): the thumbnail, and a full-size
"view" without the original's metadata, for those who may see the picture but not where it
was taken (a phone writes its GPS position into the photo, and a visit's is a resident's home).
"""

import hashlib
import io
import os
import re
import secrets
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from services.clock import to_local, to_utc
from services.errors import Invalid, NotFound

# Pillow format name -> (content type, file extension).
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a phone photo is ~12-50 MP; more is a decompression bomb
# A camera photo, even of a blank wall, takes well over a byte per 100 pixels; a file that
# claims far more pixels than its size can hold is a decompression bomb (a few KB of PNG that
# decodes to hundreds of MB). Small images are let through whatever they compress to.
MAX_PIXELS_PER_BYTE = 1000
BOMB_CHECK_FROM_PIXELS = 4_000_000
THUMB_SIZE = 480
VIEW_SIZE = 2048  # the view's long side at most: a phone screen never shows more
# Derived copies, by the suffix of their key: the long side they are brought down to.
DERIVED_SIZES = {"_thumb": THUMB_SIZE, "_view": VIEW_SIZE}
# The size every photo is brought down to before its difference hash, whatever its format and
# size, so hashes stay comparable; a JPEG of a phone photo is decoded at 1/8 for it.
FINGERPRINT_SIZE = 240
THUMB_QUALITY = 80
# An original in its own format, or a derived copy (always JPEG).
KEY_PATTERN = re.compile(r"^\d{4}/\d{2}/[0-9a-f]{64}(?:\.(?:jpg|png|webp)|(_thumb|_view)\.jpg)$")

NOT_A_PHOTO = "请上传照片（JPG、PNG 或 WebP）。"
# A file that starts as a photo and breaks off: an upload cut short on a weak network, which
# a retry fixes; "upload a photo" would send the member looking for another picture.
INCOMPLETE_PHOTO = "照片上传不完整，请重试。"
# A file that ends where its format says it ends and still fails to decode: the picture itself
# is damaged, and a retry sends the same bytes again, so the member needs another photo.
DAMAGED_PHOTO = "照片文件已损坏，无法打开，请重新拍摄或换一张照片。"
# Both are `photo_too_large` (make it smaller), but a person fixes each differently: a file
# too heavy is sent again smaller, an image with too many pixels is no camera's photo at all
# (a few KB can declare 900 MP), so "照片尺寸过大" read like the file's size and misled.
TOO_MANY_BYTES = "照片不能超过 {mb:g}MB。"
TOO_MANY_PIXELS = "照片像素过多，请直接用手机相机拍摄后上传。"
EXIF_TIME_FORMAT = "%Y:%m:%d %H:%M:%S"


@dataclass(frozen=True)
class StoredPhoto:
    """What was stored, in the shape of models.Photo's columns."""

    storage_key: str
    thumb_key: str
    sha256: str
    phash: str
    content_type: str
    width: int
    height: int
    size_bytes: int
    exif_taken_at: datetime | None = None
    exif_lat: float | None = None  # EXIF GPS is WGS-84
    exif_lng: float | None = None


def store_photo(
    data: bytes, root: str | os.PathLike, now: datetime, max_bytes: int = DEFAULT_MAX_BYTES
) -> StoredPhoto:
    """Check an uploaded photo, save it under root, and describe it (its thumbnail is made
    when first opened)."""
    if len(data) > max_bytes:
        mb = max_bytes / (1024 * 1024)
        raise Invalid(TOO_MANY_BYTES.format(mb=mb), code="photo_too_large")
    image = _decode(data, FINGERPRINT_SIZE, "L")
    width, height = _upright_size(image)
    digest = hashlib.sha256(data).hexdigest()
    content_type, ext = FORMATS[image.format]
    folder = to_local(now).strftime("%Y/%m")
    key = f"{folder}/{digest}.{ext}"
    write_once(Path(root) / key, data)
    exif = _exif(image)
    lat, lng = exif_position(exif)
    return StoredPhoto(
        storage_key=key,
        thumb_key=f"{folder}/{digest}_thumb.jpg",
        sha256=digest,
        phash=dhash(_upright(image, FINGERPRINT_SIZE, "L")),
        content_type=content_type,
        width=width,
        height=height,
        size_bytes=len(data),
        exif_taken_at=exif_taken_at(exif),
        exif_lat=lat,
        exif_lng=lng,
    )


def open_photo(root: str | os.PathLike, key: str) -> Path:
    """The file a stored key names, making a derived copy on its first request; refuses any key
    store_photo could not have made."""
    match = KEY_PATTERN.match(key)
    if not match:
        raise Invalid("照片地址无效。", code="bad_photo_key")
    path = Path(root) / key
    if not path.is_file() and match.group(1):
        make_derived(Path(root), key, match.group(1))
    if not path.is_file():
        raise NotFound("照片不存在。")
    return path


def view_key(storage_key: str) -> str:
    """The key of the original's full-size copy without its metadata (GPS, camera, time)."""
    return storage_key.rsplit(".", 1)[0] + "_view.jpg"


def make_derived(root: Path, key: str, suffix: str) -> None:
    """Write a derived JPEG of a stored original: upright, at most DERIVED_SIZES[suffix] on its
    long side, and with no metadata (see _jpeg_bytes); nothing when the original is missing."""
    original = _original_of(root, key, suffix)
    if original is None:
        return
    size = DERIVED_SIZES[suffix]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # checked on upload
        image = _decode(original.read_bytes(), size)
    write_once(root / key, _jpeg_bytes(_upright(image, size)))


def dhash(image: Image.Image) -> str:
    """A 64-bit difference hash as 16 hex digits: near-identical pictures differ in few bits."""
    small = image.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = small.tobytes()
    bits = 0
    for row in range(8):
        for col in range(8):
            left = pixels[row * 9 + col]
            bits = (bits << 1) | (left > pixels[row * 9 + col + 1])
    return f"{bits:016x}"


def hamming(a: str, b: str) -> int:
    """How many bits two hex hashes differ in (0 = same picture as far as dHash can tell)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


# Where a photo's time is written, best first, each with its offset tag (all in the Exif IFD):
# phones write DateTimeOriginal, some only DateTimeDigitized, and the photo's time must not go
# unchecked for that (flag exif_time_off). IFD0's DateTime is not read: it is when the file was
# last saved (by an editor, say), not when the photo was taken, yet it would be served as the
# photo's taken_at. A photo with only that time has none, as one with no EXIF.
EXIF_TIMES = (
    (ExifTags.Base.DateTimeOriginal, ExifTags.Base.OffsetTimeOriginal),
    (ExifTags.Base.DateTimeDigitized, ExifTags.Base.OffsetTimeDigitized),
)


def exif_taken_at(exif: Image.Exif) -> datetime | None:
    """The first EXIF time written (EXIF_TIMES), as naive UTC by its own offset tag; a camera
    without one is taken to be on Shanghai time, as every phone in the programme is. A time
    written but unreadable is None, not the next tag's: that one may not be the photo's."""
    try:
        text, offset_text = _first_time(exif)
        if text is None:
            return None
        moment = datetime.strptime(text, EXIF_TIME_FORMAT)
        offset = _parse_offset(offset_text)
        return to_utc(moment.replace(tzinfo=offset) if offset else moment)
    except Exception:  # a camera's (or a forger's) metadata is no reason to refuse a photo
        return None


def _first_time(exif: Image.Exif) -> tuple[str | None, object]:
    """The first time tag of EXIF_TIMES that is written (blank is not), with its offset tag."""
    details = exif.get_ifd(ExifTags.IFD.Exif)
    for tag, offset_tag in EXIF_TIMES:
        text = str(details.get(tag) or "").strip("\x00 ")
        if text:
            return text, details.get(offset_tag)
    return None, None


def exif_position(exif: Image.Exif) -> tuple[float | None, float | None]:
    """EXIF GPS latitude and longitude in decimal degrees (WGS-84), or (None, None)."""
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        lat = _degrees(gps[ExifTags.GPS.GPSLatitude], gps.get(ExifTags.GPS.GPSLatitudeRef), "S")
        lng = _degrees(gps[ExifTags.GPS.GPSLongitude], gps.get(ExifTags.GPS.GPSLongitudeRef), "W")
    except Exception:  # missing, malformed or hostile GPS tags: no position
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or (lat == 0 and lng == 0):
        return None, None  # NaN fails the range test; 0,0 is a camera with no fix
    return lat, lng


def _original_of(root: Path, key: str, suffix: str) -> Path | None:
    """The stored original a derived key belongs to, whichever format it was uploaded in."""
    stem = key.removesuffix(f"{suffix}.jpg")
    for _, ext in FORMATS.values():
        path = root / f"{stem}.{ext}"
        if path.is_file():
            return path
    return None


def _decode(data: bytes, needed: int, mode: str = "RGB") -> Image.Image:
    """Open and decode the whole upload, so a truncated or fake file fails here, not later.

    A JPEG is decoded at the smallest scale that still covers `needed` pixels on its long side
    (libjpeg skips the fine detail of every block but still reads every block), in grey (L)
    when only the hash needs it (the colour planes are read but never converted), in one pass
    over the bytes: all the hash or the thumbnail needs, and about a sixth faster than a
    colour decode in 64 KB steps at that scale. `full_size` keeps the size the file declares."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            if _is_bomb(image.width * image.height, len(data)):
                raise Invalid(TOO_MANY_PIXELS, code="photo_too_large")
            image.info["full_size"] = image.size
            if image.format == "JPEG":
                image.draft(mode, _draft_size(image.size, needed))
                image.decodermaxblock = len(data)  # the bytes are in memory: no 64 KB steps
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise Invalid(_unreadable(data), code="not_a_photo") from exc
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise Invalid(TOO_MANY_PIXELS, code="photo_too_large") from exc
    return image


# JPEG markers with no segment length after them (ITU-T T.81, B.1.1.3 and Table B.1): TEM,
# RST0-7 and SOI; and FF 00, no marker but an escaped FF, which the decoders skip as junk.
JPEG_NO_LENGTH = frozenset({0x00, 0x01, *range(0xD0, 0xD9)})
JPEG_FILL = re.compile(rb"\xff*")  # any number of FF bytes may precede a marker's code
# Markers read ahead of the picture at most: a camera writes a few dozen (a large ICC profile
# takes up to 255 APP2 segments); 10 MB of two-byte markers would take seconds to step over.
JPEG_MAX_MARKERS = 4096


def _jpeg_is_whole(data: bytes) -> bool:
    """The end marker (EOI) comes after the picture's data begins (SOS). Not "ends with EOI":
    a motion photo carries its video after it. Nor "holds an EOI": the EXIF thumbnail, a small
    JPEG of its own, sits in a segment before the picture, so the segments are stepped over by
    their lengths; inside the picture's data an FF byte is escaped, so FF D9 is the EOI.

    The markers are read as libjpeg and Pillow read them, so that only a file that runs out is
    taken as cut short: fill bytes and junk before a marker are skipped, and a length below its
    own two bytes steps over them. Every step moves on; a file that has not reached its picture
    after more markers than any camera writes is no photo cut short."""
    at = 2
    for _ in range(JPEG_MAX_MARKERS):
        at = data.find(b"\xff", at)
        at = JPEG_FILL.match(data, at).end() if at != -1 else len(data)  # at the marker's code
        if at == len(data):
            return False
        code = data[at]
        if code == 0xDA:  # SOS
            return data.find(b"\xff\xd9", at) != -1
        if code == 0xD9:  # the end before any picture: all there, and nothing to show
            return True
        length = int.from_bytes(data[at + 1 : at + 3], "big")
        at += 1 + (0 if code in JPEG_NO_LENGTH else max(2, length))
    return True


def _png_is_whole(data: bytes) -> bool:
    return data.endswith(b"\x00\x00\x00\x00IEND\xaeB`\x82")  # the IEND chunk, CRC and all


def _webp_is_whole(data: bytes) -> bool:
    return int.from_bytes(data[4:8], "little") + 8 <= len(data)  # RIFF's size, after its header


# How each format's file starts, and whether it has all the bytes its format says it has.
SHAPES = (
    (re.compile(rb"\xff\xd8\xff"), _jpeg_is_whole),
    (re.compile(rb"\x89PNG\r\n\x1a\n"), _png_is_whole),
    (re.compile(rb"RIFF.{4}WEBP", re.DOTALL), _webp_is_whole),
)


def _unreadable(data: bytes) -> str:
    """Why a file that failed to open or decode is refused, as the member can fix it: a file
    of no format of ours is no photo; one that starts as a photo but ends before its image
    does was cut short on the way (a retry fixes it); a whole one is damaged (a retry would
    send the same bytes)."""
    for start, is_whole in SHAPES:
        if start.match(data):
            return DAMAGED_PHOTO if is_whole(data) else INCOMPLETE_PHOTO
    return NOT_A_PHOTO


def _draft_size(size: tuple[int, int], needed: int) -> tuple[int, int]:
    """The smallest JPEG decoding scale (1/8, 1/4, 1/2) that still covers `needed` pixels."""
    width, height = size
    scale = next(s for s in (8, 4, 2, 1) if max(width, height) // s >= needed or s == 1)
    return width // scale, height // scale


def _upright_size(image: Image.Image) -> tuple[int, int]:
    """The photo's full size as it is meant to be seen (EXIF orientations 5-8 turn it)."""
    width, height = image.info["full_size"]
    turned = _exif(image).get(ExifTags.Base.Orientation) in (5, 6, 7, 8)
    return (height, width) if turned else (width, height)


def _is_bomb(pixels: int, size: int) -> bool:
    """Too many pixels, or many more than a file of this size can honestly hold."""
    if pixels > MAX_PIXELS:
        return True
    return pixels > BOMB_CHECK_FROM_PIXELS and pixels > size * MAX_PIXELS_PER_BYTE


def _upright(image: Image.Image, size: int, mode: str = "RGB") -> Image.Image:
    """A copy in `mode` (RGB, or L for the hash) at most `size` on its long side, turned as
    EXIF says; transparency becomes white."""
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    flat = image.convert(mode)
    flat.thumbnail((size, size), Image.Resampling.LANCZOS, reducing_gap=3.0)
    try:
        return ImageOps.exif_transpose(flat)
    except Exception:  # unreadable EXIF: show the picture as stored
        return flat


def _exif(image: Image.Image) -> Image.Exif:
    """The image's EXIF, or none at all when it cannot be read (corrupt or hostile blocks
    make Pillow raise many different errors)."""
    try:
        return image.getexif()
    except Exception:
        return Image.Exif()


def _jpeg_bytes(image: Image.Image) -> bytes:
    """The image as a JPEG with no metadata: Pillow writes EXIF, XMP and ICC only when given
    them, but carries a JPEG comment over from the original unless told otherwise."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=THUMB_QUALITY, comment=b"")
    return buffer.getvalue()


def write_once(path: Path, data: bytes) -> None:
    """Write through a temporary file and rename, so readers never see half a photo.

    A file already there is touched instead: the same key always holds the same bytes, and a
    file about to be named again must look young to the sweep (services.photo_sweep), which
    moves a stale file aside before removing it (then this finds none and writes it)."""
    try:
        os.utime(path)
        return
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _degrees(value, ref, negative: str) -> float:
    degrees, minutes, seconds = (float(part) for part in value)
    sign = -1 if isinstance(ref, str) and ref.strip("\x00 ").upper() == negative else 1
    return sign * (degrees + minutes / 60 + seconds / 3600)


def _parse_offset(text) -> timezone | None:
    """An EXIF offset tag like '+08:00', or None when it is missing or malformed."""
    match = re.fullmatch(r"([+-])(\d{2}):(\d{2})", str(text or "").strip("\x00 "))
    if not match:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14):  # no place on Earth is further from UTC
        return None
    return timezone(-delta if sign == "-" else delta)
