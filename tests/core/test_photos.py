"""Uploaded photos: only real JPEG/PNG/HEIC get through, cleaned of all but time and place."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import zipfile
import zlib
from datetime import UTC, datetime, timedelta, timezone

import pillow_heif
import pytest
from django.core.files.storage import default_storage
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from civicgrid.core.errors import DomainError
from civicgrid.core.photos import CleanPhoto, clean_photo, save_photo

CODES = {
    "photo.too_large",
    "photo.too_many_pixels",
    "photo.not_an_image",
    "photo.unsupported_format",
}
RED, BLUE = (255, 0, 0), (0, 0, 255)
MAKE, MODEL, SERIAL, OWNER = 0x010F, 0x0110, 0xA431, 0xA430
MAKER_NOTE, ORIENTATION = 0x927C, 0x0112
GPS = ExifTags.GPS


def phone_exif(
    *,
    orientation: int = 1,
    taken: str = "2025:03:14 09:26:53",
    offset: str | None = "+08:00",
    latitude: tuple[str, tuple[float, float, float]] = ("N", (32.0, 3.0, 30.0)),
    longitude: tuple[str, tuple[float, float, float]] = ("E", (118.0, 47.0, 15.5)),
) -> bytes:
    """EXIF as a phone writes it: time, place, and things about the phone and its owner."""
    exif = Image.Exif()
    exif[MAKE] = "HUAWEI"
    exif[MODEL] = "ELS-AN00"
    exif[ORIENTATION] = orientation
    exif[ExifTags.Base.DateTime] = "2025:03:14 09:27:01"
    exif[ExifTags.Base.Software] = "ELS-AN00 4.0.0.120"
    exif[ExifTags.IFD.Exif] = {
        ExifTags.Base.DateTimeOriginal: taken,
        **({ExifTags.Base.OffsetTimeOriginal: offset} if offset else {}),
        SERIAL: "SN-4F2A99C1",
        OWNER: "Wang Jianguo",
        MAKER_NOTE: b"HUAWEI\x00secret-maker-note",
    }
    exif[ExifTags.IFD.GPSInfo] = {
        GPS.GPSVersionID: b"\x02\x02\x00\x00",
        GPS.GPSLatitudeRef: latitude[0],
        GPS.GPSLatitude: latitude[1],
        GPS.GPSLongitudeRef: longitude[0],
        GPS.GPSLongitude: longitude[1],
        GPS.GPSAltitudeRef: b"\x00",
        GPS.GPSAltitude: IFDRational(125, 10),
        GPS.GPSTimeStamp: (1.0, 26.0, 53.0),
        GPS.GPSDateStamp: "2025:03:14",
        GPS.GPSSpeed: IFDRational(0),
        GPS.GPSImgDirection: IFDRational(2705, 10),
    }
    return exif.tobytes()


def two_colour_image(size: tuple[int, int] = (20, 10), mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue: enough to tell which way the picture was turned."""
    image = Image.new("RGB", size, RED)
    image.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    return image.convert(mode)


def noisy_image(size: tuple[int, int] = (64, 64)) -> Image.Image:
    # Random pixels do not compress, so there is real image data to cut short.
    return Image.frombytes("RGB", size, random.Random(7).randbytes(size[0] * size[1] * 3))


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def phone_jpeg(orientation: int = 6, **exif) -> bytes:
    return encode(
        two_colour_image(),
        "JPEG",
        exif=phone_exif(orientation=orientation, **exif),
        comment=b"taken by Wang Jianguo",
        xmp=b"<x:xmpmeta><rdf:Description>Owner: Wang Jianguo</rdf:Description></x:xmpmeta>",
        icc_profile=b"ICC-PROFILE-BLOB" * 8,
    )


def code_of(data: bytes, **limits) -> str:
    with pytest.raises(DomainError) as refused:
        clean_photo(data, **limits)
    return refused.value.code


def reopened(photo: CleanPhoto) -> Image.Image:
    return Image.open(io.BytesIO(photo.content))


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge picture: a decompression bomb in waiting."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


# --- What a good photo keeps ---------------------------------------------------------------


