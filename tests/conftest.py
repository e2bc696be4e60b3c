"""Shared fixtures: a migrated database per test, and the settings the bot would read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.storage.database import create_db_engine, session_factory, upgrade_database

PSEUDONYM_KEY = "test-pseudonym-secret-0123456789"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A new SQLite database file, migrated to the latest schema."""
    url = f"sqlite:///{tmp_path / 'feedback.db'}"
    upgrade_database(url)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session
