"""``feedback-bot``: run the bot; ``feedback-bot sandbox``: try it without Telegram."""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys

from civic_feedback.bot.log_setup import configure_logging
from civic_feedback.settings import Settings, SettingsError, load_settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="feedback-bot",
        description="Run the civic-feedback Telegram bot (settings from the environment and .env).",
    )
    commands = parser.add_subparsers(dest="command", metavar="{sandbox}")
    sandbox = commands.add_parser(
        "sandbox",
        help="try the whole bot in a browser, with no Telegram and no token",
        description="Run the bot against a local Telegram emulator with a web chat page, "
        "on 127.0.0.1 only; a scratch database unless DATABASE_URL is set (.env is not read).",
    )
    sandbox.add_argument("--port", type=int, default=8080, help="page port (0: any free one)")
    sandbox.add_argument(
        "--history",
        action="store_true",
        help="also six past weeks of demo events, feedback and messages (for summaries, "
        "the console and feedback-admin report)",
    )
    args = parser.parse_args(argv)
    configure_logging(secrets=())
    # Start-up builds what lives as long as the process (aiogram's Bot API types, the tables,
    # the routers): the garbage collector's passes over it, again and again while it grows,
    # would find nothing to free. run_bot freezes it all once up and turns the collector on.
    gc.disable()
    try:
        if args.command == "sandbox":
            _run_sandbox(args.port, history=args.history)
        else:
            _run_bot()
    finally:
        gc.enable()  # when start-up failed before run_bot turned it on


def _run_bot() -> None:
    try:
        settings = load_settings()
        token = settings.require_bot_token()
        key = settings.require_pseudonym_key()
        if settings.webhook_url:
            settings.require_webhook_secret()
    except SettingsError as error:
        sys.exit(f"feedback-bot: {error}")
    secrets = [token, key.decode(), *_secret_values(settings)]
    configure_logging(secrets, settings.log_level, settings.log_format)

    # Imported once the settings are known to be right, so that a mistake in them is told at
    # once, not after the seconds aiogram takes to load; and after the collector is off.
    from sqlalchemy.exc import SQLAlchemyError

    from civic_feedback.storage.database import DatabaseUrlError, parse_database_url

    try:
        parse_database_url(settings.database_url)
    except DatabaseUrlError as error:
        sys.exit(f"feedback-bot: {error}")

    from civic_feedback.bot.app import run_bot

    try:
        asyncio.run(run_bot(settings, token, key))
    except (SettingsError, DatabaseUrlError) as error:
        sys.exit(f"feedback-bot: {error}")
    except SQLAlchemyError as error:
        sys.exit(f"feedback-bot: cannot use the database ({type(error).__name__}: {error.args[0]})")
    except KeyboardInterrupt:
        pass


def _run_sandbox(port: int, *, history: bool) -> None:
    # The one place bot code reaches the sandbox: the emulator and page load only when asked.
    from sqlalchemy.exc import SQLAlchemyError

    from civic_feedback.sandbox.runner import SandboxError, run_sandbox
    from civic_feedback.storage.database import DatabaseUrlError

    try:
        asyncio.run(run_sandbox(port, lambda text: print(text, flush=True), history=history))
    except (SettingsError, DatabaseUrlError, SandboxError) as error:
        sys.exit(f"feedback-bot sandbox: {error}")
    except SQLAlchemyError as error:
        sys.exit(f"feedback-bot sandbox: cannot use the database ({type(error).__name__})")
    except KeyboardInterrupt:
        pass


def _secret_values(settings: Settings) -> list[str]:
    secret = settings.webhook_secret
    return [secret.get_secret_value()] if secret else []


if __name__ == "__main__":
    main()