def test_a_phone_photo_keeps_its_time_and_position():
    photo = clean_photo(phone_jpeg())
    assert photo.taken_at == datetime(2025, 3, 14, 9, 26, 53, tzinfo=timezone(timedelta(hours=8)))
    assert photo.latitude == pytest.approx(32 + 3 / 60 + 30 / 3600)
    assert photo.longitude == pytest.approx(118 + 47 / 60 + 15.5 / 3600)

    exif = reopened(photo).getexif()
    assert exif[ExifTags.Base.DateTime] == "2025:03:14 09:27:01"
    times = exif.get_ifd(ExifTags.IFD.Exif)
    assert times[ExifTags.Base.DateTimeOriginal] == "2025:03:14 09:26:53"
    assert times[ExifTags.Base.OffsetTimeOriginal] == "+08:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert gps[GPS.GPSLatitudeRef] == "N" and gps[GPS.GPSLongitudeRef] == "E"
    assert tuple(map(float, gps[GPS.GPSLatitude])) == (32.0, 3.0, 30.0)
    assert float(gps[GPS.GPSAltitude]) == 12.5
    assert gps[GPS.GPSDateStamp] == "2025:03:14"


def test_it_says_what_it_made():
    photo = clean_photo(phone_jpeg())
    image = reopened(photo)
    assert (photo.content_type, photo.extension, image.format) == ("image/jpeg", "jpg", "JPEG")
    assert (photo.width, photo.height) == image.size
    assert photo.sha256 == hashlib.sha256(photo.content).hexdigest()


def test_a_time_without_offset_is_taken_as_china_time():
    photo = clean_photo(phone_jpeg(offset=None))
    assert photo.taken_at is not None
    assert photo.taken_at.astimezone(UTC) == datetime(2025, 3, 14, 1, 26, 53, tzinfo=UTC)


def test_a_time_with_another_offset_keeps_that_offset():
    photo = clean_photo(phone_jpeg(offset="-05:00"))
    assert photo.taken_at == datetime(2025, 3, 14, 14, 26, 53, tzinfo=UTC)


def test_south_and_west_are_negative():
    photo = clean_photo(
        phone_jpeg(latitude=("S", (33.0, 52.0, 0.0)), longitude=("W", (70.0, 30.0, 0.0)))
    )
    assert photo.latitude == pytest.approx(-(33 + 52 / 60))
    assert photo.longitude == pytest.approx(-70.5)


def test_a_blank_camera_clock_gives_no_time():
    photo = clean_photo(phone_jpeg(taken="    :  :     :  :  "))
    assert photo.taken_at is None
    assert photo.latitude is not None


def test_a_photo_without_metadata_has_no_time_or_position():
    photo = clean_photo(encode(two_colour_image(), "JPEG"))
    assert (photo.taken_at, photo.latitude, photo.longitude) == (None, None, None)
    assert not reopened(photo).getexif()


# --- What a good photo loses ---------------------------------------------------------------


def test_it_drops_the_phone_and_its_owner():
    photo = clean_photo(phone_jpeg())
    exif = reopened(photo).getexif()
    assert MAKE not in exif and MODEL not in exif and ExifTags.Base.Software not in exif
    details = exif.get_ifd(ExifTags.IFD.Exif)
    assert SERIAL not in details and OWNER not in details and MAKER_NOTE not in details
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert GPS.GPSSpeed not in gps and GPS.GPSImgDirection not in gps
    for secret in (b"HUAWEI", b"ELS-AN00", b"SN-4F2A99C1", b"Wang Jianguo", b"secret-maker"):
        assert secret not in photo.content


def test_it_drops_comments_xmp_and_the_colour_profile():
    photo = clean_photo(phone_jpeg())
    info = reopened(photo).info
    assert "comment" not in info and "xmp" not in info and "icc_profile" not in info
    assert b"ICC-PROFILE-BLOB" not in photo.content and b"xmpmeta" not in photo.content


def test_it_turns_the_photo_upright():
    # Orientation 6: the phone was held upright, the sensor wrote the picture lying on its side.
    photo = clean_photo(phone_jpeg(orientation=6))
    image = reopened(photo)
    assert (photo.width, photo.height) == image.size == (10, 20)
    assert ORIENTATION not in image.getexif()
    top, bottom = image.getpixel((5, 2)), image.getpixel((5, 17))
    assert top[0] > 200 and top[2] < 60  # the left (red) half is now on top
    assert bottom[2] > 200 and bottom[0] < 60


def test_a_png_stays_a_png_and_keeps_its_transparency():
    image = two_colour_image(mode="RGBA")
    image.putpixel((0, 0), (0, 0, 0, 0))
    photo = clean_photo(encode(image, "PNG", exif=phone_exif()))
    out = reopened(photo)
    assert (photo.content_type, photo.extension, out.format) == ("image/png", "png", "PNG")
    assert out.mode == "RGBA" and out.getpixel((0, 0))[3] == 0
    assert photo.latitude == pytest.approx(32.058333, abs=1e-6)
    assert MODEL not in out.getexif()


