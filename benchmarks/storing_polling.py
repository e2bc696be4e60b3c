"""A second floor: the bare aiogram bot of ``echo_polling.py`` that also stores each update
durably before it replies, the least a bot keeping civic-feedback's rules does.

Per update, one SQLAlchemy Core transaction on SQLite (WAL, ``synchronous=NORMAL``, as
civic-feedback configures it): the update id and its text inserted into a table whose key
refuses a second delivery, then the commit. No ORM session, no look-up of who wrote, no form:
only what durability costs (one statement and one commit a step), not what civic-feedback
does with the answer. ``polling_steps.py --storing`` measures it beside the bare bot.

    python -m benchmarks.storing_polling     (TELEGRAM_API_URL, BOT_TOKEN, STORE_PATH)
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.types import TelegramObject, Update
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, create_engine, event

from benchmarks.echo_polling import poll

STEPS = Table(
    "step",
    MetaData(),
    Column("update_id", Integer, primary_key=True),  # a repeated delivery fails here
    Column("text", String, nullable=True),
)
INSERT = STEPS.insert()


def store(path: str) -> Engine:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _record: object) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    STEPS.create(engine)
    return engine


def stored_first(engine: Engine) -> Callable[..., Awaitable[Any]]:
    """An outer middleware: the update's row committed before any handler replies."""

    async def middleware(
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        update: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(update, Update)
        text = update.message.text if update.message else None
        with engine.begin() as db:
            db.execute(INSERT, {"update_id": update.update_id, "text": text})
        return await handler(update, data)

    return middleware


if __name__ == "__main__":
    asyncio.run(poll(stored_first(store(os.environ["STORE_PATH"]))))
