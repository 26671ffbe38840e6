"""Uploaded photos: checked by content, stripped of all metadata but time and place, re-encoded."""

from __future__ import annotations

import hashlib
import io
import logging
import math
import numbers
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pillow_heif
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from civicgrid.core.errors import DomainError

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
JPEG_QUALITY = 88
# EXIF times carry no zone unless the camera wrote an offset; our phones are in China.
EXIF_LOCAL_ZONE = ZoneInfo("Asia/Shanghai")

# Thumbnails, depth maps and auxiliary images inside a HEIC are never used, so never parsed.
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

# Pillow's names of what we decode. A JPEG with extra frames (gain map, depth) opens as MPO.
_OPENED_AS = ("JPEG", "PNG", "HEIF")
_OUTPUT = {"JPEG": "JPEG", "MPO": "JPEG", "HEIF": "JPEG", "PNG": "PNG"}

# Images we recognise and refuse: a clearer answer than "not an image", without parsing them.
_OTHER_IMAGE_FORMATS: tuple[tuple[re.Pattern[bytes], str], ...] = (
    (re.compile(rb"GIF8[79]a"), "GIF"),
    (re.compile(rb"RIFF.{4}WEBP", re.DOTALL), "WebP"),
    (re.compile(rb"II\*\x00|MM\x00\*"), "TIFF"),
    (re.compile(rb".{4}ftypavi[fs]", re.DOTALL), "AVIF"),
    (re.compile(rb"\xff\x0a|\x00\x00\x00\x0cJXL \r\n\x87\n"), "JPEG XL"),
    (re.compile(rb"BM.{12}[\x0c\x28\x34\x38\x40\x6c\x7c]\x00\x00\x00", re.DOTALL), "BMP"),
)

# Polyglots: an image that is also a page, a script, a PDF or an archive for some other reader.
# Re-encoding would drop the payload anyway; refusing tells the sender we saw it.
_MARKUP = re.compile(rb"<(?:script|html|body|iframe|object|embed|svg|\?php)[\s>/]", re.IGNORECASE)
_PDF_WINDOW = 1024  # PDF readers look for their header this far into a file
_ZIP_END = b"PK\x05\x06"  # end of central directory: 22 bytes, then a comment of up to 64 KiB
_ZIP_END_SIZE = 22

_DATETIME = ExifTags.Base.DateTime
_DATETIME_ORIGINAL = ExifTags.Base.DateTimeOriginal
_TIME_TAGS = (
    ExifTags.Base.DateTimeOriginal,
    ExifTags.Base.OffsetTimeOriginal,
    ExifTags.Base.OffsetTime,  # the offset of DateTime
)
_GPS = ExifTags.GPS
_GPS_TAGS: dict[int, type | tuple[type, ...]] = {
    _GPS.GPSVersionID: (bytes, tuple),
    _GPS.GPSLatitudeRef: str,
    _GPS.GPSLatitude: tuple,
    _GPS.GPSLongitudeRef: str,
    _GPS.GPSLongitude: tuple,
    _GPS.GPSAltitudeRef: (bytes, int),
    _GPS.GPSAltitude: numbers.Real,  # Pillow reads rationals as IFDRational
    _GPS.GPSTimeStamp: tuple,
    _GPS.GPSDateStamp: str,
}
_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")


@dataclass(frozen=True)
class CleanPhoto:
    """A photo fit to store and show: re-encoded, with no metadata but time and position."""

    content: bytes
    content_type: str  # "image/jpeg" | "image/png"
    extension: str  # "jpg" | "png"
    width: int
    height: int
    sha256: str  # of `content`
    taken_at: datetime | None  # aware; EXIF DateTimeOriginal
    latitude: float | None  # decimal degrees, south negative
    longitude: float | None  # decimal degrees, west negative


