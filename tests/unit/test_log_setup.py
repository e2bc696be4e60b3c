"""The bot's logs: secrets replaced, one line per event even with a traceback."""

from __future__ import annotations

import logging

from civic_feedback.bot.log_setup import REDACTED, OneLineRedactingFormatter

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
