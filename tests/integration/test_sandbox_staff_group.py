"""The staff group on the sandbox's page: its members see the bot's posts, reply to them and
press their buttons, each seeing their own messages on their side and the others' by name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.sandbox_page import GROUP, ServedPage, served_page

STAFF, ORGANIZER = 9002, 9001
BUTTONS = {"inline_keyboard": [[{"text": "🔧 В процес", "callback_data": "in:1:st:in_progress"}]]}


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[ServedPage]:
    async with served_page(tmp_path) as page:
        yield page


async def chat(served: ServedPage, user: int, where: int | str = GROUP) -> dict[str, Any]:
    query = {"user": str(user), "since": "0", "chat": str(where)}
    async with served.client.get("/api/chat", params=query) as response:
        assert response.status == 200
        shown: dict[str, Any] = await response.json()
    return shown


async def test_the_page_shows_the_group_and_who_writes_in_it(served: ServedPage) -> None:
    async with served.client.get("/") as response:
        page = await response.text()

    assert "👥 Група на служителите" in page
    assert f'<option value="{GROUP}">Група на служителите</option>' in page
    staff_pane = page[page.index('<main id="staff"') :]
    assert '<option value="9002" data-language="bg">Иван Петров — служител</option>' in staff_pane
    assert "Мария" not in staff_pane  # citizens are not in the staff group


async def test_staff_reply_to_a_post_and_the_others_see_it_by_name(served: ServedPage) -> None:
    post = await served.bot_sends(
        "sendMessage", chat_id=GROUP, text="📨 Съобщение №1\nЛампата не свети."
    )

    answer = {"user": STAFF, "chat": GROUP, "reply_to": post["message_id"], "text": "Утре."}
    async with served.client.post("/api/send", json=answer) as response:
        assert response.status == 200

    [update] = served.emulator.pending_updates()
    message = update["message"]
    assert (message["chat"]["id"], message["text"]) == (GROUP, "Утре.")
    assert message["reply_to_message"]["message_id"] == post["message_id"]
    as_staff = (await chat(served, STAFF))["messages"]
    as_organizer = (await chat(served, ORGANIZER))["messages"]
    assert [m["id"] for m in as_staff] == [post["message_id"], message["message_id"]]
    assert 'class="msg me"' in as_staff[1]["html"]
    assert '<div class="quote" data-goto="1">📨 Съобщение №1</div>' in as_staff[1]["html"]
    assert 'class="msg them"' in as_organizer[1]["html"]
    assert '<div class="from">Иван Петров</div>' in as_organizer[1]["html"]
    assert (await chat(served, STAFF, where=""))["messages"] == []  # not in his own chat


async def test_a_press_in_the_group_is_the_groups_and_so_is_its_notice(served: ServedPage) -> None:
    post = await served.bot_sends("sendMessage", chat_id=GROUP, text="#1", reply_markup=BUTTONS)
    press = {"user": STAFF, "chat": GROUP, "message_id": post["message_id"]}

    async with served.client.post(
        "/api/press", json=press | {"data": "in:1:st:in_progress"}
    ) as response:
        assert response.status == 200
    [update] = served.emulator.pending_updates()
    query = update["callback_query"]
    await served.bot_sends("answerCallbackQuery", callback_query_id=query["id"], text="Записано")

    assert query["message"]["chat"]["id"] == GROUP
    assert (await chat(served, STAFF))["toasts"] == [{"text": "Записано", "alert": False}]
    assert (await chat(served, STAFF, where=""))["toasts"] == []
    assert (await chat(served, ORGANIZER))["toasts"] == []


@pytest.mark.parametrize("where", [-100999, "private", STAFF])
async def test_only_the_staff_groups_are_on_the_page(served: ServedPage, where: object) -> None:
    async with served.client.get(
        "/api/chat", params={"user": str(STAFF), "since": "0", "chat": str(where)}
    ) as response:
        assert response.status == 400
    async with served.client.post(
        "/api/send", json={"user": STAFF, "chat": where, "text": "hi"}
    ) as response:
        assert response.status == 400
    assert served.emulator.pending_updates() == []
