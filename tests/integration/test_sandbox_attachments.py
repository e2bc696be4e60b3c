"""Photos, files and places from the sandbox's page: they reach the bot as Telegram's would,
and whatever is forged, too big or malformed is refused with one line saying what to do,
leaving nothing behind."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from civic_feedback.sandbox.uploads import UPLOAD_LIMIT
from tests.support.images import picture
from tests.support.sandbox_page import GROUP, ServedPage, served_page

MARIA = 1001
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[ServedPage]:
    async with served_page(tmp_path) as page:
        yield page


def form(data: bytes | None, filename: str = "photo.png", **fields: Any) -> aiohttp.FormData:
    """The page's upload form: Мария's photo in her own chat unless ``fields`` say otherwise."""
    # As a browser sends it: multipart even without a file, the file's name unquoted.
    sent = aiohttp.FormData(quote_fields=False, default_to_multipart=True)
    for name, value in ({"user": MARIA, "language": "bg", "kind": "photo"} | fields).items():
        sent.add_field(name, str(value))
    if data is not None:
        sent.add_field("file", data, filename=filename, content_type="application/octet-stream")
    return sent


async def upload(served: ServedPage, sent: aiohttp.FormData, lang: str = "en") -> tuple[int, str]:
    async with served.client.post(f"/api/upload?page_language={lang}", data=sent) as response:
        return response.status, await response.text()


def the_message(served: ServedPage) -> dict[str, Any]:
    [update] = served.emulator.pending_updates()
    message: dict[str, Any] = update["message"]
    return message


async def test_a_photo_arrives_in_telegrams_sizes_made_anew_from_its_pixels(
    served: ServedPage,
) -> None:
    original = picture(1000, 600)

    status, _ = await upload(served, form(original, caption="  Счупена пейка  "))

    assert status == 200
    message = the_message(served)
    assert message["caption"] == "Счупена пейка"
    assert message["from"]["first_name"] == "Мария"
    sizes = [(size["width"], size["height"]) for size in message["photo"]]
    assert sizes == [(90, 54), (320, 192), (800, 480), (1000, 600)]
    largest = message["photo"][-1]
    async with served.client.get(f"/files/{largest['file_id']}") as response:
        kept = await response.read()
        assert response.content_type == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("inline")
    assert kept.startswith(b"\xff\xd8")
    assert kept != original  # made anew, not what was sent
    assert largest["file_size"] == len(kept)


async def test_a_file_keeps_a_safe_name_and_is_only_ever_downloaded(served: ServedPage) -> None:
    status, _ = await upload(served, form(PDF, "../../etc/Отчет: ремонт<1>.pdf", kind="document"))

    assert status == 200
    document = the_message(served)["document"]
    assert document["file_name"] == "Отчет ремонт1.pdf"
    assert (document["mime_type"], document["file_size"]) == ("application/pdf", len(PDF))
    async with served.client.get(f"/files/{document['file_id']}") as response:
        assert await response.read() == PDF
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "sandbox" in response.headers["Content-Security-Policy"]


async def test_a_place_arrives_as_a_pin_in_reply_to_the_bots_question(served: ServedPage) -> None:
    question = await served.bot_sends("sendMessage", chat_id=MARIA, text="Where is it?")
    place = {"user": MARIA, "latitude": "42.6847", "longitude": 23.319}

    async with served.client.post(
        "/api/place", json=place | {"reply_to": question["message_id"]}
    ) as response:
        assert response.status == 200

    message = the_message(served)
    assert message["location"] == {"latitude": 42.6847, "longitude": 23.319}
    assert message["reply_to_message"]["text"] == "Where is it?"


_SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("make", "status", "says"),
    [
        (lambda: form(PDF), 400, "This is not a photo: choose a JPEG, PNG or WebP image."),
        (lambda: form(_SVG, "cat.svg"), 400, "This is not a photo"),
        (lambda: form(picture(40, 40, "GIF"), "cat.gif"), 400, "This is not a photo"),
        (lambda: form(picture(600, 400, "JPEG")[:300], "cut.jpg"), 400, "This is not a photo"),
        (lambda: form(picture(2000, 40), "strip.png"), 400, "too large or too narrow"),
        (lambda: form(b"x" * (UPLOAD_LIMIT + 1)), 413, "larger than 10 MB"),
        (
            lambda: form(b"<html><script>alert(1)</script>", "page.html", kind="document"),
            400,
            "Only PDF",
        ),
        (
            lambda: form(b"<html></html>", "report.pdf", kind="document"),
            400,
            "not what its name says",
        ),
        (lambda: form(b"MZ\x90\x00", "setup.exe", kind="document"), 400, "Only PDF"),
        (lambda: form(None), 400, "Choose a file to send."),
        (lambda: form(b""), 400, "Choose a file to send."),
        (lambda: aiohttp.FormData({"user": MARIA}), 400, "send the file as multipart/form-data"),
        (lambda: form(PDF, kind="script"), 400, "kind must be photo or document"),
        (lambda: form(picture(10, 10), user=42), 400, "choose one of the demo people"),
        (lambda: form(picture(10, 10), chat=-100999), 400, "a staff group"),
        (lambda: form(picture(10, 10), reply_to=77), 400, "reply to a message of the bot"),
        (lambda: form(picture(10, 10), caption="x" * 1025), 400, "at most 1024 characters"),
    ],
    ids=[
        "pdf as photo",
        "svg with a script",
        "gif",
        "truncated jpeg",
        "too narrow",
        "over 10 MB",
        "html as file",
        "html named .pdf",
        "program",
        "no file",
        "empty file",
        "not multipart",
        "unknown kind",
        "not a demo person",
        "not a staff group",
        "reply to nothing",
        "caption too long",
    ],
)
async def test_a_bad_upload_is_refused_saying_what_to_do_and_nothing_is_kept(
    served: ServedPage, make: Callable[[], aiohttp.FormData], status: int, says: str
) -> None:
    version = served.emulator.version

    refused = await upload(served, make())

    assert refused[0] == status
    assert says in refused[1]
    assert "\n" not in refused[1]
    assert served.emulator.pending_updates() == []
    assert served.emulator.version == version  # nothing shown, no file kept
    assert served.emulator.file("file-1") is None


async def test_refusals_a_person_can_meet_speak_the_pages_language(served: ServedPage) -> None:
    too_big = await upload(served, form(b"x" * (UPLOAD_LIMIT + 1)), lang="bg")
    not_json = await served.client.post("/api/place", data="latitude=1")

    assert too_big == (413, "Файлът е по-голям от 10 MB: изберете по-малък.")
    assert (not_json.status, await not_json.text()) == (400, "send a JSON object")


async def test_a_body_announced_as_too_big_is_refused_before_it_is_read(
    served: ServedPage,
) -> None:
    headers = {"Content-Type": "multipart/form-data; boundary=x"}

    async with served.client.post(
        "/api/upload",
        data=b"--x--\r\n",
        headers=headers | {"Content-Length": str(UPLOAD_LIMIT + 10**6)},
    ) as response:
        assert response.status == 413


@pytest.mark.parametrize(
    ("place", "says"),
    [
        ({"latitude": 91, "longitude": 23.3}, "Latitude must be a number from -90 to 90."),
        ({"latitude": 42.7, "longitude": -180.5}, "Longitude must be a number from -180 to 180."),
        ({"latitude": "north", "longitude": 23.3}, "Latitude must be a number"),
        ({"latitude": "nan", "longitude": 23.3}, "Latitude must be a number"),
        ({"latitude": True, "longitude": 23.3}, "Latitude must be a number"),
        ({"longitude": 23.3}, "Latitude must be a number"),
        ({"latitude": 42.7, "longitude": [23.3]}, "Longitude must be a number"),
    ],
    ids=["latitude 91", "longitude -180.5", "a word", "nan", "true", "missing", "a list"],
)
async def test_a_place_off_the_map_is_refused(
    served: ServedPage, place: dict[str, Any], says: str
) -> None:
    async with served.client.post(
        "/api/place", json={"user": MARIA, "page_language": "en"} | place
    ) as response:
        assert response.status == 400
        assert says in await response.text()
    assert served.emulator.pending_updates() == []


async def test_staff_send_a_photo_in_their_group_in_reply_to_a_post(served: ServedPage) -> None:
    post = await served.bot_sends("sendMessage", chat_id=GROUP, text="📨 Message #1")

    status, _ = await upload(
        served, form(picture(64, 64), user=9002, chat=GROUP, reply_to=post["message_id"])
    )

    assert status == 200
    message = the_message(served)
    assert message["chat"]["id"] == GROUP
    assert message["from"]["first_name"] == "Иван Петров"
    assert message["reply_to_message"]["message_id"] == post["message_id"]
