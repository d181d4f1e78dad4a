"""Checking an uploaded file before anything keeps it: type, size and, for images, that
they decode and have the right dimensions. Pure: no database, no storage.

The type is decided by the file's first bytes only, never by its name or the Content-Type
the browser sent, both of which the uploader chooses. Images are decoded in full and saved
again, which drops their metadata (EXIF may hold the GPS position where a photo was taken)
and anything hidden after the picture; PDFs are kept byte for byte.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, Protocol

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from fairlane.core.errors import InvalidInput

MEGABYTE: Final = 1024 * 1024
READ_CHUNK_BYTES: Final = 64 * 1024

# The most pixels an image may have, checked from its header before it is decoded: a small
# file can declare a huge picture (a "decompression bomb"). 25 megapixels covers a
# 24-megapixel camera and an A3 page scanned at 300 dpi (17.4 megapixels), and decoded it
# takes at most about 100 MB (4 bytes a pixel).
MAX_IMAGE_PIXELS: Final = 25_000_000

# Where a PDF must end: readers look for the end-of-file marker in the last 1024 bytes.
PDF_EOF_WINDOW: Final = 1024
JPEG_QUALITY: Final = 92  # when an image is saved again: no visible loss

JPEG_MAGIC: Final = b"\xff\xd8\xff"
PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"
PDF_MAGIC: Final = b"%PDF-"
PDF_EOF: Final = b"%%EOF"


class FileType(StrEnum):
    """The kinds of file accepted anywhere; the value is the MIME type they are served with."""

    JPEG = "image/jpeg"
    PNG = "image/png"
    PDF = "application/pdf"

    @property
    def extension(self) -> str:
        return {FileType.JPEG: "jpg", FileType.PNG: "png", FileType.PDF: "pdf"}[self]

    @property
    def is_image(self) -> bool:
        return self in (FileType.JPEG, FileType.PNG)


IMAGE_TYPES: Final = frozenset({FileType.JPEG, FileType.PNG})
DOCUMENT_TYPES: Final = frozenset({FileType.JPEG, FileType.PNG, FileType.PDF})


@dataclass(frozen=True)
class ImageRules:
    """Dimensions an image must have. Larger than `max_side` is not refused but scaled down."""

    min_width: int
    min_height: int
    max_side: int
    min_aspect: float  # width / height
    max_aspect: float


# A driving licence photo is 22 mm wide and 32 mm high (aspect 0.69); the office crops and
# prints it at 300 dpi, which is 260 × 378 pixels, so anything smaller would print blurred.
# The aspect range takes the upright photos people already have (ID card 26 × 32 mm is
# 0.81, passport 33 × 48 mm is 0.69, a phone portrait 3 × 4 is 0.75) and refuses square or
# landscape pictures, which cannot be cropped to the standard without losing the head.
# 2000 pixels is over 1500 dpi on a 32 mm print: larger phone photos are scaled down to it
# rather than refused, so nobody has to find a tool (or a shop) to shrink a photo.
PHOTO_MIN_WIDTH: Final = 260
PHOTO_MIN_HEIGHT: Final = 378
PHOTO_MAX_SIDE: Final = 2000
PHOTO_MIN_ASPECT: Final = 0.6
PHOTO_MAX_ASPECT: Final = 0.85
LICENCE_PHOTO: Final = ImageRules(
    min_width=PHOTO_MIN_WIDTH,
    min_height=PHOTO_MIN_HEIGHT,
    max_side=PHOTO_MAX_SIDE,
    min_aspect=PHOTO_MIN_ASPECT,
    max_aspect=PHOTO_MAX_ASPECT,
)


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


class UploadRefused(InvalidInput):
    """An upload that is not accepted, with a stable code and a message for the person."""

    def __init__(self, code: str, message: str, *, status: int = 422) -> None:
        super().__init__(code, message, {"file": message}, status=status)


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the checks, as it is to be stored."""

    content: bytes  # the upload itself (PDF) or the image saved again without metadata
    file_type: FileType
    width: int | None  # of an image, as stored (upright, after any scaling)
    height: int | None
    sha256: str  # of `content`, so the stored file can be verified later

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def content_type(self) -> str:
        return self.file_type.value


def check_upload(
    data: bytes | Readable,
    *,
    allowed: frozenset[FileType] | set[FileType],
    max_bytes: int,
    image_rules: ImageRules | None = None,
) -> CheckedFile:
    """`data` checked as one of the `allowed` types; raises UploadRefused when it is not."""
    content = _read_at_most(data, max_bytes)
    if not content:
        raise UploadRefused("empty", _("The file is empty."))
    file_type = _sniff(content)
    if file_type is None or file_type not in allowed:
        raise UploadRefused("wrong_type", _accepted_types_message(allowed))
    if file_type == FileType.PDF:
        if PDF_EOF not in content[-PDF_EOF_WINDOW:]:
            raise UploadRefused("damaged", _("The file is damaged or not a complete PDF."))
        return CheckedFile(content, file_type, None, None, hashlib.sha256(content).hexdigest())
    stored, width, height = _image_checked(content, file_type, image_rules)
    return CheckedFile(stored, file_type, width, height, hashlib.sha256(stored).hexdigest())


def megabytes(size: int) -> str:
    """A byte count as megabytes for a message: 5242880 -> "5"."""
    return f"{size / MEGABYTE:g}"


def too_large(max_bytes: int) -> UploadRefused:
    return UploadRefused(
        "too_large",
        _("The file is larger than %(size)s MB.") % {"size": megabytes(max_bytes)},
        status=413,
    )


