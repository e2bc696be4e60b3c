"""Engine and session factory from ``DATABASE_URL``, and the schema upgrade."""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import resources
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.storage.advisory_locks import upgrade_lock
from civic_feedback.storage.revisions import current_revision, known_revisions, newest_revision

if TYPE_CHECKING:  # Alembic is imported only when a migration runs
    from alembic.config import Config

log = logging.getLogger(__name__)
MMAP_SIZE = 1 << 30  # bytes of a SQLite file read through memory mapping
POOL_SIZE = 10  # connections kept open: the units of work, the jobs, the summaries
POOL_OVERFLOW = 5  # more, opened for a burst and closed after it
POOL_TIMEOUT = 3.0  # seconds a unit of work waits for a free connection


class DatabaseUrlError(ValueError):
    """DATABASE_URL cannot be used."""


class SchemaVersionError(DatabaseUrlError):
    """The database's schema is one this version of the code cannot serve."""


def parse_database_url(url: str) -> URL:
    """DATABASE_URL parsed, or a DatabaseUrlError saying how one is written."""
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
    parsed = parse_database_url(url)
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
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files(__package__) / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def schema_revisions(engine: Engine) -> tuple[str | None, str]:
    """The database's schema revision (None: empty) and the newest this code knows."""
    with engine.connect() as connection:
        return current_revision(connection), newest_revision()


def has_no_tables(engine: Engine) -> bool:
    """Whether the database (on PostgreSQL: the schema it works in) holds no table at all."""
    with engine.connect() as connection:
        return not inspect(connection).get_table_names()


def upgrade_database(
    url: str, revision: str = "head", *, then: Callable[[Session], object] | None = None
) -> None:
    """Bring the schema up to ``revision`` (creating the database file when needed).

    On PostgreSQL an advisory lock makes replicas that start together upgrade one after the
    other: the first migrates, the others find the schema current. ``then`` runs before the
    lock is released, for other start-up writes replicas must not race on. A schema newer
    than this code (another replica already runs a later version) is refused, never
    downgraded. A schema already at ``revision`` is left alone without starting Alembic.
    """
    parse_database_url(url)  # a wrong DATABASE_URL is one clear line, before anything else uses it
    with upgrade_lock(url) as waited:
        if waited:
            log.info("schema_upgrade_waited: another process held the upgrade lock")
        engine = create_db_engine(url)
        try:
            before, head = schema_revisions(engine)
            after = before
            if before != (head if revision == "head" else revision):
                _refuse_unknown(before, head)
                _upgrade(url, revision)
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


def _refuse_unknown(current: str | None, head: str) -> None:
    if current is not None and current not in known_revisions():
        raise SchemaVersionError(
            f"the database schema is at revision {current}, newer than this version of "
            f"civic-feedback knows (its latest is {head}): install the version that upgraded it"
        )


def _upgrade(url: str, revision: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade_database(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def affected(result: object) -> int:
    """Rows an UPDATE or DELETE changed (0 when the driver cannot say)."""
    return int(getattr(result, "rowcount", 0) or 0)
