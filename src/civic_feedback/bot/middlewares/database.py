"""Update middlewares: one update per chat at a time, one DB session per update, de-duplication."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update, User
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.storage.citizens import note_activity
from civic_feedback.storage.processed_updates import (
    commit_pending,
    handled_elsewhere,
    look_up_arrival,
    record_with_next_commit,
)

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DatabaseMiddleware(BaseMiddleware):
    """One session per update; a repeated update id is dropped before any handler runs.

    The update id is recorded in the same transaction as what the handler stores, so an
    update is either fully handled or not at all, even across a kill -9 or two replicas.
    Two replicas given the same update at the same moment both pass the first look; the
    one that commits second fails on a row the first wrote (the update id, or the answer
    it stored), its transaction is rolled back, and the update is dropped as a duplicate.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        with self.sessions() as session:
            user: User | None = data.get("event_from_user")
            # One query, on a connection given back at once: a handler that replies before
            # it writes (or never writes) holds no pooled connection while Telegram answers.
            arrival = look_up_arrival(session, event.update_id, user.id if user else None)
            if arrival.seen:
                log.info("update_duplicate update_id=%s", event.update_id)
                return UNHANDLED
            record_with_next_commit(session, event.update_id)
            if arrival.citizen is not None:
                note_activity(arrival.citizen)
            data["session"] = session
            data["citizen"] = arrival.citizen
            try:
                result = await handler(event, data)
                commit_pending(session)  # what the handler left, at least the update id
            except IntegrityError:
                session.rollback()
                if not handled_elsewhere(session, event.update_id):
                    raise
                log.info("update_duplicate update_id=%s (at the same moment)", event.update_id)
                return UNHANDLED
            return result