def test_a_palette_png_is_accepted():
    photo = clean_photo(encode(two_colour_image(mode="P"), "PNG"))
    assert photo.content_type == "image/png" and (photo.width, photo.height) == (20, 10)


CAN_WRITE_HEIC = bool(pillow_heif.libheif_info().get("HEIF"))


@pytest.mark.skipif(not CAN_WRITE_HEIC, reason="this libheif build has no HEIC encoder")
def test_a_heic_from_an_iphone_becomes_an_upright_jpeg():
    heic = encode(two_colour_image(), "HEIF", exif=phone_exif(orientation=6), quality=90)
    assert heic[4:12] == b"ftypheic"
    photo = clean_photo(heic)
    image = reopened(photo)
    assert (photo.content_type, photo.extension, image.format) == ("image/jpeg", "jpg", "JPEG")
    assert image.size == (10, 20)  # turned once, not twice
    assert photo.taken_at == datetime(2025, 3, 14, 1, 26, 53, tzinfo=UTC)
    assert photo.longitude == pytest.approx(118.787639, abs=1e-6)
    assert b"SN-4F2A99C1" not in photo.content


def test_a_jpeg_with_a_gain_map_keeps_only_the_photo():
    # Recent phones append a second picture (HDR gain map, depth) after the photo: an MPO.
    data = encode(
        two_colour_image(),
        "MPO",
        save_all=True,
        append_images=[Image.new("L", (10, 5))],
        exif=phone_exif(orientation=1),
    )
    photo = clean_photo(data)
    image = reopened(photo)
    assert image.format == "JPEG" and image.size == (20, 10)
    assert getattr(image, "n_frames", 1) == 1
    assert photo.latitude is not None


# --- What is refused -----------------------------------------------------------------------


def test_it_refuses_a_pdf_renamed_to_jpg():
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    assert code_of(pdf) == "photo.not_an_image"


def test_it_refuses_an_html_page_renamed_to_jpg():
    page = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
    assert code_of(page) == "photo.not_an_image"


@pytest.mark.parametrize(
    "data",
    [b"", b"\xff\xd8", b"\x89PNG\r\n\x1a\n", b"<svg xmlns='http://www.w3.org/2000/svg'/>"],
    ids=["empty", "jpeg-magic-only", "png-magic-only", "svg"],
)
def test_it_refuses_things_that_only_look_like_images(data):
    assert code_of(data) == "photo.not_an_image"


@pytest.mark.parametrize(
    ("fmt", "name"), [("GIF", "GIF"), ("WEBP", "WebP"), ("TIFF", "TIFF"), ("BMP", "BMP")]
)
def test_it_refuses_other_image_formats_by_name(fmt, name):
    with pytest.raises(DomainError) as refused:
        clean_photo(encode(two_colour_image(), fmt))
    assert refused.value.code == "photo.unsupported_format"
    assert refused.value.details["format"] == name


