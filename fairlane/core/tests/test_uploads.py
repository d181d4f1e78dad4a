"""Checking uploaded files: type by content, size, images decoded, photo dimensions."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageFile, PngImagePlugin

from fairlane.core.uploads import (
    DOCUMENT_TYPES,
    IMAGE_TYPES,
    LICENCE_PHOTO,
    MEGABYTE,
    CheckedFile,
    FileType,
    UploadRefused,
    UploadSizeLimit,
    check_upload,
)

LIMIT = 5 * MEGABYTE
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def jpeg(width: int = 300, height: int = 400, **options: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (180, 40, 90)).save(out, "JPEG", **options)
    return out.getvalue()


def png(width: int = 300, height: int = 400, **options: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 140, 200)).save(out, "PNG", **options)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` × `height` pixels: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def decoded(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def refusal(data: object, **kwargs: object) -> tuple[str, str, int]:
    options: dict[str, object] = {"allowed": DOCUMENT_TYPES, "max_bytes": LIMIT}
    options.update(kwargs)
    with pytest.raises(UploadRefused) as caught:
        check_upload(data, **options)  # type: ignore[arg-type]
    error = caught.value
    assert error.fields == {"file": str(error.message)}
    return error.code, str(error.message), error.status


# --- Accepted ----------------------------------------------------------------------------


def test_a_jpeg_photo_is_accepted_and_saved_again() -> None:
    # given
    raw = jpeg(300, 400)

    # when
    checked = check_upload(raw, allowed=IMAGE_TYPES, max_bytes=LIMIT, image_rules=LICENCE_PHOTO)

    # then
    assert (checked.file_type, checked.content_type, checked.width, checked.height) == (
        FileType.JPEG,
        "image/jpeg",
        300,
        400,
    )
    assert checked.sha256 == hashlib.sha256(checked.content).hexdigest()
    assert checked.size == len(checked.content)
    image = decoded(checked.content)
    assert (image.format, image.size) == ("JPEG", (300, 400))


def test_a_png_document_is_accepted_pixel_for_pixel() -> None:
    # given
    raw = png(40, 30)

    # when
    checked = check_upload(raw, allowed=DOCUMENT_TYPES, max_bytes=LIMIT)

    # then
    assert (checked.file_type, checked.width, checked.height) == (FileType.PNG, 40, 30)
    assert decoded(checked.content).tobytes() == decoded(raw).tobytes()


def test_a_pdf_is_kept_byte_for_byte() -> None:
    # given / when
    checked = check_upload(PDF, allowed=DOCUMENT_TYPES, max_bytes=LIMIT)

    # then
    assert checked == CheckedFile(PDF, FileType.PDF, None, None, hashlib.sha256(PDF).hexdigest())


def test_a_file_like_upload_is_read() -> None:
    # given
    upload = SimpleUploadedFile("certificate.pdf", PDF, content_type="application/pdf")

    # when
    checked = check_upload(upload, allowed=DOCUMENT_TYPES, max_bytes=LIMIT)

    # then
    assert (checked.file_type, checked.content) == (FileType.PDF, PDF)


def test_the_type_comes_from_the_content_not_the_name_or_content_type() -> None:
    # given a PNG named and announced as a PDF
    upload = SimpleUploadedFile("scan.pdf", png(40, 30), content_type="application/pdf")

    # when
    checked = check_upload(upload, allowed=DOCUMENT_TYPES, max_bytes=LIMIT)

    # then
    assert (checked.file_type, checked.content_type) == (FileType.PNG, "image/png")


# --- Refused: type, size ---------------------------------------------------------------


def test_a_png_renamed_pdf_is_refused_where_only_pdf_is_accepted() -> None:
    # given
    upload = SimpleUploadedFile("scan.pdf", png(40, 30), content_type="application/pdf")

    # when / then
    assert refusal(upload, allowed={FileType.PDF}) == ("wrong_type", "Only PDF files are accepted.", 422)


def test_a_pdf_is_refused_as_a_photo() -> None:
    # given / when / then
    assert refusal(PDF, allowed=IMAGE_TYPES, image_rules=LICENCE_PHOTO) == (
        "wrong_type",
        "Only JPEG or PNG files are accepted.",
        422,
    )


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64,  # a Windows executable
        b"\x7fELF\x02\x01\x01" + b"\x00" * 64,  # a Linux executable
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"<html><script>alert(1)</script></html>%PDF-1.4\n%%EOF",  # PDF magic not at the start
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    ],
)
def test_other_file_types_are_refused(content: bytes) -> None:
    # given / when / then
    assert refusal(content) == ("wrong_type", "Only JPEG, PNG or PDF files are accepted.", 422)


def test_an_empty_file_is_refused() -> None:
    # given / when / then
    assert refusal(b"") == ("empty", "The file is empty.", 422)
    assert refusal(SimpleUploadedFile("empty.jpg", b"")) == ("empty", "The file is empty.", 422)


def test_a_file_of_exactly_the_limit_is_accepted_and_one_byte_more_is_refused() -> None:
    # given
    exact = PDF[:-7] + b"%" + b"x" * (999 - len(PDF)) + b"\n%%EOF\n"
    assert len(exact) == 1000

    # when
    checked = check_upload(exact, allowed=DOCUMENT_TYPES, max_bytes=1000)

    # then
    assert checked.size == 1000
    assert refusal(exact + b"\n", max_bytes=1000)[0] == "too_large"


def test_an_oversized_file_is_refused_with_its_limit() -> None:
    # given
    content = PDF + b"%" * LIMIT

    # when / then
    assert refusal(content) == ("too_large", "The file is larger than 5 MB.", 413)
    assert refusal(io.BytesIO(content)) == ("too_large", "The file is larger than 5 MB.", 413)


class EndlessStream:
    """A stream that never ends, counting what was read from it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, size: int = -1, /) -> bytes:
        assert size > 0, "the whole stream was asked for"
        chunk = (b"%PDF-" + b"\x00" * size)[:size] if self.read_bytes == 0 else b"\x00" * size
        self.read_bytes += size
        return chunk


