"""What the sandbox's page may attach: photos remade in Telegram's sizes, office files under
safe names, and nothing else."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

import pytest

from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.sandbox.uploads import (
    UploadRefusedError,
    document_type,
    photo_sizes,
    safe_filename,
)
from tests.support.images import picture


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """Refusals are said in the page's language; here English."""
    i18n = create_i18n("en")
    with i18n.context(), i18n.use_locale("en"):
        yield


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("Отчет за ремонта.pdf", "Отчет за ремонта.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\system.ini", "system.ini"),
        ("/tmp/.bashrc", "bashrc"),
        ("..", "file"),
        ("a\x00b\nc\u202e.pdf", "abc.pdf"),  # control and bidirectional characters
        ('report "final" <1>.docx', "report final 1.docx"),
        ("   ", "file"),
        ("x" * 300 + ".pdf", "x" * 96 + ".pdf"),
    ],
)
def test_a_file_name_keeps_only_what_cannot_point_elsewhere(sent: str, kept: str) -> None:
    assert safe_filename(sent, "file") == kept


def test_office_files_are_known_by_name_and_confirmed_by_content() -> None:
    assert document_type("Plan.PDF", b"%PDF-1.7 ...") == "application/pdf"
    assert document_type("budget.xlsx", b"PK\x03\x04...").endswith("spreadsheetml.sheet")
    with pytest.raises(UploadRefusedError, match="not what its name says"):
        document_type("budget.xlsx", b"%PDF-1.7")
    with pytest.raises(UploadRefusedError, match="Only PDF and office files"):
        document_type("run.sh", b"#!/bin/sh")
    with pytest.raises(UploadRefusedError, match="Only PDF and office files"):
        document_type("noextension", b"%PDF-1.7")


@pytest.mark.parametrize(
    ("width", "height", "sizes"),
    [
        (1, 1, [(1, 1)]),
        (90, 40, [(90, 40)]),
        (400, 3000, [(12, 90), (43, 320), (107, 800), (171, 1280)]),
        (3000, 2000, [(90, 60), (320, 213), (800, 533), (1280, 853)]),
    ],
)
def test_a_photo_is_kept_in_telegrams_sizes_up_to_1280(
    width: int, height: int, sizes: list[tuple[int, int]]
) -> None:
    kept = photo_sizes(picture(width, height, "WEBP"))

    assert [(w, h) for _, w, h in kept] == sizes
    assert all(data.startswith(b"\xff\xd8") for data, _, _ in kept)


def _png_header(width: int, height: int) -> bytes:
    """A PNG's signature and header, announcing a size, with no pixels."""
    chunk = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    crc = struct.pack(">I", zlib.crc32(chunk))
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + crc


@pytest.mark.parametrize("size", [(60_000, 60_000), (9_000, 2_000), (5_000, 200)])
def test_a_photo_announcing_too_many_pixels_is_refused_before_decoding(
    size: tuple[int, int],
) -> None:
    with pytest.raises(UploadRefusedError):
        photo_sizes(_png_header(*size))
