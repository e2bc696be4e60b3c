"""The one kind of failure a command reports: a single line and a non-zero exit."""

from __future__ import annotations


class CliError(Exception):
    """Shown to the user as ``error: <message>``; exit status ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code
