"""Telegram's side of the bot, in-process: the real dispatcher fed updates, its calls recorded.

Every test builds the dispatcher the bot runs (middlewares, routers, FormRuns) on its own
migrated database, feeds it updates as Telegram would deliver them, and checks the Bot API
calls it made (tests/support/recording_session.py, no network) and the rows it wrote.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.utils.i18n import gettext
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, SQLModel, col, func, select

from civic_feedback.bot.dispatcher import create_dispatcher
from civic_feedback.bot.middlewares.i18n import create_i18n
from civic_feedback.core.clock import Clock
from civic_feedback.flows.engine import AnswerValue, RefusalReason, Rejected
from civic_feedback.flows.messages import refusal_text
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.settings import SUPPORTED_LANGUAGES, Settings
from civic_feedback.storage.answer_rows import stored_answers
from civic_feedback.storage.citizens import find_citizen
from civic_feedback.storage.consultations import add_consultation
from civic_feedback.storage.database import create_db_engine
from civic_feedback.storage.events import add_event
from civic_feedback.storage.flow_versions import FlowCatalog
from civic_feedback.storage.models import (
    Citizen,
    Consultation,
    Conversation,
    Event,
    EventKind,
    Proposal,
    Registration,
    Response,
    utcnow,
)
from tests.support.calls import Calls
from tests.support.citizens import add_citizen
from tests.support.clock import SOFIA, FakeClock
from tests.support.databases import unit_sessions
from tests.support.events import NOW
from tests.support.keys import PSEUDONYM_KEY
from tests.support.recording_session import RecordingSession, as_update, make_bot

if TYPE_CHECKING:
    from tests.support.people import Person


class FailedUpdates(logging.Handler):
    """Collects the errors router's "update_failed" records: a handler raised."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("update_failed"):
            self.records.append(record)


class Telegram:
    """Telegram's side of the bot: delivers updates to the dispatcher, keeps what it sent."""

    def __init__(
        self, database_url: str, sessions: sessionmaker[Session], *, clock: Clock = utcnow
    ) -> None:
        self.database_url = database_url
        self.sessions = sessions
        self._clock = clock  # the bot's and its FormRuns' (a FakeClock, when a test moves it)
        self.api = RecordingSession()
        self.bot: Bot = make_bot(self.api)
        self.failures = FailedUpdates()
        self.i18n = create_i18n("bg")
        self._update_ids = itertools.count(1)
        self._agreed: set[int] = set()
        self._engines: list[Engine] = []
        self.dispatcher = self._build(sessions)

    def _build(self, sessions: sessionmaker[Session]) -> Dispatcher:
        settings = Settings(
            _env_file=None,
            bot_token="42:TEST",
            pseudonym_key=PSEUDONYM_KEY,
            database_url=self.database_url,
        )
        runs = FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode(), clock=self._clock)
        return create_dispatcher(
            settings=settings,
            sessions=sessions,
            runs=runs,
            i18n=create_i18n("bg"),
            clock=self._clock,
        )

    def restart(self) -> None:
        """A new process on the same database: new engine, dispatcher, FormRuns and caches."""
        engine = create_db_engine(self.database_url)
        self._engines.append(engine)
        self.dispatcher = self._build(unit_sessions(engine))

    def close(self) -> None:
        for engine in self._engines:
            engine.dispose()

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def agree(self, user_id: int, language_code: str) -> None:
        """The person accepted the privacy notice (once; nothing else about them is stored)."""
        if user_id in self._agreed:
            return
        self._agreed.add(user_id)
        with self.sessions() as session:
            citizen = find_citizen(session, user_id)
            if citizen is None:
                language = language_code if language_code in SUPPORTED_LANGUAGES else None
                citizen = add_citizen(session, telegram_id=user_id, language=language)
                session.commit()
            citizen.privacy_accepted_at = utcnow()
            session.add(citizen)
            session.commit()

    def english(self, make: Callable[[], str], language: str = "en") -> str:
        """An interface text as a citizen speaking ``language`` gets it (catalogs applied)."""
        with self.i18n.context(), self.i18n.use_locale(language):
            return make()

    def refusal(self, reason: RefusalReason, **limits: float) -> str:
        """The sentence an English-speaking citizen gets for a refused input."""
        return self.english(lambda: refusal_text(Rejected(reason, limits), gettext))

    async def deliver(self, raw: dict[str, Any]) -> Calls:
        return await self.deliver_update(as_update(self.bot, raw))

    async def deliver_update(self, update: Any) -> Calls:
        before = len(self.api.requests)
        result = await self.dispatcher.feed_update(self.bot, update)
        if isinstance(result, TelegramMethod):  # as polling does, and Telegram for a webhook
            await self.bot(result)
        failed = [
            f"{r.getMessage()}: {r.exc_info and r.exc_info[1]!r}" for r in self.failures.records
        ]
        assert not failed, f"a handler raised: {failed}"
        return Calls(self.api.requests[before:])

    # --- the database, read in a fresh session each time ---------------------------------

    def answers(self, response_id: int) -> dict[str, AnswerValue]:
        with self.sessions() as session:
            return stored_answers(session.connection(), response_id)

    def responses(self, flow_id: str) -> list[Response]:
        with self.sessions() as session:
            statement = (
                select(Response).where(Response.flow_id == flow_id).order_by(col(Response.id))
            )
            return list(session.exec(statement).all())

    def citizen(self, telegram_id: int) -> Citizen | None:
        with self.sessions() as session:
            return session.exec(select(Citizen).where(Citizen.telegram_id == telegram_id)).first()

    def count(self, table: type[SQLModel]) -> int:
        with self.sessions() as session:
            return session.exec(select(func.count()).select_from(table)).one()

    def language_of(self, telegram_id: int) -> str | None:
        citizen = self.citizen(telegram_id)
        assert citizen is not None, f"no citizen {telegram_id}"
        return citizen.language

    def conversation(self, telegram_id: int) -> Conversation | None:
        citizen = self.citizen(telegram_id)
        if citizen is None:
            return None
        with self.sessions() as session:
            return session.get(Conversation, citizen.id)


