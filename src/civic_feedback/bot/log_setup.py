"""Logs: one line per event (tracebacks folded into it), secrets never written."""

from __future__ import annotations

import logging
from collections.abc import Iterable

REDACTED = "<redacted>"


class OneLineRedactingFormatter(logging.Formatter):
    """Formats as usual, then folds line breaks and replaces every secret."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        # The longest first: a token contains its own bot id, which must not survive alone.
        self.secrets = sorted({s for s in secrets if len(s) >= 8}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text.replace("\r", "").replace("\n", " \\n ")


def configure_logging(secrets: Iterable[str], level: int = logging.INFO) -> None:
    """Root logging to stderr for ``feedback-bot``; ``secrets`` (the token, keys) are hidden."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        OneLineRedactingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", secrets)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)  # one line per update is noise
