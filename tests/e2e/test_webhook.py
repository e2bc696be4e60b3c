"""End to end: feedback-bot in webhook mode, behind which Telegram (the fake) posts updates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.support.bot_process import TOKEN
from tests.support.fake_telegram import FakeTelegram
from tests.support.scrape import scrape
from tests.support.webhook_replicas import (
    SECRET,
    post,
    start_update,
    until_serving,
    webhook_process,
    webhook_url,
)

pytestmark = pytest.mark.e2e

UPDATES = "civic_feedback_updates_total"


@pytest.fixture
async def hook(tg: FakeTelegram, tmp_path: Path) -> AsyncIterator[str]:
    """The bot serving its webhook; yields the base URL Telegram posts to."""
    process = webhook_process(tg, tmp_path)
    await process.start()
    try:
        await until_serving(tg, [process])
        yield webhook_url(process)
    finally:
        await process.stop()
        assert TOKEN not in process.log()
        assert SECRET not in process.log()


async def test_only_requests_with_the_secret_are_handled(tg: FakeTelegram, hook: str) -> None:
    assert await post(hook, start_update(1, 4001), secret=None) == 401
    assert await post(hook, start_update(2, 4002), secret="wrong-secret-0123456789") == 403
    assert tg.messages(4001) == []
    assert tg.messages(4002) == []

    assert await post(hook, start_update(3, 4003), secret=SECRET) == 200

    (notice,) = tg.messages(4003)  # handled before the answer: already sent
    assert notice.text is not None
    assert notice.text.startswith("Before we start: your data")


async def test_a_redelivered_update_is_handled_once(tg: FakeTelegram, hook: str) -> None:
    for _ in range(2):
        assert await post(hook, start_update(7, 4007), secret=SECRET) == 200

    assert len(tg.messages(4007)) == 1


async def test_a_press_is_answered_in_the_webhooks_own_response(
    tg: FakeTelegram, hook: str
) -> None:
    citizen = 4011
    opened = tg.send_text(citizen, "/start f_event-satisfaction", language_code="en")
    assert await post(hook, opened, telegram=tg) == 200
    notice = tg.last_message(citizen)
    assert notice is not None
    agree = tg.press_button(citizen, notice.message_id, "✅ I agree", language_code="en")
    assert await post(hook, agree, telegram=tg) == 200
    question = tg.last_message(citizen)
    assert question is not None
    assert "How would you rate the event overall?" in question.content
    asked_before, edits_before = len(tg.requests("answerCallbackQuery")), question.edits

    press = tg.press_button(citizen, question.message_id, "4", language_code="en")
    assert await post(hook, press, telegram=tg) == 200

    (answer,) = tg.requests("answerCallbackQuery")[asked_before:]
    assert answer.token == "webhook-reply"  # in the HTTP response, not a request of its own
    assert answer.ok
    assert answer.params["callback_query_id"] == press["callback_query"]["id"]
    next_question = tg.message(citizen, question.message_id)
    assert "recommend" in next_question.content  # the same message, edited once
    assert next_question.edits == edits_before + 1


async def test_healthz_says_the_database_answers(hook: str) -> None:
    base = hook.removesuffix("/telegram/updates")
    async with aiohttp.ClientSession() as client, client.get(f"{base}/healthz") as response:
        assert response.status == 200
        # SQLite: the one process leads at once
        assert await response.json() == {"status": "ok", "leader": True, "database": "ok"}


async def test_the_webhook_s_listener_serves_the_metrics(hook: str) -> None:
    assert await post(hook, start_update(21, 4021), secret=SECRET) == 200
    assert await post(hook, start_update(21, 4021), secret=SECRET) == 200  # delivered again

    metrics = await scrape(hook.replace("/telegram/updates", "/metrics"))

    assert metrics.by(UPDATES, "outcome", kind="message") == {"handled": 1, "duplicate": 1}
    assert metrics.value("civic_feedback_leader") == 1
    assert metrics.by("civic_feedback_queue_waiting", "queue") == {
        "notifications": 0,
        "broadcasts": 0,
        "inbox": 0,
    }
