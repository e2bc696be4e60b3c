"""Settings from the environment and ``.env`` (every variable is documented in .env.example)."""

from __future__ import annotations

import re
from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from civic_feedback.core.durations import parse_duration
from civic_feedback.core.erasure_policy import AnswersOnErasure
from civic_feedback.core.event_schedule import FollowUpPolicy
from civic_feedback.core.paid_broadcasts import FREE_RATE, PAID_RATE, STARS_PER_MESSAGE

SUPPORTED_LANGUAGES = ("bg", "en", "tr")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{1,28}[Bb][Oo][Tt]")  # 5 to 32 characters
_TOKEN = re.compile(r"\d+:[\w-]+")  # what the Bot API accepts: the bot id, a colon, a secret
_PLACEHOLDERS = ("change", "your", "example", "xxx", "<", "token-here", "placeholder")
FREE_PACE = 25  # replies, reminders and deliveries while broadcasts are paid: under FREE_RATE


class SettingsError(Exception):
    """A setting is missing or wrong; the message says which and what to do."""


def _split(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


CommaList = Annotated[list[str], NoDecode]
CommaInts = Annotated[list[int], NoDecode]


class Settings(BaseSettings):
    """The runtime contract of civic-feedback (see the README's table)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", env_ignore_empty=True, extra="ignore"
    )

    bot_token: SecretStr | None = None
    telegram_api_url: str | None = None
    bot_username: str | None = None  # links and posters without asking Telegram (getMe)
    console_url: str | None = None  # the staff console's public https address (a Mini App)
    console_auth_max_age: timedelta = timedelta(hours=1)  # how long Telegram's init data holds
    database_url: str = "sqlite:///./feedback.db"
    admin_ids: CommaInts = Field(default_factory=list)
    timezone: str = "Europe/Sofia"
    default_language: str = "bg"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str | None = None
    webhook_port: int | None = None
    broadcast_rate: float = Field(default=25, gt=0, le=PAID_RATE)
    paid_broadcast: bool = False  # broadcasts above FREE_RATE, paid in Telegram Stars
    paid_broadcast_stars_per_message: Decimal = Field(default=STARS_PER_MESSAGE, ge=0)
    pseudonym_key: SecretStr | None = None
    languages: CommaList = Field(default_factory=lambda: list(SUPPORTED_LANGUAGES))
    municipalities: CommaList = Field(default_factory=list)
    post_event_delay: timedelta = timedelta(minutes=30)
    followup_delay: timedelta = timedelta(hours=48)
    staff_chats: CommaList = Field(default_factory=list)
    nearby_metres: int = Field(default=100, ge=0, le=5000)  # the same problem reported twice
    retention_days: int | None = Field(default=None, gt=0)
    erase_answers: AnswersOnErasure = AnswersOnErasure.DETACH
    weekly_digest: str = "mon 09:00"  # when staff get last week's summary; "off": never
    privacy_notice_dir: Path | None = None  # <language>.html files replacing the built-in notice
    backup_dir: Path | None = None  # nightly backups by the leader; None: none taken
    backup_keep: int = Field(default=14, ge=1)  # the newest this many are kept
    log_level: str = "INFO"  # the bot's own events; libraries from WARNING (bot/log_setup.py)
    log_format: Literal["text", "json"] = "text"
    metrics_host: str = "127.0.0.1"  # polling mode's /metrics and /healthz: loopback only
    metrics_port: int | None = Field(default=None, ge=1, le=65535)  # None: no such listener

    @model_validator(mode="after")
    def _free_rate_unless_paid(self) -> Settings:
        if self.broadcast_rate > FREE_RATE and not self.paid_broadcast:
            raise ValueError(
                f"BROADCAST_RATE={self.broadcast_rate:g} is above the {FREE_RATE} messages a "
                f"second Telegram allows for free: lower it to {FREE_RATE} or less, or set "
                "PAID_BROADCAST=true to pay for faster broadcasts in Telegram Stars"
            )
        return self

    @property
    def free_rate(self) -> float:
        """The pace of everything not paid for: replies, reminders, digests, deliveries to
        staff, and free broadcasts. With paid broadcasts, those go at their own pace."""
        return min(self.broadcast_rate, FREE_PACE) if self.paid_broadcast else self.broadcast_rate

    @field_validator("admin_ids", "languages", "municipalities", "staff_chats", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        return _split(value)

    @field_validator("staff_chats")
    @classmethod
    def _staff_chats(cls, value: list[str]) -> list[str]:
        parse_staff_chats(value)
        return value

    @property
    def staff_groups(self) -> dict[str | None, int]:
        """STAFF_CHATS as municipality -> chat id; the key None is the default group."""
        return parse_staff_chats(self.staff_chats)

    def staff_group(self, municipality: str | None) -> int | None:
        """Where a message about ``municipality`` goes: its group, else the default one."""
        groups = self.staff_groups
        return groups.get(municipality, groups.get(None))

    def municipalities_without_group(self) -> list[str]:
        """The municipalities whose citizens' messages would have nowhere to go."""
        if None in self.staff_groups:
            return []
        return [name for name in self.municipalities if name not in self.staff_groups]

    @field_validator("post_event_delay", "followup_delay", "console_auth_max_age", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("weekly_digest")
    @classmethod
    def _digest_time(cls, value: str) -> str:
        parse_digest_time(value)
        return value

    @property
    def digest_time(self) -> tuple[int, time] | None:
        """(weekday, local time) of the Monday digest, 0 = Monday; None when switched off."""
        return parse_digest_time(self.weekly_digest)

    @field_validator("privacy_notice_dir")
    @classmethod
    def _folder(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} is not a folder; it should hold bg.html, en.html, ...")
        return value

    @field_validator("bot_username")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        name = (value or "").strip().removeprefix("@").removeprefix("https://t.me/")
        if not name:
            return None
        if not _USERNAME.fullmatch(name):
            raise ValueError(
                f"{value!r} is not a bot's username: write it as @BotFather shows it, "
                "e.g. civic_feedback_bot (5 to 32 letters, digits or _, ending in bot)"
            )
        return name

    @field_validator("console_url")
    @classmethod
    def _console_address(cls, value: str | None) -> str | None:
        address = (value or "").strip()
        if not address:
            return None
        parsed = urlparse(address)
        if parsed.scheme != "https" or not parsed.hostname or parsed.query or parsed.fragment:
            raise ValueError(
                f"{value!r}: write the console's public https address, as the reverse proxy "
                "serves it, e.g. https://feedback.smolyan.bg/console/ (Telegram opens only https)"
            )
        return address if address.endswith("/") else address + "/"

    @property
    def console_path(self) -> str:
        """Where the console is served on the bot's listener: CONSOLE_URL's path."""
        return urlparse(self.console_url or "").path or "/"

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"choose among {', '.join(LOG_LEVELS)}")
        return value.upper()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; write e.g. Europe/Sofia") from None
        return value

    @field_validator("languages")
    @classmethod
    def _supported(cls, value: list[str]) -> list[str]:
        unknown = [lang for lang in value if lang not in SUPPORTED_LANGUAGES]
        if unknown or not value:
            raise ValueError(f"choose among {', '.join(SUPPORTED_LANGUAGES)}")
        return value

    @property
    def follow_up(self) -> FollowUpPolicy:
        return FollowUpPolicy(self.post_event_delay, self.followup_delay)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def interface_language(self) -> str:
        """DEFAULT_LANGUAGE when it is offered, else the first offered language."""
        return (
            self.default_language
            if self.default_language in self.languages
            else (self.languages[0])
        )

    def require_bot_token(self) -> str:
        """The bot token, or a SettingsError saying how to set it."""
        token = self.bot_token.get_secret_value().strip() if self.bot_token else ""
        if not token:
            raise SettingsError(
                "BOT_TOKEN is not set: put the token from @BotFather into .env "
                "(BOT_TOKEN=123456789:AA...)"
            )
        if not _TOKEN.fullmatch(token):
            raise SettingsError(
                "BOT_TOKEN does not look like a bot token (digits, a colon, then letters); "
                "copy it again from @BotFather"
            )
        if any(marker in token.lower() for marker in _PLACEHOLDERS):
            raise SettingsError(
                "BOT_TOKEN still holds the example value: replace it with your bot's token "
                "from @BotFather"
            )
        return token

    def require_webhook_secret(self) -> str:
        """The webhook's secret when WEBHOOK_URL is set, or a SettingsError saying what to do."""
        secret = self.webhook_secret.get_secret_value().strip() if self.webhook_secret else ""
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", secret):
            raise SettingsError(
                "WEBHOOK_URL is set, so WEBHOOK_SECRET is required: 16 to 256 letters, digits, "
                "_ or -; create one with `python -c 'import secrets; print(secrets.token_hex(32))'`"
            )
        return secret

    def require_pseudonym_key(self) -> bytes:
        """The pseudonym secret, or a SettingsError saying how to make one."""
        key = self.pseudonym_key.get_secret_value().strip() if self.pseudonym_key else ""
        if len(key) < 16 or any(marker in key.lower() for marker in _PLACEHOLDERS):
            raise SettingsError(
                "PSEUDONYM_KEY must be a secret of at least 16 characters; create one with "
                "`python -c 'import secrets; print(secrets.token_hex(32))'` and put it in .env "
                "(keep it: changing it changes every pseudonym)"
            )
        return key.encode()


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_digest_time(text: str) -> tuple[int, time] | None:
    """``mon 09:00`` as (0, 09:00); ``off`` as None; anything else says how to write it."""
    if text.strip().lower() == "off":
        return None
    day, _, clock = text.strip().lower().partition(" ")
    try:
        return _WEEKDAYS.index(day), time.fromisoformat(clock.strip())
    except ValueError:
        raise ValueError(
            f"write a day and a time like 'mon 09:00', or off (not {text!r})"
        ) from None


def parse_staff_chats(entries: list[str]) -> dict[str | None, int]:
    """``Sliven:-100123`` pairs; ``*:-100999`` (or a bare chat id) is the default group."""
    groups: dict[str | None, int] = {}
    for entry in entries:
        name, _, chat = entry.rpartition(":")
        try:
            chat_id = int(chat.strip())
        except ValueError:
            raise ValueError(
                f"write Municipality:chat_id pairs such as Sliven:-100123 (not {entry!r}); "
                "the bot says a group's id when it is added to the group"
            ) from None
        groups[None if name.strip() in ("", "*") else name.strip()] = chat_id
    return groups


def load_settings(**overrides: Any) -> Settings:
    """Read the settings; a bad value becomes one SettingsError line naming the variable.

    ``overrides`` are Settings arguments, e.g. ``_env_file=None`` to leave ``.env`` unread.
    """
    try:
        return Settings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        if not first["loc"]:  # a rule across variables: its message names them
            raise SettingsError(message) from None
        raise SettingsError(f"{str(first['loc'][0]).upper()}: {message}") from None
