"""``feedback-bot``: run the bot."""

from __future__ import annotations

import argparse
import asyncio
import sys

from sqlalchemy.exc import SQLAlchemyError

from civic_feedback.bot.app import run_bot
from civic_feedback.bot.log_setup import configure_logging
from civic_feedback.settings import Settings, SettingsError, load_settings
from civic_feedback.storage.database import DatabaseUrlError


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="feedback-bot",
        description="Run the civic-feedback Telegram bot (settings from the environment and .env).",
    )
    parser.parse_args(argv)
    configure_logging(secrets=())
    try:
        settings = load_settings()
        token = settings.require_bot_token()
        key = settings.require_pseudonym_key()
        configure_logging(secrets=[token, key.decode(), *_secret_values(settings)])
        asyncio.run(run_bot(settings, token, key))
    except (SettingsError, DatabaseUrlError) as error:
        sys.exit(f"feedback-bot: {error}")
    except SQLAlchemyError as error:
        sys.exit(f"feedback-bot: cannot use the database ({type(error).__name__}: {error.args[0]})")
    except KeyboardInterrupt:
        pass


def _secret_values(settings: Settings) -> list[str]:
    secret = settings.webhook_secret
    return [secret.get_secret_value()] if secret else []


if __name__ == "__main__":
    main()