AnyTelegram = TypeVar("AnyTelegram", bound=Telegram)


@asynccontextmanager
async def watched(telegram: AnyTelegram) -> AsyncIterator[AnyTelegram]:
    """A harness whose handler errors fail the test, closed (sessions too) at the end."""
    errors_log = logging.getLogger("civic_feedback.bot.handlers.errors")
    errors_log.addHandler(telegram.failures)
    try:
        yield telegram
    finally:
        errors_log.removeHandler(telegram.failures)
        telegram.close()
        await telegram.bot.session.close()


MUNICIPALITIES = ["Sliven", "Haskovo"]


class EventsTelegram(Telegram):
    """Telegram as above, in a deployment with municipalities, on a clock the test moves."""

    def __init__(self, database_url: str, sessions: sessionmaker[Session]) -> None:
        self.clock = FakeClock(NOW)
        self.wakes: list[int] = []  # how many Bot API calls were made at each wake-up
        self.settings = Settings(
            _env_file=None,
            bot_token="42:TEST",
            pseudonym_key=PSEUDONYM_KEY,
            database_url=database_url,
            timezone="Europe/Sofia",
            municipalities=MUNICIPALITIES,
        )
        super().__init__(database_url, sessions)

    def _build(self, sessions: sessionmaker[Session]) -> Dispatcher:
        return create_dispatcher(
            settings=self.settings,
            sessions=sessions,
            runs=FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode()),
            i18n=create_i18n("bg"),
            clock=self.clock,
            wake_notifications=lambda: self.wakes.append(len(self.api.requests)),
        )

    def add_event(
        self,
        title: str = "Round table on the city budget",
        *,
        starts: datetime = datetime(2026, 12, 3, 18, 0),
        capacity: int | None = None,
        municipality: str | None = None,
    ) -> Event:
        """An event starting at ``starts`` on Sofia's clock, lasting two hours."""
        starts_at = starts.replace(tzinfo=SOFIA).astimezone(UTC)
        with self.sessions() as session:
            return add_event(
                session,
                Event(
                    code="",
                    kind=EventKind.ROUND_TABLE,
                    municipality=municipality,
                    title={"bg": title, "en": title},
                    description={"en": "The 2027 budget, line by line."},
                    place="Town hall, room 2",
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(hours=2),
                    capacity=capacity,
                    flow_id="event-satisfaction",
                    reminder_offsets=[24 * 3600, 3600],
                ),
            )

    def add_consultation(
        self,
        title: str = "Ordinance on parking",
        *,
        opens: timedelta = timedelta(days=-1),
        closes: timedelta = timedelta(days=30),
        municipality: str | None = None,
        flow_id: str | None = None,
        document: bytes | None = None,
        document_url: str | None = None,
    ) -> Consultation:
        """A consultation opened ``opens`` from the clock's now, closing ``closes`` from it."""
        now = self.clock.now
        with self.sessions() as session:
            consultation = add_consultation(
                session,
                Consultation(
                    code="",
                    municipality=municipality,
                    title={"bg": title, "en": title},
                    summary={"en": "Paid parking zones in the centre."},
                    document_url=document_url,
                    document_name="draft.pdf" if document else None,
                    opens_at=now + opens,
                    closes_at=now + closes,
                    report_due_at=now + closes + timedelta(days=14),
                    flow_id=flow_id,
                ),
                document,
            )
            session.commit()
            session.refresh(consultation)
            return consultation

    def proposals(self, consultation: Consultation) -> list[Proposal]:
        with self.sessions() as session:
            return list(
                session.exec(
                    select(Proposal)
                    .where(Proposal.consultation_id == consultation.id)
                    .order_by(col(Proposal.number))
                )
            )

    def status(self, event: Event, person: Person) -> str | None:
        with self.sessions() as session:
            return session.exec(
                select(Registration.status)
                .join(Citizen, col(Citizen.id) == Registration.citizen_id)
                .where(Registration.event_id == event.id, Citizen.telegram_id == person.user_id)
            ).first()

    def event_responses(self, person: Person) -> list[Response]:
        with self.sessions() as session:
            return list(
                session.exec(
                    select(Response)
                    .join(Citizen, col(Citizen.id) == Response.citizen_id)
                    .where(Citizen.telegram_id == person.user_id)
                    .order_by(col(Response.id))
                )
            )


CONSOLE_URL = "https://feedback.example.bg/console/"
ADMIN = 7001
ORGANIZER = 7002
CITIZEN = 7003


class StaffTelegram(Telegram):
    """The harness with an admin in ADMIN_IDS, two municipalities, and wake-ups counted."""

    wakes = 0

    def _build(self, sessions: sessionmaker[Session]) -> Dispatcher:
        settings = Settings(
            _env_file=None,
            bot_token="42:TEST",
            pseudonym_key=PSEUDONYM_KEY,
            database_url=self.database_url,
            admin_ids=str(ADMIN),
            municipalities="Сливен,Хасково",
            default_language="bg",
            console_url=CONSOLE_URL,
        )
        runs = FormRuns(FlowCatalog(), PSEUDONYM_KEY.encode())

        def wake() -> None:
            self.wakes += 1

        return create_dispatcher(
            settings=settings,
            sessions=sessions,
            runs=runs,
            i18n=create_i18n("bg"),
            wake_broadcasts=wake,
        )