def _read_at_most(data: bytes | Readable, max_bytes: int) -> bytes:
    # Counted while reading: an endless stream stops one byte past the limit.
    if isinstance(data, bytes | bytearray | memoryview):
        if len(data) > max_bytes:
            raise too_large(max_bytes)
        return bytes(data)
    buffer = bytearray()
    while chunk := data.read(min(READ_CHUNK_BYTES, max_bytes + 1 - len(buffer))):
        buffer += chunk
        if len(buffer) > max_bytes:
            raise too_large(max_bytes)
    return bytes(buffer)


def _sniff(content: bytes) -> FileType | None:
    if content.startswith(JPEG_MAGIC):
        return FileType.JPEG
    if content.startswith(PNG_MAGIC):
        return FileType.PNG
    if content.startswith(PDF_MAGIC):
        return FileType.PDF
    return None


def _accepted_types_message(allowed: frozenset[FileType] | set[FileType]) -> str:
    names = [file_type.name for file_type in FileType if file_type in allowed]
    if len(names) == 1:
        return _("Only %(type)s files are accepted.") % {"type": names[0]}
    return _("Only %(types)s or %(last)s files are accepted.") % {
        "types": ", ".join(names[:-1]),
        "last": names[-1],
    }


def _damaged() -> UploadRefused:
    return UploadRefused("damaged", _("The file is damaged or not a real image."))


# What Pillow raises on a file it cannot decode.
_DECODE_ERRORS: Final = (OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError)


# PNG's closing chunk (IEND with its CRC) and JPEG's start-of-scan and end-of-image markers.
_PNG_END: Final = b"IEND\xaeB`\x82"
_JPEG_SCAN, _JPEG_END = b"\xff\xda", b"\xff\xd9"


def _truncated(content: bytes, file_type: FileType) -> bool:
    """Whether the file stops before its image does (anything after it is dropped when the
    image is saved again). Checked by hand because Pillow accepts a truncated file, filling
    in grey, once any library sets ImageFile.LOAD_TRUNCATED_IMAGES (WeasyPrint does, on
    import)."""
    if file_type == FileType.PNG:
        return _PNG_END not in content
    return content.rfind(_JPEG_END) < content.rfind(_JPEG_SCAN)


def _image_checked(content: bytes, file_type: FileType, rules: ImageRules | None) -> tuple[bytes, int, int]:
    """The image decoded, checked and saved again: (bytes, width, height)."""
    if _truncated(content, file_type):
        raise _damaged()
    try:
        # Only the decoder of the type the first bytes named, so a file cannot pass as one
        # format while being decoded as another.
        image = Image.open(io.BytesIO(content), formats=[file_type.name])
        width, height = image.size
        if width * height > MAX_IMAGE_PIXELS:
            raise UploadRefused(
                "too_many_pixels",
                _("The image is too large: at most %(megapixels)s megapixels are accepted.")
                % {"megapixels": MAX_IMAGE_PIXELS // 1_000_000},
            )
        image.load()  # decodes every pixel: a truncated or corrupt file fails here
        # Turned as the camera meant it to be seen, since the orientation tag goes with
        # the metadata.
        upright = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError:
        raise UploadRefused(
            "too_many_pixels",
            _("The image is too large: at most %(megapixels)s megapixels are accepted.")
            % {"megapixels": MAX_IMAGE_PIXELS // 1_000_000},
        ) from None
    except _DECODE_ERRORS:
        raise _damaged() from None
    if rules is not None:
        _check_dimensions(*upright.size, rules)
        if max(upright.size) > rules.max_side:
            upright.thumbnail((rules.max_side, rules.max_side), Image.Resampling.LANCZOS)
    return _saved_again(upright, file_type, image.info), *upright.size


def _check_dimensions(width: int, height: int, rules: ImageRules) -> None:
    if width < rules.min_width or height < rules.min_height:
        raise UploadRefused(
            "photo_too_small",
            _("The photo must be at least %(width)s × %(height)s pixels (width × height).")
            % {"width": rules.min_width, "height": rules.min_height},
        )
    if not rules.min_aspect <= width / height <= rules.max_aspect:
        raise UploadRefused(
            "photo_proportions",
            _(
                "The photo must be upright, like a licence photo (22 mm wide, 32 mm high): "
                "its width between %(min)s and %(max)s of its height."
            )
            % {"min": f"{rules.min_aspect:g}", "max": f"{rules.max_aspect:g}"},
        )


def _saved_again(image: Image.Image, file_type: FileType, info: Mapping[Any, Any]) -> bytes:
    # Only the colour profile is kept: it is needed to show the colours right and says
    # nothing about the person.
    options: dict[str, Any] = {}
    if info.get("icc_profile"):
        options["icc_profile"] = info["icc_profile"]
    if file_type == FileType.JPEG:
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        options["quality"] = JPEG_QUALITY
    elif "transparency" in info and image.mode in ("P", "L", "RGB"):
        options["transparency"] = info["transparency"]
    out = io.BytesIO()
    image.save(out, format=file_type.name, **options)
    return out.getvalue()


class UploadSizeLimit(FileUploadHandler):
    """Stops reading a multipart request as soon as one of its files passes `max_bytes`, so
    an oversized upload is neither kept in memory nor written to a temporary file.

    Put it first in `request.upload_handlers` before the request body is read; afterwards
    `exceeded` says whether it stopped the upload.
    """

    def __init__(self, max_bytes: int, request: Any = None) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.exceeded = False
        self._received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        self._received = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self._received += len(raw_data)
        if self._received > self.max_bytes:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
