"""The bot's logs: secrets replaced, one line per event even with a traceback, the bot's own
events at LOG_LEVEL and the libraries' from WARNING."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from civic_feedback.bot.log_setup import (
    OWN,
    REDACTED,
    JsonRedactingFormatter,
    OneLineRedactingFormatter,
    configure_logging,
)

TOKEN = "123456789:AAE-secret-part-of-the-token"


def record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("civic", logging.ERROR, __file__, 1, message, args, exc_info)


def test_the_token_never_appears_even_inside_a_url_or_an_argument() -> None:
    formatter = OneLineRedactingFormatter("%(message)s", [TOKEN, "short"])

    line = formatter.format(
        record("request to https://api.telegram.org/bot%s/getMe failed: %s", TOKEN, "short")
    )

    assert TOKEN not in line
    assert f"/bot{REDACTED}/getMe" in line
    assert "short" in line  # too short to be a secret: left alone, never half-redacted


def test_a_traceback_is_folded_into_the_same_line() -> None:
    formatter = OneLineRedactingFormatter("%(levelname)s %(message)s", [TOKEN])
    try:
        raise RuntimeError(f"bad token {TOKEN}\nsecond line")
    except RuntimeError as error:
        line = formatter.format(record("update_failed", exc=error))

    assert "\n" not in line
    assert line.startswith("ERROR update_failed")
    assert "Traceback" in line
    assert TOKEN not in line


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """configure_logging changes the process's loggers: put them back after the test."""
    names = ("", OWN, "sqlalchemy")
    saved = [(logging.getLogger(n), logging.getLogger(n).level) for n in names]
    handlers = logging.getLogger().handlers[:]
    yield
    for logger, level in saved:
        logger.setLevel(level)
    logging.getLogger().handlers[:] = handlers


@pytest.mark.usefixtures("restored_logging")
@pytest.mark.parametrize(
    ("level", "own", "libraries"),
    [("INFO", logging.INFO, logging.WARNING), ("DEBUG", logging.DEBUG, logging.INFO)],
)
def test_own_events_are_logged_at_log_level_and_the_libraries_from_warning_unless_debugging(
    level: str, own: int, libraries: int
) -> None:
    configure_logging([], level)

    assert logging.getLogger("civic_feedback.bot.app").getEffectiveLevel() == own
    for library in ("apscheduler.executors.default", "alembic.runtime.migration", "aiogram"):
        assert logging.getLogger(library).getEffectiveLevel() == libraries
    # SQLAlchemy's INFO lines are its statements with their values: citizens' answers.
    assert logging.getLogger("sqlalchemy.engine.Engine").getEffectiveLevel() == logging.WARNING


def test_a_json_line_holds_the_event_and_its_traceback_without_the_token() -> None:
    formatter = JsonRedactingFormatter([TOKEN])
    try:
        raise RuntimeError(f"bad token {TOKEN}\nsecond line")
    except RuntimeError as error:
        line = formatter.format(record("update_failed %s", TOKEN, exc=error))

    entry = json.loads(line)
    assert "\n" not in line
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "civic"
    assert entry["message"] == f"update_failed {REDACTED}"
    assert "RuntimeError" in entry["traceback"]
    assert entry["time"].endswith("+00:00")
    assert TOKEN not in line