def test_an_oversized_stream_is_refused_after_reading_one_byte_past_the_limit() -> None:
    # given
    stream = EndlessStream()

    # when
    code = refusal(stream, max_bytes=MEGABYTE)[0]

    # then
    assert (code, stream.read_bytes) == ("too_large", MEGABYTE + 1)


# --- Refused: damaged -------------------------------------------------------------------


def test_a_pdf_without_its_end_is_refused() -> None:
    # given / when / then
    assert refusal(b"%PDF-1.7\n") == ("damaged", "The file is damaged or not a complete PDF.", 422)
    assert refusal(b"%PDF-1.7\n%%EOF" + b" " * 2000)[0] == "damaged"


@pytest.mark.parametrize("make", [jpeg, png])
def test_a_truncated_image_is_refused(make: object) -> None:
    # given
    raw = make()  # type: ignore[operator]

    # when / then
    assert refusal(raw[: len(raw) * 2 // 3]) == ("damaged", "The file is damaged or not a real image.", 422)


@pytest.mark.parametrize("magic", [b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n"])
def test_image_magic_followed_by_garbage_is_refused(magic: bytes) -> None:
    # given / when / then
    assert refusal(magic + b"this is not an image" * 20)[0] == "damaged"


def test_a_jpeg_with_a_png_signature_inside_is_decoded_as_jpeg_only() -> None:
    # given a PNG behind JPEG magic bytes
    content = b"\xff\xd8\xff" + png(40, 30)

    # when / then
    assert refusal(content)[0] == "damaged"


@pytest.mark.parametrize(("width", "height"), [(6000, 6000), (20000, 20000)])
def test_a_decompression_bomb_is_refused_before_it_is_decoded(width: int, height: int) -> None:
    # given a few hundred bytes declaring 36 and 400 megapixels
    bomb = png_declaring(width, height)
    assert len(bomb) < 200

    # when / then
    assert refusal(bomb) == (
        "too_many_pixels",
        "The image is too large: at most 25 megapixels are accepted.",
        422,
    )


# --- Photo dimensions -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "height"),
    [(260, 378), (300, 400), (600, 1000), (850, 1000), (1320, 1920)],  # smallest, 0.6 and 0.85
)
def test_photos_within_the_rules_are_accepted(width: int, height: int) -> None:
    # given / when
    checked = check_upload(
        png(width, height), allowed=IMAGE_TYPES, max_bytes=LIMIT, image_rules=LICENCE_PHOTO
    )

    # then
    assert (checked.width, checked.height) == (width, height)


@pytest.mark.parametrize(("width", "height"), [(259, 378), (260, 377), (100, 150)])
def test_a_photo_too_small_is_refused(width: int, height: int) -> None:
    # given / when / then
    assert refusal(png(width, height), allowed=IMAGE_TYPES, image_rules=LICENCE_PHOTO) == (
        "photo_too_small",
        "The photo must be at least 260 × 378 pixels (width × height).",
        422,
    )


@pytest.mark.parametrize(("width", "height"), [(600, 450), (500, 500), (590, 1000), (860, 1000)])
def test_a_photo_of_the_wrong_proportions_is_refused(width: int, height: int) -> None:
    # given / when / then
    assert refusal(png(width, height), allowed=IMAGE_TYPES, image_rules=LICENCE_PHOTO) == (
        "photo_proportions",
        "The photo must be upright, like a licence photo (22 mm wide, 32 mm high): "
        "its width between 0.6 and 0.85 of its height.",
        422,
    )


def test_a_large_phone_photo_is_scaled_down_not_refused() -> None:
    # given a 3024 × 4032 phone portrait
    raw = jpeg(3024, 4032)

    # when
    checked = check_upload(raw, allowed=IMAGE_TYPES, max_bytes=LIMIT, image_rules=LICENCE_PHOTO)

    # then
    assert (checked.width, checked.height) == (1500, 2000)
    assert decoded(checked.content).size == (1500, 2000)


def test_a_small_image_is_a_valid_document_but_not_a_photo() -> None:
    # given
    raw = png(40, 30)

    # when
    checked = check_upload(raw, allowed=DOCUMENT_TYPES, max_bytes=LIMIT)

    # then
    assert (checked.width, checked.height) == (40, 30)
    assert refusal(raw, allowed=IMAGE_TYPES, image_rules=LICENCE_PHOTO)[0] == "photo_too_small"


# --- Metadata ---------------------------------------------------------------------------


def test_exif_is_dropped_after_turning_the_photo_upright() -> None:
    # given a landscape-stored JPEG that the camera marked "rotate 90°", with a GPS position
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (31.0, 14.0, 0.0)}
    )
    raw = jpeg(400, 300, exif=exif)
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    # when
    checked = check_upload(raw, allowed=IMAGE_TYPES, max_bytes=LIMIT, image_rules=LICENCE_PHOTO)

    # then
    image = decoded(checked.content)
    assert (checked.width, checked.height, image.size) == (300, 400, (300, 400))
    assert dict(image.getexif()) == {}


def test_png_text_is_dropped() -> None:
    # given
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "王小明 13812345678")
    raw = png(40, 30, pnginfo=text)
    assert Image.open(io.BytesIO(raw)).info["Author"] == "王小明 13812345678"

    # when
    checked = check_upload(raw, allowed=DOCUMENT_TYPES, max_bytes=LIMIT)

    # then
    assert "Author" not in decoded(checked.content).info


