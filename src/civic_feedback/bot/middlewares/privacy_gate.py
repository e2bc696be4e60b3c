"""The privacy notice shown on first contact, and the gate that waits for "I agree".

Until a citizen accepts, the bot stores nothing but their Telegram id and language, and
answers only the notice, /language, /help, /mydata, /forget and /stop. A /start link that
arrived first (a QR code at the venue) rides in the "I agree" button and is opened right
after, so accepting costs the citizen one tap.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    TelegramObject,
)
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from civic_feedback.bot.callbacks import ForgetCb, LanguageCb, PrivacyCb
from civic_feedback.bot.context import Context
from civic_feedback.bot.units import Unit
from civic_feedback.core.telegram_html import html_problems
from civic_feedback.settings import Settings, SettingsError

_OPEN_COMMANDS = {"/language", "/help", "/mydata", "/forget", "/stop"}
_OPEN_CALLBACKS = tuple(f"{cb.__prefix__}:" for cb in (LanguageCb, PrivacyCb, ForgetCb))
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,48}")  # fits the button's 64 bytes with its prefix


class PrivacyNotices:
    """The notice per language: the deployment's files, else the built-in text."""

    def __init__(self, custom: dict[str, str], retention_days: int | None) -> None:
        self.custom = custom
        self.retention_days = retention_days

    @classmethod
    def load(cls, settings: Settings) -> PrivacyNotices:
        """Read PRIVACY_NOTICE_DIR/<language>.html; bad markup stops the bot with one line."""
        custom: dict[str, str] = {}
        folder: Path | None = settings.privacy_notice_dir
        if folder is None:
            return cls(custom, settings.retention_days)
        for language in settings.languages:
            path = folder / f"{language}.html"
            if not path.is_file():
                continue
            text = path.read_text(encoding="utf-8").strip()
            problems = html_problems(text)
            if problems:
                raise SettingsError(f"PRIVACY_NOTICE_DIR: {path}: {problems[0]}")
            custom[language] = text
        return cls(custom, settings.retention_days)

    def text(self) -> str:
        """The notice in the current interface language."""
        custom = self.custom.get(get_i18n().current_locale)
        if custom:
            return custom
        if self.retention_days:
            kept = _("They are erased after {days} days without any message from you.").format(
                days=self.retention_days
            )
        else:
            kept = _("They are kept until you erase them.")
        heading = _("Before we start: your data")
        return f"<b>{heading}</b>\n" + _(
            "This bot is run by the municipality and the organisers of its public events to "
            "hear citizens' opinions. It stores your Telegram id and language and, when you "
            "give them, your municipality, your event registrations and your answers to forms. "
            "They are used for the events and for reports on citizens' opinions, which never "
            "show who said what. {kept}\n"
            "/mydata shows everything stored about you; /forget erases it."
        ).format(kept=kept)


def notice_keyboard(then: str = "") -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    then = then if _PAYLOAD.fullmatch(then) else ""
    builder.button(text=_("✅ I agree"), callback_data=PrivacyCb(then=then))
    return builder.as_markup()


Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class PrivacyGate(BaseMiddleware):
    """Messages and buttons of private chats wait for the citizen's "I agree"; staff groups
    (the inbox) do not."""

    def __init__(self, notices: PrivacyNotices) -> None:
        self.notices = notices

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        context: Context = data["ctx"]
        citizen = context.citizen
        if citizen is not None and citizen.privacy_accepted_at is not None:
            return await handler(event, data)
        if isinstance(event, Message) and event.chat.type == "private":
            command = (event.text or "").split(maxsplit=1)
            if command and command[0].split("@")[0] in _OPEN_COMMANDS:
                return await handler(event, data)
            then = command[1] if len(command) == 2 and command[0] == "/start" else ""
            await _meet(context)
            await event.answer(self.notices.text(), reply_markup=notice_keyboard(then))
            return None
        if isinstance(event, CallbackQuery):
            in_group = event.message is not None and event.message.chat.type != "private"
            if in_group or (event.data or "").startswith(_OPEN_CALLBACKS):
                return await handler(event, data)
            await _meet(context)
            await event.answer()
            if event.message is not None:
                await event.message.answer(self.notices.text(), reply_markup=notice_keyboard())
            return None
        return await handler(event, data)


async def _meet(context: Context) -> None:
    """First contact: the citizen's Telegram id and language, nothing more."""
    await context.db(_met)


def _met(unit: Unit) -> None:
    unit.snapshot_or_new()
