"""Photos and files a person attaches on the sandbox's page, checked as hostile input.

Whatever arrives is read into memory up to :data:`UPLOAD_LIMIT` and never written to disk
nor run. A photo must be a JPEG, PNG or WebP image that decodes; what the chat keeps are new
JPEG sizes made from its pixels (as Telegram keeps a photo), never the bytes sent. A file
must be a PDF or an office document whose content starts as its kind does, under a name
with nothing that could point elsewhere.

The reasons for a refusal are shown on the page, in its language: :class:`UploadRefusedError`
carries them already translated (the caller chooses the locale).
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass

from aiogram.utils.i18n import gettext as _
from aiohttp import BodyPartReader, web
from PIL import Image, ImageOps

UPLOAD_LIMIT = 10 * 1024 * 1024  # bytes of a photo or file, as Telegram takes photos
_FORM_SLACK = 64 * 1024  # the form's other fields and boundaries around the file
_FIELD_LIMIT = 8 * 1024  # a text field (a caption is at most 1024 characters)
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
#: Telegram's own bounds for a photo: width + height, and the longer side to the shorter.
_PHOTO_SIDES = 10_000
_PHOTO_RATIO = 20
#: The longer side of each size kept, as Telegram's s, m, x and y sizes.
_PHOTO_SIZES = (90, 320, 800, 1280)
_NAME_LENGTH = 100

_ZIP, _OLE = (b"PK\x03\x04",), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
#: Extension -> (content type, how such a file begins).
DOCUMENT_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".doc": ("application/msword", _OLE),
    ".xls": ("application/vnd.ms-excel", _OLE),
    ".ppt": ("application/vnd.ms-powerpoint", _OLE),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP),
    ".odt": ("application/vnd.oasis.opendocument.text", _ZIP),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
    ".odp": ("application/vnd.oasis.opendocument.presentation", _ZIP),
    ".rtf": ("application/rtf", (b"{\\rtf",)),
}


class UploadRefusedError(Exception):
    """The upload is refused; ``reason`` tells the person what to do, ``status`` the HTTP one."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Upload:
    """The form's text fields and its one file."""

    fields: dict[str, str]
    filename: str
    data: bytes


def too_big() -> str:
    return _("The file is larger than {size} MB: choose a smaller one.").format(
        size=UPLOAD_LIMIT // (1024 * 1024)
    )


async def read_upload(request: web.Request) -> Upload:
    """The multipart form of ``POST /api/upload``, read part by part and never more than the
    limit allows (a body announced as bigger is refused before it is read)."""
    if request.content_length is not None and request.content_length > UPLOAD_LIMIT + _FORM_SLACK:
        raise UploadRefusedError(too_big(), status=413)
    try:
        reader = await request.multipart()
    except (AssertionError, ValueError, KeyError):  # aiohttp's words for "not multipart"
        raise UploadRefusedError("send the file as multipart/form-data") from None
    fields: dict[str, str] = {}
    found: tuple[str, bytes] | None = None
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise UploadRefusedError("send one flat form, not nested parts")
        if part.name == "file" and found is None:
            found = (part.filename or "", await _read_part(part, UPLOAD_LIMIT, too_big(), 413))
        elif part.name and part.filename is None:
            value = await _read_part(part, _FIELD_LIMIT, f"the field {part.name} is too long")
            fields[part.name] = value.decode("utf-8", errors="replace")
        else:
            raise UploadRefusedError("attach one file, in the field named file")
    if found is None or not found[1]:
        raise UploadRefusedError(_("Choose a file to send."))
    return Upload(fields, found[0], found[1])


async def _read_part(part: BodyPartReader, limit: int, refusal: str, status: int = 400) -> bytes:
    data = bytearray()
    while chunk := await part.read_chunk(64 * 1024):
        data += chunk
        if len(data) > limit:
            raise UploadRefusedError(refusal, status)
    return bytes(data)


def photo_sizes(data: bytes) -> list[tuple[bytes, int, int]]:
    """The sizes Telegram would keep of a photo: (JPEG bytes, width, height), smallest first,
    the largest at most 1280 pixels on its longer side. Refused unless it is a JPEG, PNG or
    WebP image within Telegram's bounds that decodes."""
    try:
        # Opening reads only the header: the bounds are checked before any pixel is decoded
        # (an image announcing a billion pixels is refused by Pillow itself).
        with Image.open(io.BytesIO(data), formats=PHOTO_FORMATS) as image:
            width, height = image.size
            if width + height > _PHOTO_SIDES or max(width, height) > _PHOTO_RATIO * min(
                width, height
            ):
                raise UploadRefusedError(
                    _("This photo is too large or too narrow: choose another one.")
                )
            image.draft("RGB", (_PHOTO_SIZES[-1], _PHOTO_SIZES[-1]))  # JPEG: decode less
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except UploadRefusedError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise UploadRefusedError(
            _("This is not a photo: choose a JPEG, PNG or WebP image.")
        ) from None
    sizes = []
    longest = max(picture.size)
    for side in _PHOTO_SIZES:
        scaled = picture.copy()
        scaled.thumbnail((side, side))
        out = io.BytesIO()
        scaled.save(out, "JPEG", quality=85)
        sizes.append((out.getvalue(), *scaled.size))
        if longest <= side:
            break
    return sizes


def document_type(filename: str, data: bytes) -> str:
    """The content type of a PDF or office file, known from its name and confirmed by how
    its content begins."""
    extension = filename[filename.rfind(".") :].lower() if "." in filename else ""
    known = DOCUMENT_TYPES.get(extension)
    if known is None:
        raise UploadRefusedError(
            _(
                "Only PDF and office files can be sent here "
                "(PDF, Word, Excel, PowerPoint, ODF, RTF)."
            )
        )
    content_type, beginnings = known
    if not data.startswith(beginnings):
        raise UploadRefusedError(
            _("This file is not what its name says ({extension}): choose another one.").format(
                extension=extension
            )
        )
    return content_type


def safe_filename(name: str, fallback: str) -> str:
    """The last part of ``name`` with only letters, digits, spaces and ``._-()``: nothing that
    names a folder, a hidden file or a device; ``fallback`` when nothing is left."""
    last = re.split(r"[\\/]", unicodedata.normalize("NFC", name))[-1]
    kept = "".join(c for c in last if c.isalnum() or c in " ._-()")
    kept = re.sub(r"\s+", " ", kept).strip(" .")
    if len(kept) > _NAME_LENGTH:
        stem, dot, extension = kept.rpartition(".")
        if dot and len(extension) <= 10:
            kept = stem[: _NAME_LENGTH - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            kept = kept[:_NAME_LENGTH].rstrip(" .")
    return kept or fallback
