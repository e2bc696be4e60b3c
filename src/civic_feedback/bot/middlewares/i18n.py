"""Interface texts from gettext catalogs (locales/<lang>/LC_MESSAGES/messages.po)."""

from __future__ import annotations

import contextvars
import gettext
from collections.abc import Sequence
from functools import cache
from importlib import resources
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiogram.types import Chat, TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

if TYPE_CHECKING:
    from civic_feedback.bot.context import Context


LOCALES = Path(str(resources.files("civic_feedback") / "locales"))


class CatalogI18n(I18n):
    """aiogram's I18n, reading the .po catalogs translators edit; no compiled files to ship."""

    # aiogram's gettext() finds the current instance through I18n's own context variable,
    # while its mixin gives every subclass a new one: keep using the base class's.
    @classmethod
    def set_current(cls, value: I18n) -> contextvars.Token[I18n]:
        return I18n.set_current(value)

    @classmethod
    def reset_current(cls, token: contextvars.Token[I18n]) -> None:
        I18n.reset_current(token)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        return {
            language: gettext.GNUTranslations(BytesIO(compiled))
            for language, compiled in _compiled_catalogs(Path(self.path), self.domain).items()
        }


@cache
def _compiled_catalogs(folder: Path, domain: str) -> dict[str, bytes]:
    """Each language's catalog in ``folder``, compiled, read once per process (the bot, its
    console and the sandbox each make an I18n; reading the three catalogs takes 12 ms)."""
    compiled: dict[str, bytes] = {}
    for po_path in sorted(folder.glob(f"*/LC_MESSAGES/{domain}.po")):
        with po_path.open("rb") as source:
            catalog = read_po(source)
        written = BytesIO()
        write_mo(written, catalog)
        compiled[po_path.parent.parent.name] = written.getvalue()
    return compiled


def create_i18n(default_language: str) -> CatalogI18n:
    return CatalogI18n(path=LOCALES, default_locale=default_language, domain="messages")


class CitizenI18nMiddleware(I18nMiddleware):
    """The citizen's chosen language, else their Telegram app's when offered, else the default.
    In a group (the staff's) the bot speaks the default language to everyone."""

    def __init__(self, i18n: I18n, offered: Sequence[str]) -> None:
        super().__init__(i18n)
        self.offered = tuple(offered)

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        chat: Chat | None = data.get("event_chat")
        if chat is not None and chat.type != "private":
            return self.i18n.default_locale
        context: Context | None = data.get("ctx")
        citizen = context.citizen if context is not None else None
        if citizen is not None and citizen.language in self.offered:
            return citizen.language
        user: User | None = data.get("event_from_user")
        return telegram_language(user, self.offered) or self.i18n.default_locale


def telegram_language(user: User | None, offered: Sequence[str]) -> str | None:
    """The user's Telegram app language when we offer it (``bg-BG`` counts as ``bg``)."""
    code = (user.language_code or "").split("-")[0].lower() if user else ""
    return code if code in offered else None
