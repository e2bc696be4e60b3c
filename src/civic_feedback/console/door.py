"""What every console request goes through: Telegram's init data and the person's role and
permission checked, a per-person budget, and database work in a worker thread (a session of
its own, closed before the answer goes out; changes committed as one transaction).

Page modules (``*_api.py``) add their routes with these; none of them reads a header or opens
a session itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from aiogram import Bot
from aiohttp import web
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.console.access import StaffAccess, staff_access
from civic_feedback.console.files import FileKind
from civic_feedback.console.guards import RequestBudget
from civic_feedback.console.init_data import InitDataRefusedError, verify_init_data
from civic_feedback.settings import Settings
from civic_feedback.storage.roles import Permission, may

log = logging.getLogger(__name__)
T = TypeVar("T")


class Door:
    """The console of one bot: its token checks the init data, its database answers."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        token: str,
        clock: Callable[[], datetime],
        budget: RequestBudget | None = None,
        bot_username: str | None = None,
        bot: Bot | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.token = token
        self.clock = clock
        self.budget = budget or RequestBudget()
        # For the links events give: BOT_USERNAME, else what the bot learnt at start-up.
        self.bot_username = settings.bot_username or bot_username
        # The bot's own client, for what the console posts (results); None: nothing is posted.
        self.bot = bot
        # The files pages offer, by kind: their routes and download links make them.
        self.files: dict[str, FileKind] = {}

    async def access(
        self, request: web.Request, permission: Permission = Permission.SUMMARY
    ) -> StaffAccess:
        """The staff member behind the request, allowed ``permission`` (every role may read
        the home page's figures), or the refusal the page shows."""
        scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
        try:
            if scheme.lower() != "tma":
                raise InitDataRefusedError("missing")
            max_age = self.settings.console_auth_max_age
            opener = verify_init_data(self.token, raw.strip(), self.clock(), max_age)
        except InitDataRefusedError as refused:
            log.warning("console_refused reason=%s", refused.reason)
            raise refusal(web.HTTPUnauthorized, "unauthorized") from None
        return await self.staff(opener.telegram_id, opener.language, permission)

    async def staff(
        self, telegram_id: int, language: str | None, permission: Permission
    ) -> StaffAccess:
        """The role and municipality of someone Telegram (or a link we signed) vouches for,
        read now, within their budget of requests, allowed ``permission``."""
        if not self.budget.allows(telegram_id):
            raise refusal(web.HTTPTooManyRequests, "too_many_requests")
        access = await self.read(lambda session: self._lookup(session, telegram_id, language))
        if access is None:
            log.warning("console_refused reason=no_role")
            raise refusal(web.HTTPForbidden, "no_role")
        if not may(access.role, permission):
            log.warning("console_refused reason=permission permission=%s", permission.value)
            raise refusal(web.HTTPForbidden, "not_allowed")
        return access

    async def read(self, work: Callable[[Session], T]) -> T:
        """``work`` in a worker thread, in a session closed before the answer is built."""

        def run() -> T:
            with self.sessions() as session:
                return work(session)

        return await asyncio.to_thread(run)

    async def write(self, work: Callable[[Session], T]) -> T:
        """``work`` in a worker thread, committed as one transaction (rolled back on error)."""

        def run() -> T:
            with self.sessions.begin() as session:
                return work(session)

        return await asyncio.to_thread(run)

    def _lookup(
        self, session: Session, telegram_id: int, language: str | None
    ) -> StaffAccess | None:
        settings = self.settings
        return staff_access(
            session,
            telegram_id,
            settings.admin_ids,
            language,
            settings.languages,
            settings.interface_language,
        )


async def json_body(request: web.Request) -> Any:
    """The request's JSON; 415 or 400 for anything else (413 past the size limit, from
    aiohttp)."""
    if request.content_type != "application/json":
        raise refusal(web.HTTPUnsupportedMediaType, "json_only")
    try:
        return json.loads(await request.text())
    except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting: 64 KB of "["
        raise refusal(web.HTTPBadRequest, "malformed") from None


def refusal(kind: type[web.HTTPError], code: str) -> web.HTTPError:
    """An error answer the page shows in its language: ``{"error": code}``."""
    return kind(text=json.dumps({"error": code}), content_type="application/json")
