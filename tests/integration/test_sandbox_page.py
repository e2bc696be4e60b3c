"""The sandbox page's JSON API without a browser (what the page's script relies on), and
``feedback-bot sandbox``'s refusal to start."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from civic_feedback.bot.__main__ import main
from tests.support.sandbox_page import ServedPage, served_page


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[ServedPage]:
    async with served_page(tmp_path) as page:
        yield page


async def test_page_offers_the_cast_and_the_demo_event_and_consultation_links(
    served: ServedPage,
) -> None:
    client, code, consultation = served.client, served.event_code, served.consultation_code
    async with client.get("/") as response:
        page = await response.text()
    assert response.content_type == "text/html"
    assert 'value="9001"' in page  # the organizer
    assert f'data-start="ci_{code}"' in page
    assert f'data-start="co_{consultation}"' in page
    async with client.get("/static/chat.js") as response:
        assert response.status == 200
        assert "/api/chat" in await response.text()
    async with client.get("/static/../web.py") as response:
        assert response.status == 404


@pytest.mark.parametrize(
    ("query", "lang", "label", "organizer"),
    [
        ("", "bg", "Пишете като", "организатор"),  # the interface language of the deployment
        ("?lang=en", "en", "Chat as", "organizer"),
        ("?lang=tr", "tr", "Konuşan kişi", "düzenleyici"),
        ("?lang=de", "bg", "Пишете като", "организатор"),  # not offered: the default
    ],
)
async def test_the_page_speaks_the_language_asked_for_or_the_deployments(
    served: ServedPage,
    query: str,
    lang: str,
    label: str,
    organizer: str,
) -> None:
    client = served.client
    async with client.get("/" + query) as response:
        page = await response.text()

    assert f'<html lang="{lang}">' in page
    assert f"<label>{label} <select" in page
    assert f"— {organizer}</option>" in page
    assert "$" not in page  # every field of the template filled


async def test_what_a_user_writes_reaches_the_bot_and_shows_in_the_chat(
    served: ServedPage,
) -> None:
    emulator, client = served.emulator, served.client
    sent = {"user": 1003, "language": "tr", "text": "/start <b>"}
    async with client.post("/api/send", json=sent) as response:
        assert response.status == 200

    [update] = emulator.pending_updates()
    assert update["message"]["from"] == {
        "id": 1003,
        "is_bot": False,
        "first_name": "Ayşe",
        "language_code": "tr",
    }
    async with client.get("/api/chat", params={"user": "1003", "since": "0"}) as response:
        chat = await response.json()
    [shown] = chat["messages"]
    assert "/start &lt;b&gt;" in shown["html"]
    assert chat["version"] == emulator.version


async def test_refusals_are_one_line_saying_what_to_do(
    served: ServedPage,
) -> None:
    client = served.client
    async with client.post("/api/send", json={"user": 42, "text": "hi"}) as response:
        assert (response.status, await response.text()) == (400, "choose one of the demo people")
    async with client.post("/api/send", json={"user": 1001, "text": " "}) as response:
        assert response.status == 400
    press = {"user": 1001, "message_id": 99, "data": "x"}
    async with client.post("/api/press", json=press) as response:
        assert await response.text() == "that message does not exist in this chat"
    async with client.post("/api/skip", json={"page_language": "en"}) as response:
        assert (await response.json())["text"].startswith("Nothing is scheduled")
    async with client.post("/api/skip") as response:  # the page's default language
        assert (await response.json())["text"].startswith("Нищо не е насрочено")


def test_a_taken_port_is_one_line_saying_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'sandbox.db'}")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as stopped:
            main(["sandbox", "--port", str(port)])
    assert str(stopped.value) == (
        f"feedback-bot sandbox: cannot listen on 127.0.0.1:{port} (the port is in use); "
        "choose another one with --port"
    )
