"""Fixtures of every level: a database of its own per test, migrated or empty, on each backend."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.storage.database import create_db_engine
from tests.support.databases import (
    NO_POSTGRES,
    POSTGRES_URL,
    PostgresSchemas,
    migrated_sqlite,
    sqlite_url,
    unit_sessions,
)

# Rich fixes a console's width from COLUMNS when the console is made, and feedback-admin's
# are made at import, which a test module may do first; without COLUMNS here, each console
# reads the width at every print, from the environment of the command being run
# (tests/support/admin_cli.py). A terminal (or pytest-xdist's workers) may set it.
os.environ.pop("COLUMNS", None)


@pytest.fixture(scope="session")
def postgres_schemas() -> Iterator[PostgresSchemas]:
    """This test process's schemas on TEST_DATABASE_URL (skips the test when it is unset)."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    schemas = PostgresSchemas(POSTGRES_URL)
    yield schemas
    schemas.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each database test runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""
    return str(request.param)


@pytest.fixture
def empty_database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """A new, empty database: a SQLite file, or a schema of its own on TEST_DATABASE_URL."""
    if backend == "sqlite":
        yield sqlite_url(tmp_path / "feedback.db")
        return
    schemas: PostgresSchemas = request.getfixturevalue("postgres_schemas")
    with schemas.empty() as url:
        yield url


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database holding the latest schema (SQLite, and PostgreSQL when configured)."""
    if backend == "sqlite":
        yield migrated_sqlite(tmp_path / "feedback.db")
        return
    schemas: PostgresSchemas = request.getfixturevalue("postgres_schemas")
    with schemas.migrated() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_schemas: PostgresSchemas) -> Iterator[str]:
    """An empty schema of its own on TEST_DATABASE_URL, for what only PostgreSQL has."""
    with postgres_schemas.empty() as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


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
    from tests.support.recording_session import RecordingSession

    RecordingSession.made.clear()
    yield
    held = [call for api in RecordingSession.made for call in api.held_connections]
    RecordingSession.made.clear()
    assert not held, "Bot API calls made inside a transaction: " + "; ".join(held)
