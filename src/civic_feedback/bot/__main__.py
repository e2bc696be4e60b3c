"""``feedback-bot``: run the bot."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from sqlalchemy.exc import SQLAlchemyError

from civic_feedback.bot.app import run_polling
from civic_feedback.settings import SettingsError, load_settings
from civic_feedback.storage.database import DatabaseUrlError


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="feedback-bot",
        description="Run the civic-feedback Telegram bot (settings from the environment and .env).",
    )
    parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)  # one line per update is noise
    try:
        settings = load_settings()
        token = settings.require_bot_token()
        key = settings.require_pseudonym_key()
        asyncio.run(run_polling(settings, token, key))
    except (SettingsError, DatabaseUrlError) as error:
        sys.exit(f"feedback-bot: {error}")
    except SQLAlchemyError as error:
        sys.exit(f"feedback-bot: cannot use the database ({type(error).__name__}: {error.args[0]})")
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
