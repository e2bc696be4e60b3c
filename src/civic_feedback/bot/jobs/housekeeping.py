"""The daily purge (services/retention.py) and the roll-ups of settled days
(services/rollups.py), run off the event loop so updates keep flowing."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.services.retention import Purged, purge
from civic_feedback.settings import Settings

log = logging.getLogger(__name__)

ROLL_UP_AT_ONCE = 31  # days per run


class Housekeeper:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        settings: Settings,
        key: bytes,
        clock: Callable[[], datetime],
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.key = key
        self.clock = clock

    async def purge(self) -> Purged:
        purged = await asyncio.to_thread(self._purge)
        # A day with nothing old enough is the usual one: said only at DEBUG.
        nothing = not any(dataclasses.astuple(purged))
        log.log(
            logging.DEBUG if nothing else logging.INFO,
            "purged update_ids=%s outbox_rows=%s drafts=%s citizens=%s",
            purged.update_ids,
            purged.outbox_rows,
            purged.drafts,
            purged.citizens,
        )
        return purged

    def _purge(self) -> Purged:
        with self.sessions() as session:  # the purge commits its own transactions
            return purge(
                session,
                self.clock(),
                key=self.key,
                retention_days=self.settings.retention_days,
                answers=self.settings.erase_answers,
            )

    async def roll_up(self) -> int:
        days = await asyncio.to_thread(self._roll_up)
        log.log(logging.INFO if days else logging.DEBUG, "rolled_up days=%s", days)
        return days

    def _roll_up(self) -> int:
        from civic_feedback.services.rollups import roll_up_days  # the summary's queries

        with self.sessions() as session:  # one transaction per day
            zone = ZoneInfo(self.settings.timezone)
            return roll_up_days(session, zone, self.clock(), limit=ROLL_UP_AT_ONCE)
