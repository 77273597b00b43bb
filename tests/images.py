"""Test pictures made with Pillow: photos with structure (so perceptual hashes differ), EXIF
time and GPS like a phone writes them, and hostile files (truncated, fake, decompression bombs).
"""

import io
import random
import struct
import zlib
from datetime import datetime

from PIL import ExifTags, Image, ImageDraw, ImageFilter

from services.clock import to_local


def picture(seed: int = 1, size=(640, 480), mode: str = "RGB") -> Image.Image:
    """A scene of coloured blocks on a gradient; each seed gives a different picture."""
    rng = random.Random(seed)
    width, height = size
    image = Image.linear_gradient("L").resize(size).convert(mode)
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        x, y = rng.randrange(width), rng.randrange(height)
        box = (
            x,
            y,
            x + rng.randint(width // 30, width // 3),
            y + rng.randint(height // 30, height // 3),
        )
        draw.rectangle(box, fill=tuple(rng.randrange(256) for _ in mode))
    return image


def phone_photo(seed: int = 1, size=(1920, 1440)) -> Image.Image:
    """A picture with a phone photo's texture (sensor noise, soft edges), so that a JPEG of it
    is as large as a real one: about 370 KB at 1920x1440, quality 85."""
    base = picture(seed, size).filter(ImageFilter.GaussianBlur(2))
    noise = Image.effect_noise(size, 40).convert("RGB")
    return Image.blend(base, noise, 0.1)


# The time tags a camera or an editor may write, by name: (in IFD0, time tag, offset tag).
# IFD0's DateTime (when the file was saved) is written only to show that it is not read.
TIME_TAGS = {
    "original": (False, ExifTags.Base.DateTimeOriginal, ExifTags.Base.OffsetTimeOriginal),
    "digitized": (False, ExifTags.Base.DateTimeDigitized, ExifTags.Base.OffsetTimeDigitized),
    "ifd0": (True, ExifTags.Base.DateTime, ExifTags.Base.OffsetTime),
}


def exif(
    taken: datetime | None = None,
    gps: tuple[float, float] | None = None,
    orientation: int | None = None,
    time_tag: str = "original",
) -> Image.Exif:
    """EXIF as a phone writes it: DateTimeOriginal (or the `time_tag` of TIME_TAGS) in local
    (Shanghai) wall-clock time with its offset, and GPS in degrees/minutes/seconds (WGS-84).
    `taken` is naive UTC."""
    data = Image.Exif()
    if orientation:
        data[ExifTags.Base.Orientation] = orientation
    if taken is not None:
        details = data.get_ifd(ExifTags.IFD.Exif)
        in_ifd0, tag, offset_tag = TIME_TAGS[time_tag]
        (data if in_ifd0 else details)[tag] = to_local(taken).strftime("%Y:%m:%d %H:%M:%S")
        details[offset_tag] = "+08:00"
    if gps is not None:
        info = data.get_ifd(ExifTags.IFD.GPSInfo)
        lat, lng = gps
        info[ExifTags.GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
        info[ExifTags.GPS.GPSLatitude] = _dms(abs(lat))
        info[ExifTags.GPS.GPSLongitudeRef] = "E" if lng >= 0 else "W"
        info[ExifTags.GPS.GPSLongitude] = _dms(abs(lng))
    return data


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4)


def encode(
    image: Image.Image, fmt: str = "JPEG", exif_data: Image.Exif | None = None, **kw
) -> bytes:
    buffer = io.BytesIO()
    if exif_data is not None:
        kw["exif"] = exif_data
    image.save(buffer, fmt, **kw)
    return buffer.getvalue()


def jpeg(
    seed: int = 1, size=(640, 480), taken=None, gps=None, quality: int = 85, time_tag="original"
) -> bytes:
    """A JPEG photo, with EXIF time (in `time_tag`, see TIME_TAGS) and position when given."""
    data = exif(taken, gps, time_tag=time_tag) if taken is not None or gps is not None else None
    return encode(picture(seed, size), "JPEG", data, quality=quality)


def phone_jpeg(seed: int = 1, taken=None, gps=None) -> bytes:
    """A realistic phone JPEG: 1920x1440, quality 85, a few hundred KB."""
    data = exif(taken, gps) if taken is not None or gps is not None else None
    return encode(phone_photo(seed), "JPEG", data, quality=85)


def truncated_jpeg(seed: int = 1) -> bytes:
    data = jpeg(seed)
    return data[: len(data) // 2]


def cut_short(data: bytes) -> bytes:
    """The first half of a file, as an upload broken off on a weak network leaves it."""
    return data[: len(data) // 2]


# Where the image data of each format starts: bytes some way past it are the picture itself.
IMAGE_DATA = {"JPEG": b"\xff\xda", "PNG": b"IDAT", "WEBP": b"VP8"}


def damaged(fmt: str = "JPEG", seed: int = 1) -> bytes:
    """A whole file of a picture (its end, EOI, IEND or RIFF size, intact) whose image data
    has 200 bytes overwritten in the middle, as a failing card or a bad copy leaves it: Pillow
    opens it and fails to decode it (libjpeg meets a frame marker, SOF0, amid the scan; zlib and
    libwebp find their streams broken)."""
    data = bytearray(encode(picture(seed), fmt))
    start = data.find(IMAGE_DATA[fmt])
    middle = start + 100 if fmt == "PNG" else start + (len(data) - start) // 3
    data[middle : middle + 200] = b"\xff\xc0" * 100
    return bytes(data)


def with_thumbnail(data: bytes) -> bytes:
    """A JPEG carrying a small whole JPEG (end marker and all) in a segment before its picture,
    as a phone's EXIF thumbnail sits in APP1."""
    thumbnail = encode(picture(2).resize((16, 12)), "JPEG")
    segment = b"\xff\xef" + (len(thumbnail) + 2).to_bytes(2, "big") + thumbnail  # APP15
    return data[:2] + segment + data[2:]


def with_fill_bytes(data: bytes, count: int = 3) -> bytes:
    """The JPEG with `count` fill bytes (0xFF) before each marker up to its picture data, as
    the standard allows any marker to be preceded and some encoders write them."""
    parts, at = [data[:2]], 2
    while data[at + 1] != 0xDA:  # up to SOS, where the picture's data begins
        end = at + 2 + int.from_bytes(data[at + 2 : at + 4], "big")
        parts.append(b"\xff" * count + data[at:end])
        at = end
    return b"".join([*parts, b"\xff" * count, data[at:]])


def motion_photo(data: bytes) -> bytes:
    """A JPEG followed by a video after its end marker, as a phone's motion photo is saved."""
    return data + b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8


def png_bomb(width: int, height: int) -> bytes:
    """A real PNG of a blank 1-bit image: a few KB on disk, width*height pixels when decoded."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", body)
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)
