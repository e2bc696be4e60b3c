"""Logs: one line per event (tracebacks folded into it), secrets never written.

``LOG_LEVEL`` is the level of the bot's own events (the ``civic_feedback`` loggers); the
libraries it uses (aiogram, APScheduler, Alembic, SQLAlchemy, aiohttp...) speak only from
WARNING, so a quiet day prints nothing. ``LOG_LEVEL=DEBUG`` also lets the libraries' INFO
lines through (APScheduler's job runs, Alembic's migrations, aiogram's updates), except
SQLAlchemy's: at INFO it writes every statement with its values, citizens' answers included.
``LOG_FORMAT=json`` writes one JSON object per line, for log collectors.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal

REDACTED = "<redacted>"
OWN = "civic_feedback"  # the package's loggers are named after their modules
LogFormat = Literal["text", "json"]


class _RedactingFormatter(logging.Formatter):
    def __init__(self, fmt: str | None, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        # The longest first: a token contains its own bot id, which must not survive alone.
        self.secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


class OneLineRedactingFormatter(_RedactingFormatter):
    """Formats as usual, then folds line breaks and replaces every secret."""

    def format(self, record: logging.LogRecord) -> str:
        text = self.redact(super().format(record))
        return text.replace("\r", "").replace("\n", " \\n ")


class JsonRedactingFormatter(_RedactingFormatter):
    """One JSON object per record: time (UTC), level, logger, message and any traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__(None, secrets)

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        # Redacted before encoding: JSON's escapes could otherwise hide a secret from the search.
        return json.dumps({k: self.redact(v) for k, v in entry.items()}, ensure_ascii=False)


def configure_logging(
    secrets: Iterable[str], level: str = "INFO", log_format: LogFormat = "text"
) -> None:
    """Root logging to stderr for ``feedback-bot``; ``secrets`` (the token, keys) are hidden."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonRedactingFormatter(secrets)
        if log_format == "json"
        else OneLineRedactingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", secrets)
    )
    debugging = logging.getLevelNamesMapping()[level] <= logging.DEBUG
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if debugging else logging.WARNING)
    logging.getLogger(OWN).setLevel(level)
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
