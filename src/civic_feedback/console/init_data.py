"""Who opened the console: Telegram's signed init data, checked as Telegram documents it.

https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app : the
data's fields, sorted, are signed with a key derived from the bot token; only a page opened
from this bot in Telegram can carry a valid signature. ``auth_date`` bounds how long a copy
of the data stays usable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiogram.utils.web_app import check_webapp_signature, parse_webapp_init_data

MAX_INIT_DATA = 4096  # Telegram's init data is a few hundred bytes
CLOCK_SKEW = timedelta(minutes=5)  # an auth_date this far ahead of our clock is still taken


class InitDataRefusedError(Exception):
    """The init data cannot be trusted; ``reason`` is for the log, never for the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Opener:
    """The Telegram user Telegram vouches for."""

    telegram_id: int
    language: str | None  # their Telegram app's language
    opened_at: datetime


def verify_init_data(token: str, raw: str, now: datetime, max_age: timedelta) -> Opener:
    """The user of ``raw`` init data signed for this bot within ``max_age`` of ``now``;
    InitDataRefusedError otherwise."""
    if not raw or len(raw) > MAX_INIT_DATA:
        raise InitDataRefusedError("missing" if not raw else "oversized")
    if not check_webapp_signature(token, raw):
        raise InitDataRefusedError("signature")
    try:
        data = parse_webapp_init_data(raw)
    except ValueError:  # JSON or field errors (pydantic's are ValueErrors too)
        raise InitDataRefusedError("malformed") from None
    if data.user is None:
        raise InitDataRefusedError("no_user")
    opened = data.auth_date if data.auth_date.tzinfo else data.auth_date.replace(tzinfo=UTC)
    if now - opened > max_age:
        raise InitDataRefusedError("expired")
    if opened - now > CLOCK_SKEW:
        raise InitDataRefusedError("future")
    return Opener(data.user.id, data.user.language_code, opened)
