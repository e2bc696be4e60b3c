"""What every handler is given: one typed object instead of a long list of parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from aiogram import Bot
from aiogram.utils.i18n import get_i18n
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.bot.units import UpdateWork, Work
from civic_feedback.core.clock import Clock
from civic_feedback.services.form_runs import FormRuns
from civic_feedback.services.registrations import Registrar
from civic_feedback.settings import Settings
from civic_feedback.storage.citizens import CitizenSnapshot

T = TypeVar("T")


def _nothing() -> None:
    """A waker nobody listens to (the tests, and a replica that is not the leader)."""


@dataclass(frozen=True)
class Wakers:
    """Wake a background job now instead of at its next round (it runs on the leader)."""

    notifications: Callable[[], None] = _nothing
    broadcasts: Callable[[], None] = _nothing
    inbox: Callable[[], None] = _nothing


@dataclass(frozen=True)
class Services:
    """The process's long-lived objects the handlers use, built once at start-up."""

    settings: Settings
    sessions: sessionmaker[Session]  # for work too long for a unit (the weekly summary)
    runs: FormRuns
    registrar: Registrar
    clock: Clock
    wake: Wakers


@dataclass(frozen=True)
class Context:
    """One update's handler context: the bot, the services, and the update's units of work.

    ``await ctx.db(work)`` runs ``work(unit)`` as one unit of work (bot/units.py) and returns
    its plain result; replies are sent after it, never inside it.
    """

    bot: Bot
    services: Services
    work: UpdateWork

    async def db(self, work: Work[T]) -> T:
        return await self.work(work)

    @property
    def citizen(self) -> CitizenSnapshot | None:
        """The sender as the last unit left them (None: never met, or just erased)."""
        return self.work.citizen

    @property
    def language(self) -> str:
        """The language this update is answered in."""
        return get_i18n().current_locale

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def runs(self) -> FormRuns:
        return self.services.runs

    @property
    def registrar(self) -> Registrar:
        return self.services.registrar

    @property
    def clock(self) -> Clock:
        return self.services.clock

    @property
    def wake(self) -> Wakers:
        return self.services.wake