def test_data_hidden_after_the_image_is_dropped() -> None:
    # given a JPEG with an HTML page appended (a polyglot)
    raw = jpeg(40, 30) + b"<html><script>alert(1)</script></html>"

    # when
    checked = check_upload(raw, allowed=DOCUMENT_TYPES, max_bytes=LIMIT)

    # then
    assert b"<script>" not in checked.content


# --- Invariant: nothing passes as an image unless Pillow decodes it ---------------------


def outcome(content: bytes) -> CheckedFile | None:
    try:
        return check_upload(content, allowed=DOCUMENT_TYPES, max_bytes=LIMIT)
    except UploadRefused:
        return None


def assert_decodes_if_accepted(content: bytes) -> None:
    checked = outcome(content)
    if checked is not None and checked.file_type.is_image:
        original, stored = decoded(content), decoded(checked.content)
        assert original.format == stored.format == checked.file_type.name
        assert stored.size == (checked.width, checked.height)


@given(
    st.one_of(
        st.binary(max_size=512),
        st.builds(lambda tail: b"\xff\xd8\xff" + tail, st.binary(max_size=512)),
        st.builds(lambda tail: b"\x89PNG\r\n\x1a\n" + tail, st.binary(max_size=512)),
    )
)
def test_random_bytes_never_pass_as_an_image_that_pillow_cannot_decode(content: bytes) -> None:
    assert_decodes_if_accepted(content)


VALID_IMAGES = (jpeg(30, 20), png(30, 20))


@given(
    st.sampled_from(VALID_IMAGES),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=8),
    st.one_of(st.none(), st.integers(min_value=1)),
)
def test_damaged_images_are_refused_or_still_decode(
    image: bytes, flips: list[tuple[int, int]], cut: int | None
) -> None:
    content = bytearray(image)
    for position, value in flips:
        content[position % len(content)] = value
    if cut is not None:
        content = content[: cut % len(content)]
    assert_decodes_if_accepted(bytes(content))


# --- Upload handler ---------------------------------------------------------------------


def test_the_upload_handler_stops_a_file_past_the_limit() -> None:
    # given
    handler = UploadSizeLimit(100)
    handler.new_file("file", "photo.jpg", "image/jpeg", None)

    # when
    first = handler.receive_data_chunk(b"x" * 100, 0)
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"x", 100)

    # then
    assert (first, handler.exceeded) == (b"x" * 100, True)


def test_the_upload_handler_counts_each_file_on_its_own() -> None:
    # given
    handler = UploadSizeLimit(100)
    handler.new_file("file", "a.jpg", "image/jpeg", None)
    handler.receive_data_chunk(b"x" * 80, 0)

    # when
    handler.new_file("other", "b.jpg", "image/jpeg", None)
    handler.receive_data_chunk(b"x" * 80, 0)

    # then
    assert handler.exceeded is False


@pytest.mark.parametrize("kind", ["jpeg", "png"])
def test_a_truncated_image_is_refused_even_when_pillow_would_load_it(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a library (WeasyPrint, on import) told Pillow to load truncated images
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    content = jpeg() if kind == "jpeg" else png()

    # when
    code, _message, status = refusal(content[: len(content) // 2])

    # then
    assert (code, status) == ("damaged", 422)
