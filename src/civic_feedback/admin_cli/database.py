"""Open the configured database for a command: an empty one is set up, an out-of-date
schema is refused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.admin_cli.errors import CliError
from civic_feedback.settings import Settings
from civic_feedback.storage.database import (
    create_db_engine,
    has_no_tables,
    schema_revisions,
    session_factory,
    upgrade_database,
)
from civic_feedback.storage.flow_versions import install_library

_notes = Console(stderr=True, highlight=False, soft_wrap=True)


@contextmanager
def open_session(
    settings: Settings, *, memory_mapped: bool = True, set_up_empty: bool = True
) -> Iterator[Session]:
    """A session on DATABASE_URL, the command's one transaction: committed when the command
    ends well, rolled back when it fails.

    An empty database (a first run, before the bot ever started) is given the schema and the
    built-in forms, as ``feedback-bot`` does when it starts, with one line on stderr saying
    so. A database with tables but a schema behind the code is an error that says what to do:
    a bot of another version may be running on it, so it is never upgraded behind the
    operator's back.

    ``memory_mapped``: see ``create_db_engine``. ``set_up_empty=False``: an empty database
    is refused like an old one, for a command that stores nothing.
    """
    checked = open_sessions(settings, memory_mapped=memory_mapped, set_up_empty=set_up_empty)
    with checked as sessions, sessions.begin() as session:
        yield session


@contextmanager
def open_sessions(
    settings: Settings, *, memory_mapped: bool = True, set_up_empty: bool = True
) -> Iterator[sessionmaker[Session]]:
    """Sessions on DATABASE_URL for a command that commits in steps (``sessions.begin()``
    for each), checked and set up as ``open_session`` does."""
    engine = create_db_engine(settings.database_url, memory_mapped=memory_mapped)
    try:
        current, head = schema_revisions(engine)
        if set_up_empty and current is None and has_no_tables(engine):
            set_up(settings.database_url)
            current, head = schema_revisions(engine)
        if current != head:
            raise CliError(
                "the database schema is not up to date: run `feedback-admin db upgrade` first"
            )
        yield session_factory(engine)
    finally:
        engine.dispose()


def upgrade_schema(database_url: str) -> list[str]:
    """Bring the schema up to date and install the built-in forms not installed yet, as
    ``db upgrade`` does (and ``restore`` after restoring); the forms installed."""
    installed: list[str] = []

    def install_forms(session: Session) -> None:
        installed.extend(published.flow_id for published in install_library(session))

    upgrade_database(database_url, then=install_forms)
    return installed


def set_up(database_url: str) -> None:
    """Create the schema of an empty database and install the built-in forms."""
    upgrade_database(database_url, then=install_library)
    _notes.print(
        "The database was empty: created its tables and installed the built-in forms.",
        markup=False,
    )