def clean_photo(
    data: bytes, *, max_bytes: int | None = None, max_pixels: int | None = None
) -> CleanPhoto:
    """Check that `data` is one real JPEG, PNG or HEIC photo and return it cleaned.

    The name and declared type of an upload are never looked at. Limits default to the settings
    PHOTO_MAX_BYTES and PHOTO_MAX_PIXELS. A HEIC comes back as a JPEG, which every browser shows.
    Raises DomainError: photo.too_large, photo.unsupported_format, photo.not_an_image,
    photo.too_many_pixels.
    """
    if max_bytes is None:
        max_bytes = int(getattr(settings, "PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))
    if max_pixels is None:
        max_pixels = int(getattr(settings, "PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS))

    if len(data) > max_bytes:
        raise DomainError(
            "photo.too_large",
            format_lazy(_("A photo may be at most {size} MB."), size=f"{max_bytes / 2**20:.3g}"),
            max_bytes=max_bytes,
        )
    other = _other_image_format(data)
    if other is not None:
        raise DomainError(
            "photo.unsupported_format",
            format_lazy(
                _("{format} images are not accepted: send a JPEG, PNG or HEIC photo."),
                format=other,
            ),
            format=other,
            accepted=["JPEG", "PNG", "HEIC"],
        )
    image = _open(data, max_pixels=max_pixels)
    width, height = image.size
    if width * height > max_pixels:
        raise _too_many_pixels(max_pixels)
    if _holds_other_content(data):
        raise DomainError("photo.not_an_image", _("This file holds something besides a photo."))
    output = _OUTPUT[image.format or ""]
    try:
        return _clean(image, output)
    except Exception as exc:
        # Headers were fine but the pixels or the metadata are not: truncated, corrupt, hostile.
        logger.info("photo refused while decoding: %s: %s", type(exc).__name__, exc)
        raise _not_an_image() from exc


def save_photo(photo: CleanPhoto, *, folder: str) -> str:
    """Store a cleaned photo through the default storage and return its storage name.

    The name is made of the content's digest, so the same photo sent twice is stored once.
    """
    folder = folder.strip("/")
    if not folder:
        raise ValueError("save_photo needs a folder")
    name = f"{folder}/{photo.sha256[:2]}/{photo.sha256}.{photo.extension}"
    if default_storage.exists(name):
        return name
    saved = default_storage.save(name, ContentFile(photo.content))
    if saved != name and default_storage.exists(name):
        # Someone stored the same photo between our two calls; the storage kept both copies.
        default_storage.delete(saved)
        return name
    return saved


def _not_an_image() -> DomainError:
    return DomainError(
        "photo.not_an_image",
        _("This file is not a photo that can be read: send a JPEG, PNG or HEIC image."),
    )


def _too_many_pixels(max_pixels: int) -> DomainError:
    return DomainError(
        "photo.too_many_pixels",
        format_lazy(
            _("A photo may have at most {megapixels} megapixels."),
            megapixels=f"{max_pixels / 1e6:.3g}",
        ),
        max_pixels=max_pixels,
    )


def _other_image_format(data: bytes) -> str | None:
    head = data[:32]
    for pattern, name in _OTHER_IMAGE_FORMATS:
        if pattern.match(head):
            return name
    return None


def _open(data: bytes, *, max_pixels: int) -> Image.Image:
    """The image's headers, parsed only by the plugins of the formats we accept."""
    try:
        image = Image.open(io.BytesIO(data), formats=_OPENED_AS)
    except Image.DecompressionBombError as exc:  # Pillow's own, far higher, limit
        raise _too_many_pixels(max_pixels) from exc
    except UnidentifiedImageError as exc:
        raise _not_an_image() from exc
    except Exception as exc:
        logger.info("photo refused while opening: %s: %s", type(exc).__name__, exc)
        raise _not_an_image() from exc
    if image.format not in _OUTPUT:
        raise _not_an_image()
    return image


def _holds_other_content(data: bytes) -> bool:
    if b"%PDF-" in data[:_PDF_WINDOW] or _MARKUP.search(data):
        return True
    # An archive appended to an image (a "GIFAR"): its directory ends exactly at the file's end.
    position = data.rfind(_ZIP_END, max(0, len(data) - _ZIP_END_SIZE - 0xFFFF))
    while position != -1:
        comment_length = int.from_bytes(data[position + 20 : position + 22], "little")
        if position + _ZIP_END_SIZE + comment_length == len(data):
            return True
        position = data.rfind(_ZIP_END, max(0, len(data) - _ZIP_END_SIZE - 0xFFFF), position)
    return False


def _clean(image: Image.Image, output: str) -> CleanPhoto:
    image.load()  # decodes every pixel: a truncated or corrupt image fails here
    exif = image.getexif()
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
    kept = _kept_exif(exif, exif_ifd, gps_ifd)

    # The orientation tag is not kept, so it goes into the pixels. (A HEIC comes already turned.)
    pixels = ImageOps.exif_transpose(image)
    if output == "PNG":
        if pixels.mode not in ("1", "L", "LA", "RGB", "RGBA"):
            pixels = pixels.convert("RGBA" if pixels.has_transparency_data else "RGB")
    elif pixels.mode not in ("L", "RGB"):
        pixels = pixels.convert("RGB")
    # Pillow writes comments, XMP and ICC profiles it finds in `info` back out: forget them all.
    # The ICC profile goes too (an opaque blob we would copy unchecked): photos show as sRGB.
    pixels.info = {}

    buffer = io.BytesIO()
    if output == "PNG":
        pixels.save(buffer, "PNG", exif=kept)
    else:
        pixels.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, exif=kept)
    content = buffer.getvalue()
    latitude = _degrees(gps_ifd.get(_GPS.GPSLatitude), gps_ifd.get(_GPS.GPSLatitudeRef), "NS", 90)
    longitude = _degrees(
        gps_ifd.get(_GPS.GPSLongitude), gps_ifd.get(_GPS.GPSLongitudeRef), "EW", 180
    )
    if latitude is None or longitude is None:
        latitude = longitude = None
    return CleanPhoto(
        content=content,
        content_type="image/png" if output == "PNG" else "image/jpeg",
        extension="png" if output == "PNG" else "jpg",
        width=pixels.width,
        height=pixels.height,
        sha256=hashlib.sha256(content).hexdigest(),
        taken_at=_taken_at(exif_ifd),
        latitude=latitude,
        longitude=longitude,
    )


def _kept_exif(exif: Image.Exif, exif_ifd: dict[int, Any], gps_ifd: dict[int, Any]) -> bytes:
    """EXIF with only the times and the GPS position, or nothing if those cannot be written."""
    kept = Image.Exif()
    if isinstance(exif.get(_DATETIME), str):
        kept[_DATETIME] = exif[_DATETIME]
    times = {tag: exif_ifd[tag] for tag in _TIME_TAGS if isinstance(exif_ifd.get(tag), str)}
    if times:
        kept[ExifTags.IFD.Exif] = times
    gps = {
        tag: value
        for tag, value in gps_ifd.items()
        if tag in _GPS_TAGS and isinstance(value, _GPS_TAGS[tag])
    }
    if gps:
        kept[ExifTags.IFD.GPSInfo] = gps
    if not len(kept):
        return b""
    try:
        return kept.tobytes()
    except Exception as exc:
        # Values of the right kind but out of range (a negative rational, say): lose the
        # metadata rather than the photo.
        logger.info("photo metadata dropped: %s: %s", type(exc).__name__, exc)
        return b""


def _degrees(value: object, ref: object, hemispheres: str, limit: int) -> float | None:
    """Decimal degrees from EXIF (degrees, minutes, seconds) and a ref of N/S or E/W."""
    if not (isinstance(value, tuple) and len(value) == 3 and isinstance(ref, str)):
        return None
    try:
        parts = [float(part) for part in value]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    ref = ref.strip().upper()
    if len(ref) != 1 or ref not in hemispheres:
        return None
    if not all(math.isfinite(part) and part >= 0 for part in parts):
        return None
    degrees = parts[0] + parts[1] / 60 + parts[2] / 3600
    if degrees > limit:
        return None
    return -degrees if ref == hemispheres[1] else degrees


def _taken_at(exif_ifd: dict[int, Any]) -> datetime | None:
    raw = exif_ifd.get(_DATETIME_ORIGINAL)
    if not isinstance(raw, str):
        return None
    try:
        naive = datetime.strptime(raw.strip(" \x00"), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None  # blank ("    :  :     :  :  ") or zeros, as some cameras write
    zone = _offset(exif_ifd.get(ExifTags.Base.OffsetTimeOriginal)) or EXIF_LOCAL_ZONE
    return naive.replace(tzinfo=zone)


def _offset(raw: object) -> timezone | None:
    match = _OFFSET.fullmatch(raw.strip(" \x00")) if isinstance(raw, str) else None
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    if int(hours) > 14 or int(minutes) >= 60:
        return None
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-offset if sign == "-" else offset)
