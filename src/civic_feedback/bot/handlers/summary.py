"""/summary [week] for staff: a week's headline figures and its charts (default: last week)."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message, User
from aiogram.utils.i18n import gettext as _
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.bot.context import Context
from civic_feedback.bot.units import Unit
from civic_feedback.bot.views.summary_message import compute_summary, summary_text
from civic_feedback.core.weeks import last_complete_week, parse_iso_week
from civic_feedback.reports.summary import WeeklySummary
from civic_feedback.reports.summary_charts import summary_charts
from civic_feedback.reports.trend import trend_points
from civic_feedback.settings import Settings
from civic_feedback.storage import audit
from civic_feedback.storage.roles import Permission, may, role_of, scope_of

log = logging.getLogger(__name__)

_CHARTS_SENT = 6  # the trend, the NPS and a few events' ratings: a phone screen or two


async def cmd_summary(message: Message, command: CommandObject, ctx: Context) -> None:
    user = message.from_user
    assert isinstance(user, User)
    settings = ctx.settings

    def reader(unit: Unit) -> tuple[bool, str | None]:
        """Whether the user may read summaries, and of which municipality (None: all)."""
        role = role_of(unit.session, user.id, settings.admin_ids)
        return may(role, Permission.SUMMARY), scope_of(unit.session, user.id, settings.admin_ids)

    allowed, scope = await ctx.db(reader)
    if not allowed:
        actor = audit.telegram_actor(settings.require_pseudonym_key(), user.id)
        log.warning("refused permission=summary user=%s", actor)
        await message.answer(_("Summaries are for municipal staff and organizers."))
        return
    week = (command.args or last_complete_week(ctx.clock(), settings.zone)).strip().upper()
    try:
        parse_iso_week(week)
    except ValueError:
        await message.answer(_("Write the week like this: /summary 2026-W47"))
        return
    # Seconds of reading and drawing: in a thread of their own, not as a unit of work.
    sessions, language = ctx.services.sessions, ctx.language
    figures = await asyncio.to_thread(compute_summary, sessions, week, settings, language, scope)
    await message.answer(summary_text(figures))
    charts = await asyncio.to_thread(draw_charts, sessions, figures.summary, settings, language)
    for name, png in list(charts.items())[:_CHARTS_SENT]:
        await ctx.bot.send_photo(message.chat.id, BufferedInputFile(png, filename=name))


def draw_charts(
    sessions: sessionmaker[Session], summary: WeeklySummary, settings: Settings, language: str
) -> dict[str, bytes]:
    """The week's charts as PNG files (matplotlib is loaded on the first call)."""
    with sessions() as session:
        trend = trend_points(
            session, summary.week, settings.zone, municipality=summary.municipality
        )
    return summary_charts(summary, trend, language)


def create_router() -> Router:
    """A new router with this feature's handlers (a router joins one dispatcher only)."""
    router = Router(name="summary")
    router.message.register(cmd_summary, Command("summary"))
    return router
