"""Meeting a citizen for the first time."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import User
from sqlmodel import Session

from civic_feedback.bot.middlewares.i18n import telegram_language
from civic_feedback.storage.citizens import add_citizen
from civic_feedback.storage.models import Citizen


def ensure_citizen(
    session: Session, citizen: Citizen | None, user: User, offered: Sequence[str]
) -> Citizen:
    """The known citizen, or a new one speaking their Telegram language when we offer it."""
    if citizen is not None:
        return citizen
    return add_citizen(session, telegram_id=user.id, language=telegram_language(user, offered))
