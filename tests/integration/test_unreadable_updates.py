"""An update the bot cannot read is skipped, logged once and counted; the others go on.

Behind the webhook: the real aiohttp application (``create_app``) in this process, its bot
recording what it sends. Long polling: the real dispatcher polling the fake Bot API through
the session ``feedback-bot`` builds (``create_bot``), with an unreadable update queued
between good ones.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiohttp.test_utils import TestServer
from sqlalchemy import Engine

from civic_feedback.bot.app import create_bot
from civic_feedback.bot.dispatcher import create_dispatcher
from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.bot.monitoring.metrics import BotMetrics
from civic_feedback.bot.monitoring.monitor import Monitor
from civic_feedback.bot.webhook import SECRET_HEADER, create_app
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.settings import Settings
from civic_feedback.storage.database import create_db_engine
from civic_feedback.storage.flow_versions import FlowCatalog
from tests.support.databases import migrated_sqlite, unit_sessions
from tests.support.fake_telegram import FakeTelegram
from tests.support.keys import PSEUDONYM_KEY
from tests.support.recording_session import message_update
from tests.support.scrape import scrape_registry
from tests.support.telegram import Telegram

SECRET = "webhook-secret-0123456789abcdef"
PATH = "/telegram/updates"
NOTICE = "Before we start: your data"  # the privacy notice: the answer to a newcomer's /start
SKIPPED = "civic_feedback_skipped_updates_total"

# A poll as an older Bot API sent it: without allows_revoting and members_only, which
# aiogram 3.31's Poll requires.
OLD_POLL = {
    "id": "5001",
    "question": "Which park first?",
    "options": [{"text": "Central", "voter_count": 3}, {"text": "Riverside", "voter_count": 1}],
    "total_voter_count": 4,
    "is_closed": False,
    "is_anonymous": True,
    "type": "regular",
    "allows_multiple_answers": False,
}


def skipped_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("update_skipped")]


def skipped(metrics: BotMetrics) -> dict[str, float]:
    """The updates the bot counted as skipped, by kind, as /metrics shows them."""
    return scrape_registry(metrics).by(SKIPPED, "kind")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database: these tests are about Telegram's side, not the database."""
    engine = create_db_engine(migrated_sqlite(tmp_path / "feedback.db"))
    yield engine
    engine.dispose()


# --- the webhook ---------------------------------------------------------------------------


class Webhook:
    """The webhook served on loopback; ``post`` sends a body as Telegram (or anyone) would."""

    def __init__(self, server: TestServer, telegram: Telegram, metrics: BotMetrics) -> None:
        self.server = server
        self.telegram = telegram
        self.metrics = metrics

    async def post(
        self, body: bytes | str, *, content_type: str = "application/json", secret: str = SECRET
    ) -> int:
        headers = {SECRET_HEADER: secret, "Content-Type": content_type}
        data = body.encode() if isinstance(body, str) else body
        async with (
            aiohttp.ClientSession() as client,
            client.post(self.server.make_url(PATH), data=data, headers=headers) as response,
        ):
            await response.read()
            return response.status

    async def post_update(self, update: dict[str, Any]) -> int:
        return await self.post(json.dumps(update))

    def sent_to(self, chat_id: int) -> list[str]:
        return [
            str(getattr(call, "text", ""))
            for call in self.telegram.api.requests
            if getattr(call, "chat_id", None) == chat_id
        ]


@pytest.fixture
async def webhook(engine: Engine) -> AsyncIterator[Webhook]:
    telegram = Telegram(str(engine.url), unit_sessions(engine))
    metrics = BotMetrics()
    monitor = Monitor(metrics, engine, leading=lambda: True)
    app = create_app(telegram.dispatcher, telegram.bot, monitor, PATH, SECRET)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield Webhook(server, telegram, metrics)
    finally:
        await server.close()
        telegram.close()
        await telegram.bot.session.close()


NOT_UPDATES = {
    "not JSON": ("update_id=7&message=hello", "application/json", "not_json", None),
    "a JSON array": ('[{"update_id": 7}]', "application/json", "not_an_object", None),
    "a message without a chat": (
        '{"update_id": 7, "message": {"message_id": 1, "date": 1746100800, "text": "hi"}}',
        "application/json",
        "message",
        7,
    ),
    "a form": (
        "update_id=7&message=%7B%22text%22%3A%22hi%22%7D",
        "application/x-www-form-urlencoded",
        "not_json",
        None,
    ),
}


