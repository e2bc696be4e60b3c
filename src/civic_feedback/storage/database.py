"""Engine and session factory from ``DATABASE_URL``, and the schema upgrade."""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.storage.advisory_locks import upgrade_lock

log = logging.getLogger(__name__)
MMAP_SIZE = 1 << 30  # bytes of a SQLite file read through memory mapping
POOL_SIZE = 10  # connections kept open: the units of work, the jobs, the summaries
POOL_OVERFLOW = 5  # more, opened for a burst and closed after it
POOL_TIMEOUT = 3.0  # seconds a unit of work waits for a free connection


class DatabaseUrlError(ValueError):
    """DATABASE_URL cannot be used."""


class SchemaVersionError(DatabaseUrlError):
    """The database's schema is one this version of the code cannot serve."""


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError:
        raise DatabaseUrlError(
            f"DATABASE_URL {url!r} is not a database URL; "
            "write e.g. sqlite:///./feedback.db or postgresql+psycopg://user@host/db"
        ) from None


def create_db_engine(url: str, *, memory_mapped: bool = True) -> Engine:
    """An engine for any SQLAlchemy URL; SQLite gets WAL, foreign keys and a busy timeout.

    ``memory_mapped=False``: SQLite reads its file page by page instead of mapping it, for a
    process that reads the whole database once (an export), whose resident memory would
    otherwise grow by every page of the file it read.
    """
    parsed = _parse(url)
    # A unit of work holds a connection only while it runs, never across a network wait, so
    # a small pool serves any number of updates; a unit that still finds none free within
    # POOL_TIMEOUT fails its own update loudly instead of leaving every update waiting.
    pool = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW, "pool_timeout": POOL_TIMEOUT}
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True, **pool)
    engine = create_engine(parsed, **pool)
    mmap_size = MMAP_SIZE if memory_mapped else 0
    event.listen(engine, "connect", lambda connection, _: _configure_sqlite(connection, mmap_size))
    return engine


def _configure_sqlite(dbapi_connection: Any, mmap_size: int) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer. NORMAL: a commit survives the process being
    # killed (kill -9); only a power cut can lose the last commits.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Reads go straight to the operating system's cache of the file instead of being copied
    # page by page into SQLite's own 2 MB one: summaries read tens of MB of index pages, in
    # half the time. (Writes are unchanged; the address space reserved is not memory used.)
    cursor.execute(f"PRAGMA mmap_size={mmap_size}")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that never flush on their own and keep objects usable after commit."""
    # autoflush=False: nothing is written before the explicit commit, so a write
    # transaction (SQLite's single writer lock) never stays open across an await.
    # expire_on_commit=False: objects stay readable after commit without a new query.
    return sessionmaker(engine, class_=Session, autoflush=False, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files(__package__) / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def schema_revisions(engine: Engine) -> tuple[str | None, str | None]:
    """The database's schema revision (None: empty) and the newest this code knows."""
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    url = engine.url.render_as_string(hide_password=False)
    return current, ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def upgrade_database(
    url: str, revision: str = "head", *, then: Callable[[Session], object] | None = None
) -> None:
    """Bring the schema up to ``revision`` (creating the database file when needed).

    On PostgreSQL an advisory lock makes replicas that start together upgrade one after the
    other: the first migrates, the others find the schema current. ``then`` runs before the
    lock is released, for other start-up writes replicas must not race on. A schema newer
    than this code (another replica already runs a later version) is refused, never
    downgraded.
    """
    _parse(url)  # a wrong DATABASE_URL is one clear line, before anything else uses it
    with upgrade_lock(url) as waited:
        if waited:
            log.info("schema_upgrade_waited: another process held the upgrade lock")
        engine = create_db_engine(url)
        try:
            before, head = schema_revisions(engine)
            _refuse_unknown(url, before, head)
            command.upgrade(alembic_config(url), revision)
            after, _ = schema_revisions(engine)
            if then is not None:
                with session_factory(engine).begin() as session:
                    then(session)
        finally:
            engine.dispose()
    if after != before:
        log.info("schema_upgraded from=%s to=%s", before, after)
    if revision == "head" and after != head:
        raise SchemaVersionError(f"the database schema is at {after} after the upgrade, not {head}")


def _refuse_unknown(url: str, current: str | None, head: str | None) -> None:
    if current is None:
        return
    try:
        ScriptDirectory.from_config(alembic_config(url)).get_revision(current)
    except CommandError:
        raise SchemaVersionError(
            f"the database schema is at revision {current}, newer than this version of "
            f"civic-feedback knows (its latest is {head}): install the version that upgraded it"
        ) from None


def downgrade_database(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def affected(result: object) -> int:
    """Rows an UPDATE or DELETE changed (0 when the driver cannot say)."""
    return int(getattr(result, "rowcount", 0) or 0)