def test_it_refuses_an_avif():
    avif = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + b"\x00" * 64
    assert code_of(avif) == "photo.unsupported_format"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_it_refuses_a_truncated_image(fmt):
    data = encode(noisy_image(), fmt)
    assert code_of(data[: len(data) * 2 // 3]) == "photo.not_an_image"


def test_it_refuses_a_jpeg_with_a_script_in_its_comment():
    data = encode(two_colour_image(), "JPEG", comment=b"<script>alert(1)</script>")
    assert code_of(data) == "photo.not_an_image"


def test_it_refuses_a_jpeg_that_is_also_a_pdf():
    data = encode(two_colour_image(), "JPEG", comment=b"%PDF-1.4 1 0 obj")
    assert code_of(data) == "photo.not_an_image"


def test_it_refuses_a_png_with_a_page_after_its_end():
    data = encode(two_colour_image(), "PNG") + b"<html><body onload=alert(1)></body></html>"
    assert code_of(data) == "photo.not_an_image"


def test_it_refuses_a_jpeg_with_an_archive_appended():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("Payload.class", b"\xca\xfe\xba\xbe")
    assert code_of(encode(two_colour_image(), "JPEG") + archive.getvalue()) == "photo.not_an_image"


# --- Limits --------------------------------------------------------------------------------


def test_it_refuses_a_photo_over_the_size_limit():
    data = phone_jpeg()
    with pytest.raises(DomainError) as refused:
        clean_photo(data, max_bytes=len(data) - 1)
    assert refused.value.code == "photo.too_large"
    assert refused.value.details == {"max_bytes": len(data) - 1}
    assert clean_photo(data, max_bytes=len(data)).width == 10


def test_it_refuses_a_photo_with_too_many_pixels():
    data = encode(Image.new("RGB", (1200, 1000), RED), "JPEG")
    with pytest.raises(DomainError) as refused:
        clean_photo(data, max_pixels=1_000_000)
    assert refused.value.code == "photo.too_many_pixels"
    assert refused.value.details == {"max_pixels": 1_000_000}
    assert clean_photo(data, max_pixels=1_200_000).width == 1200


@pytest.mark.parametrize(
    ("width", "height"),
    [(8000, 8000), (50000, 50000)],
    ids=["over-our-limit", "over-pillows-own-limit"],
)
def test_it_refuses_a_decompression_bomb_without_decoding_it(width, height):
    bomb = png_header_only(width, height)
    assert len(bomb) < 200
    assert code_of(bomb) == "photo.too_many_pixels"


def test_the_limits_come_from_the_settings(settings):
    settings.PHOTO_MAX_BYTES = 100
    with pytest.raises(DomainError) as refused:
        clean_photo(phone_jpeg())
    assert refused.value.details == {"max_bytes": 100}

    settings.PHOTO_MAX_BYTES = 10_000_000
    settings.PHOTO_MAX_PIXELS = 100
    assert code_of(phone_jpeg()) == "photo.too_many_pixels"


# --- Storage -------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_photo_is_stored_under_its_digest(media):
    photo = clean_photo(phone_jpeg())
    name = save_photo(photo, folder="reports")
    assert name == f"reports/{photo.sha256[:2]}/{photo.sha256}.jpg"
    assert (media / name).read_bytes() == photo.content
    with default_storage.open(name) as stored:
        assert stored.read() == photo.content


def test_the_same_photo_sent_twice_is_stored_once(media):
    photo = clean_photo(phone_jpeg())
    first = save_photo(photo, folder="/reports/")
    assert save_photo(clean_photo(phone_jpeg()), folder="reports") == first
    assert [p.name for p in (media / first).parent.iterdir()] == [f"{photo.sha256}.jpg"]


def test_nothing_is_stored_when_a_photo_is_refused(media):
    with pytest.raises(DomainError):
        save_photo(clean_photo(b"<html>not a photo</html>"), folder="reports")
    assert list(media.iterdir()) == []


# --- Whatever arrives ----------------------------------------------------------------------

SEEDS = [
    encode(noisy_image((16, 16)), "JPEG", exif=phone_exif(orientation=6)),
    encode(noisy_image((16, 16)), "PNG", exif=phone_exif()),
    encode(two_colour_image(mode="P"), "PNG"),
    *([encode(noisy_image((16, 16)), "HEIF", exif=phone_exif())] if CAN_WRITE_HEIC else []),
]


@st.composite
def damaged_photos(draw: st.DrawFn) -> bytes:
    """A real photo with a few bytes flipped, cut out or slipped in."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        if action == "flip":
            data[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[at : at + draw(st.integers(1, 16))]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[max(at, 1) :]
    return bytes(data)


def assert_refused_or_clean(data: bytes) -> None:
    try:
        photo = clean_photo(data)
    except DomainError as refused:
        assert refused.code in CODES
        return
    image = reopened(photo)
    image.load()
    assert image.format == {"image/jpeg": "JPEG", "image/png": "PNG"}[photo.content_type]
    assert image.size == (photo.width, photo.height)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Pillow warns about the broken metadata it skips; that is the point of these inputs.
quiet_about_broken_metadata = pytest.mark.filterwarnings("ignore::UserWarning")


MAGICS = [b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"\x00\x00\x00\x18ftypheic"]


@quiet_about_broken_metadata
@FUZZ
@given(st.sampled_from(MAGICS), st.binary(max_size=2048))
def test_random_bytes_are_refused_with_a_code_or_come_out_clean(magic, data):
    assert_refused_or_clean(magic + data)


@quiet_about_broken_metadata
@FUZZ
@given(damaged_photos())
def test_a_damaged_photo_is_refused_with_a_code_or_comes_out_clean(data):
    assert_refused_or_clean(data)
