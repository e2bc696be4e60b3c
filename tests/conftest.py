"""Shared fixtures: a migrated database per test, and the settings the bot would read."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.storage.database import create_db_engine, session_factory, upgrade_database

PSEUDONYM_KEY = "test-pseudonym-secret-0123456789"


POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database: a SQLite file, or a scratch schema on TEST_DATABASE_URL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'feedback.db'}"
        return
    with scratch_schema() as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty scratch schema on TEST_DATABASE_URL, for what only PostgreSQL has."""
    with scratch_schema() as url:
        yield url


@contextmanager
def scratch_schema() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (.ci/run sets it)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    # Every connection of this test works in its own schema, so tests never see each other.
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def database_url(empty_database_url: str) -> str:
    """A new database migrated to the latest schema (SQLite, and PostgreSQL when configured)."""
    upgrade_database(empty_database_url)
    return empty_database_url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


class UnitSession(Session):
    """A test's ``with sessions() as session:`` block is the caller's unit of work, as the
    bot's units and the admin commands are: what it wrote is committed when it ends without
    an error, rolled back when it raises."""

    def __exit__(self, type_: object, value: object, traceback: object) -> None:
        if type_ is None and self.is_active:  # not after a failed flush the test caught
            self.commit()
        super().__exit__(type_, value, traceback)


def unit_sessions(engine: Engine) -> sessionmaker[Session]:
    """The product's session factory, its sessions committing as a block ends."""
    return sessionmaker(class_=UnitSession, **session_factory(engine).kw)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return unit_sessions(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


@pytest.fixture(autouse=True)
def no_connection_held_across_telegram() -> Iterator[None]:
    """Fail a test whose bot called Telegram while holding a database connection."""
    from tests.recording_session import RecordingSession

    RecordingSession.made.clear()
    yield
    held = [call for api in RecordingSession.made for call in api.held_connections]
    RecordingSession.made.clear()
    assert not held, "Bot API calls made inside a transaction: " + "; ".join(held)
