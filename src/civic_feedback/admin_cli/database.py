"""Open the configured database for a command, refusing an out-of-date schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from civic_feedback.admin_cli.errors import CliError
from civic_feedback.settings import Settings
from civic_feedback.storage.database import create_db_engine, schema_revisions, session_factory


@contextmanager
def open_session(settings: Settings, *, memory_mapped: bool = True) -> Iterator[Session]:
    """A session on DATABASE_URL, the command's one transaction: committed when the command
    ends well, rolled back when it fails. A schema behind the code is an error that says what
    to do.

    ``memory_mapped``: see ``create_db_engine``.
    """
    engine = create_db_engine(settings.database_url, memory_mapped=memory_mapped)
    try:
        current, head = schema_revisions(engine)
        if current != head:
            raise CliError(
                "the database schema is not up to date: run `feedback-admin db upgrade` first"
            )
        with session_factory(engine).begin() as session:
            yield session
    finally:
        engine.dispose()
