"""``feedback-admin doctor``: is the installation in order, and what to do where it is not.

It reads and asks, it changes nothing: Telegram (the token, the webhook, the updates waiting,
the staff groups and the publish channels), the database (it answers, its schema is
current), the settings (the pseudonym key, the time zone, where the inbox goes), the
disk and the nightly backups. One line per check; exit status 1 when any fails, for monitoring.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from civic_feedback.admin_cli.doctor_checks import (
    Check,
    backups_check,
    channel_check,
    disk_space_check,
    inbox_routes_check,
    not_checked,
    pending_check,
    pseudonym_key_check,
    read_settings,
    rollups_check,
    setting_checks,
    staff_group_check,
    telegram_refusal,
    time_zone_check,
    webhook_check,
)
from civic_feedback.admin_cli.telegram_identity import call_bot
from civic_feedback.services.publications import publish_channels
from civic_feedback.settings import Settings, SettingsError
from civic_feedback.storage.database import (
    DatabaseUrlError,
    create_db_engine,
    schema_revisions,
    session_factory,
)
from civic_feedback.storage.revisions import known_revisions
from civic_feedback.storage.rollups import days_to_roll_up, rollup_state

if TYPE_CHECKING:
    from aiogram import Bot

TELEGRAM_TIMEOUT = 10  # seconds for each Bot API call: a doctor must not hang on a network


def doctor(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the checks as a JSON list, for monitoring.")
    ] = False,
) -> None:
    """Check the installation (Telegram, the database, the settings, the disk, the backups)
    and say what to do about each problem; exit status 1 when a check fails."""
    settings, problems = read_settings()
    database = check_database(settings.database_url, ZoneInfo(settings.timezone))
    checks = [
        *setting_checks(problems),
        *telegram_checks(settings, database.channels),
        database.check,
        *([database.rollups] if database.rollups else []),
        inbox_routes_check(settings),
        pseudonym_key_check(settings),
        time_zone_check(settings, problems, datetime.now(UTC)),
        disk_space_check(settings.database_url, backup_dir=settings.backup_dir),
        backups_check(settings.backup_dir, datetime.now(UTC)),
    ]
    if as_json:
        typer.echo(json.dumps([check.as_json() for check in checks], ensure_ascii=False, indent=2))
    else:
        for check in checks:
            typer.echo(check.line())
    if not all(check.ok for check in checks):
        raise typer.Exit(1)


# --- the database -----------------------------------------------------------------------


@dataclass(frozen=True)
class DatabaseFindings:
    check: Check
    channels: list[str] | None  # the publish channels; None: the database could not say
    rollups: Check | None = None  # None: the database could not say


def check_database(database_url: str, zone: ZoneInfo) -> DatabaseFindings:
    """``database_findings``, then the roll-ups of a database that answers."""
    findings = database_findings(database_url)
    if findings.channels is None:
        return findings
    engine = create_db_engine(database_url)
    try:
        with session_factory(engine)() as session:
            state = rollup_state(session)
            missing = len(days_to_roll_up(session, zone, datetime.now(UTC)))
    finally:
        engine.dispose()
    return replace(findings, rollups=rollups_check(state, missing, zone.key))


def database_findings(database_url: str) -> DatabaseFindings:
    """Whether the database answers with a current schema (it is never created nor changed
    here), and the chats results were published to."""
    try:
        url = make_url(database_url)
    except Exception:  # whatever SQLAlchemy makes of it, the URL cannot be used
        return _unusable(f"DATABASE_URL {database_url!r} is not a database URL", "correct it")
    shown = url.render_as_string(hide_password=True)
    file = url.database if url.get_backend_name() == "sqlite" else None
    if file not in (None, "", ":memory:") and not Path(file or "").exists():
        return _unusable(
            f"no database at {file}",
            "run `feedback-admin db upgrade` or start feedback-bot to create it, "
            "or correct DATABASE_URL",
        )
    try:
        engine = create_db_engine(database_url)
    except DatabaseUrlError as error:
        return _unusable(str(error), "correct DATABASE_URL")
    try:
        current, head = schema_revisions(engine)
        if current != head:
            return DatabaseFindings(_schema_problem(current, head), None)
        with session_factory(engine)() as session:
            channels = publish_channels(session)
    except SQLAlchemyError as error:
        reason = str(error.args[0]).splitlines()[0] if error.args else type(error).__name__
        return _unusable(
            f"{shown} does not answer: {reason}",
            "check DATABASE_URL, and that the database server runs and lets this user in",
        )
    finally:
        engine.dispose()
    return DatabaseFindings(Check("database", True, f"{shown} answers; schema {head}"), channels)


def _unusable(found: str, advice: str) -> DatabaseFindings:
    return DatabaseFindings(Check("database", False, found, advice), None)


def _schema_problem(current: str | None, head: str) -> Check:
    if current is None:
        return Check(
            "database",
            False,
            "the database has no schema yet",
            "run `feedback-admin db upgrade` (feedback-bot also does it when it starts)",
        )
    if current not in known_revisions():
        return Check(
            "database",
            False,
            f"the schema is at {current}, newer than this version of civic-feedback knows",
            "install the version that upgraded it",
        )
    return Check(
        "database",
        False,
        f"the schema is at {current}; this version needs {head}",
        "run `feedback-admin db upgrade` (feedback-bot also does it when it starts)",
    )


# --- Telegram ---------------------------------------------------------------------------


def _staff_names(settings: Settings) -> list[tuple[str, int]]:
    return [
        (f"staff group {name}" if name is not None else "staff group (default)", chat)
        for name, chat in settings.staff_groups.items()
    ]


def _channel_names(channels: Sequence[str]) -> list[tuple[str, int | str]]:
    return [
        (f"publish channel {chat}", int(chat) if chat.lstrip("-").isdigit() else chat)
        for chat in channels
    ]


def _dependent(settings: Settings, channels: list[str] | None) -> list[str]:
    """The checks that need an answer to getMe first."""
    return [
        "webhook",
        "pending updates",
        *(name for name, _ in _staff_names(settings)),
        *(name for name, _ in _channel_names(channels or [])),
    ]


def telegram_checks(settings: Settings, channels: list[str] | None) -> list[Check]:
    """The token, the webhook, the updates waiting, the staff groups and publish channels."""
    try:
        settings.require_bot_token()
    except SettingsError as error:
        found, _, advice = str(error).partition(": ")
        token = Check("bot token", False, found, advice or None)
        return [token, *_unchecked(settings, channels, "BOT_TOKEN cannot be used")]
    try:
        return call_bot(settings, "ask Telegram", lambda bot: _ask(bot, settings, channels))
    except Exception as error:  # a doctor reports whatever went wrong; it does not crash
        token = Check(
            "bot token",
            False,
            telegram_refusal("Telegram could not be asked", error),
            "check the network and TELEGRAM_API_URL",
        )
        return [token, *_unchecked(settings, channels, "Telegram could not be asked")]


def _unchecked(settings: Settings, channels: list[str] | None, because: str) -> list[Check]:
    return [
        not_checked(name, because, "fix the bot token first")
        for name in _dependent(settings, channels)
    ]


async def _ask(bot: Bot, settings: Settings, channels: list[str] | None) -> list[Check]:
    from aiogram.exceptions import AiogramError, TelegramNetworkError, TelegramUnauthorizedError

    try:
        me = await bot.get_me(request_timeout=TELEGRAM_TIMEOUT)
    except TelegramUnauthorizedError:
        token = Check(
            "bot token",
            False,
            "Telegram refuses BOT_TOKEN (Unauthorized): it was revoked or mistyped",
            "copy the bot's current token from @BotFather (/mybots, API Token) into BOT_TOKEN",
        )
        return [token, *_unchecked(settings, channels, "Telegram refuses the token")]
    except TelegramNetworkError as error:
        api = settings.telegram_api_url or "api.telegram.org"
        token = Check(
            "bot token",
            False,
            telegram_refusal(f"cannot reach Telegram at {api}", error),
            "check the network (a firewall, a proxy?) and TELEGRAM_API_URL",
        )
        return [token, *_unchecked(settings, channels, "Telegram cannot be reached")]
    except AiogramError as error:
        token = Check(
            "bot token",
            False,
            telegram_refusal("Telegram answered getMe with an error", error),
            "check BOT_TOKEN and TELEGRAM_API_URL",
        )
        return [token, *_unchecked(settings, channels, "getMe failed")]
    checks = [Check("bot token", True, f"@{me.username} (id {me.id})")]
    checks += await _webhook(bot, settings)
    for name, chat in _staff_names(settings):
        checks.append(await _member_check(bot, me.id, name, chat, publish=False))
    if channels is None:
        checks.append(
            not_checked("publish channels", "the database cannot say", "fix the database first")
        )
    elif not channels:
        checks.append(Check("publish channels", True, "no results published yet"))
    for name, channel in _channel_names(channels or []):
        checks.append(await _member_check(bot, me.id, name, channel, publish=True))
    return checks


async def _webhook(bot: Bot, settings: Settings) -> list[Check]:
    from aiogram.exceptions import AiogramError

    try:
        info = await bot.get_webhook_info(request_timeout=TELEGRAM_TIMEOUT)
    except AiogramError as error:
        found = telegram_refusal("getWebhookInfo failed", error)
        return [
            Check("webhook", False, found, "run the doctor again; Telegram may be busy"),
            not_checked("pending updates", "getWebhookInfo failed", "run the doctor again"),
        ]
    return [
        webhook_check(settings.webhook_url, info.url),
        pending_check(info.pending_update_count, info.last_error_message),
    ]


async def _member_check(
    bot: Bot, bot_id: int, name: str, chat: int | str, *, publish: bool
) -> Check:
    """A staff group (``publish=False``) or a publish channel, as the bot stands in it."""
    from aiogram.exceptions import (
        AiogramError,
        TelegramBadRequest,
        TelegramForbiddenError,
        TelegramMigrateToChat,
    )

    try:
        found = await bot.get_chat(chat, request_timeout=TELEGRAM_TIMEOUT)
        member = await bot.get_chat_member(chat, bot_id, request_timeout=TELEGRAM_TIMEOUT)
    except TelegramMigrateToChat as error:
        return Check(
            name,
            False,
            f"the group {chat} became a supergroup, {error.migrate_to_chat_id}",
            f"write {error.migrate_to_chat_id} in place of {chat}"
            + (" in STAFF_CHATS" if not publish else ""),
        )
    except TelegramForbiddenError as error:
        return Check(
            name,
            False,
            f"the bot is not in {chat}: {error.message}",
            "add the bot to it again" + (", or correct STAFF_CHATS" if not publish else ""),
        )
    except TelegramBadRequest as error:
        return Check(
            name,
            False,
            f"Telegram does not know {chat}: {error.message}",
            "check STAFF_CHATS: the bot says a group's id when it is added to it"
            if not publish
            else "check the channel's @name; it may have been renamed",
        )
    except AiogramError as error:
        return Check(name, False, telegram_refusal(f"cannot ask about {chat}", error), None)
    title = found.title or found.username or str(chat)
    status = str(getattr(member.status, "value", member.status))
    if publish:
        may_post = getattr(member, "can_post_messages", None)
        if found.type != "channel":
            may_post = getattr(member, "can_send_messages", None)
        return channel_check(name, chat, title, str(found.type), status, may_post)
    return staff_group_check(name, chat, title, status, getattr(member, "can_send_messages", None))