@pytest.mark.parametrize("case", list(NOT_UPDATES))
async def test_the_webhook_answers_200_to_a_body_it_cannot_read_and_goes_on(
    webhook: Webhook, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    body, content_type, kind, update_id = NOT_UPDATES[case]

    with caplog.at_level(logging.WARNING):
        status = await webhook.post(body, content_type=content_type)
        after = await webhook.post_update(message_update(8, 4001, "/start"))

    assert status == 200  # Telegram goes on with the next update instead of retrying this one
    assert skipped(webhook.metrics) == {kind: 1}
    (line,) = skipped_lines(caplog)
    assert line.startswith(f"update_skipped update_id={update_id} kind={kind} reason=")
    assert "Traceback" not in caplog.text
    assert after == 200
    assert any(NOTICE in text for text in webhook.sent_to(4001))


async def test_the_log_says_which_field_aiogram_refused_without_the_update_s_content(
    webhook: Webhook, caplog: pytest.LogCaptureFixture
) -> None:
    body = {"update_id": 9, "message": {"message_id": 1, "date": 1746100800, "text": "secret"}}

    with caplog.at_level(logging.WARNING):
        assert await webhook.post_update(body) == 200

    (line,) = skipped_lines(caplog)
    assert line == "update_skipped update_id=9 kind=message reason=message.chat: Field required"


async def test_a_wrong_secret_is_still_refused_and_nothing_is_counted(webhook: Webhook) -> None:
    status = await webhook.post("not json at all", secret="wrong-secret-0123456789abcdef")

    assert status == 403
    assert skipped(webhook.metrics) == {}


async def test_a_body_over_the_size_limit_is_refused_by_the_server(webhook: Webhook) -> None:
    status = await webhook.post(b"x" * (1024 * 1024 + 1))

    assert status == 413
    assert skipped(webhook.metrics) == {}


async def test_a_good_update_is_not_counted(webhook: Webhook) -> None:
    assert await webhook.post_update(message_update(10, 4002, "/start")) == 200

    assert skipped(webhook.metrics) == {}
    assert any(NOTICE in text for text in webhook.sent_to(4002))


# --- long polling ----------------------------------------------------------------------------


class Polling:
    """The fake Bot API, and the metrics of the bot polling it."""

    def __init__(self, fake: FakeTelegram, metrics: BotMetrics) -> None:
        self.fake = fake
        self.metrics = metrics

    def skipped(self) -> dict[str, float]:
        return skipped(self.metrics)


@pytest.fixture
async def polling(engine: Engine) -> AsyncIterator[Polling]:
    """The dispatcher long-polling the fake Bot API through feedback-bot's session."""
    settings = Settings(
        _env_file=None,
        bot_token="42:TEST-polling",
        pseudonym_key=PSEUDONYM_KEY,
        database_url=str(engine.url),
    )
    dispatcher: Dispatcher = create_dispatcher(
        settings=settings,
        sessions=unit_sessions(engine),
        runs=FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode()),
        i18n=create_i18n("bg"),
    )
    async with FakeTelegram() as fake:
        metrics = BotMetrics()
        bot: Bot = create_bot("42:TEST-polling", fake.url, metrics=metrics)
        task = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False))
        try:
            await fake.wait_for_polling()
            yield Polling(fake, metrics)
        finally:
            await dispatcher.stop_polling()
            await task


def offsets(fake: FakeTelegram) -> list[int]:
    return [r.params.get("offset", 0) for r in fake.requests("getUpdates")]


async def test_polling_skips_an_update_it_cannot_read_and_answers_the_ones_around_it(
    polling: Polling, caplog: pytest.LogCaptureFixture
) -> None:
    fake = polling.fake
    with caplog.at_level(logging.WARNING):
        before = fake.send_text(5001, "/start", language_code="en")
        poison = fake.push({"poll": OLD_POLL})
        after = fake.send_text(5002, "/start", language_code="en")

        await fake.wait_for_text(5001, NOTICE)
        await fake.wait_for_text(5002, NOTICE)
        await fake.wait_for(
            lambda: max(offsets(fake)) > after["update_id"], what="offset past the last update"
        )

    assert before["update_id"] < poison["update_id"] < after["update_id"]
    assert fake.pending_updates() == []
    assert polling.skipped() == {"poll": 1}
    (line,) = skipped_lines(caplog)
    assert line.startswith(f"update_skipped update_id={poison['update_id']} kind=poll reason=poll.")
    assert "Failed to fetch updates" not in caplog.text  # aiogram's error: polling never failed


async def test_polling_moves_past_an_unreadable_update_that_ends_an_answer(
    polling: Polling, caplog: pytest.LogCaptureFixture
) -> None:
    fake = polling.fake
    with caplog.at_level(logging.WARNING):
        poison = fake.push({"message": {"message_id": 1, "date": 1746100800, "text": "no chat"}})

        await fake.wait_for(
            lambda: max(offsets(fake)) > poison["update_id"], what="offset past the bad update"
        )
        later = fake.send_text(5003, "/start", language_code="en")
        await fake.wait_for_text(5003, NOTICE)

    assert later["update_id"] == poison["update_id"] + 1
    assert fake.pending_updates() == []
    assert polling.skipped() == {"message": 1}
    assert len(skipped_lines(caplog)) == 1  # asked for once, skipped once
