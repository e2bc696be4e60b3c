"""PostgreSQL advisory locks: the leader's, held for a process's life, and the schema upgrade's.

A lock's key is (purpose, hash of the current schema), so deployments in separate schemas of
one database never block each other. Both are session-level locks: the server releases them
when the session ends, however it ends (the process killed, the connection cut).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:  # psycopg is only installed where PostgreSQL is used
    import psycopg

LEADER = 7_310_001  # the first key of the leader's lock
UPGRADE = 7_310_002  # the first key of the schema upgrade's lock
_KEY = "hashtext(current_schema())"
_TRY_LOCK = text(f"SELECT pg_try_advisory_lock(:purpose, {_KEY})")
_LOCK = text(f"SELECT pg_advisory_lock(:purpose, {_KEY})")
_HELD = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
    f" AND granted AND classid = :purpose AND objid = {_KEY}::oid AND objsubid = 2"
)
_LEADING = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    f" AND classid = :purpose AND objid = {_KEY}::oid AND objsubid = 2"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
_CHANNEL = "'civic_feedback.' || current_schema()"
_NOTIFY = text(f"SELECT pg_notify({_CHANNEL}, :topic)")

# A dead peer is noticed within about 10 s on both sides: the server then ends the session
# (releasing the lock) and the client's next check fails, instead of TCP's two hours.
_CLIENT_KEEPALIVE = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 2,
}
_SERVER_KEEPALIVE = ("tcp_keepalives_idle = 5", "tcp_keepalives_interval = 2",
                     "tcp_keepalives_count = 2")  # fmt: skip


class LockLostError(RuntimeError):
    """The lock's session ended or no longer holds it."""


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def _lock_engine(url: str) -> Engine:
    """Connections of their own, outside the pool, that never stay inside a transaction."""
    return create_engine(
        url, poolclass=NullPool, isolation_level="AUTOCOMMIT", connect_args=_CLIENT_KEEPALIVE
    )


class LeaderLock:
    """The leader's lock on a dedicated connection, which also hears wake-up calls."""

    def __init__(self, url: str) -> None:
        self._engine = _lock_engine(url)
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; keep the connection only when it was taken."""
        connection = self._engine.connect()
        try:
            for setting in _SERVER_KEEPALIVE:
                connection.exec_driver_sql(f"SET {setting}")
            channel = connection.execute(text(f"SELECT {_CHANNEL}")).scalar_one()
            quoted = connection.dialect.identifier_preparer.quote_identifier(channel)
            connection.exec_driver_sql(f"LISTEN {quoted}")
            taken = bool(connection.execute(_TRY_LOCK, {"purpose": LEADER}).scalar_one())
        except BaseException:
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def confirm(self, wait: float) -> list[str]:
        """Wait up to ``wait`` seconds for wake-up calls, then make sure the lock is still
        held; returns the calls' topics. Raises LockLostError (or the driver's error)."""
        if self._connection is None:
            raise LockLostError("not acquired")
        driver = cast("psycopg.Connection[Any]", self._connection.connection.driver_connection)
        topics = [n.payload for n in driver.notifies(timeout=wait, stop_after=1)]
        if not self._connection.execute(_HELD, {"purpose": LEADER}).scalar_one():
            raise LockLostError("the lock is no longer held")
        return topics

    def release(self) -> None:
        """End the session, which releases the lock. Never raises: the lock is gone anyway."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with suppress(Exception):  # a broken connection: the server ended the session
                connection.close()

    def dispose(self) -> None:
        self.release()
        self._engine.dispose()


def wake_leader(engine: Engine, topic: str) -> None:
    """Ask the leader, whichever process it is, to look for due work of ``topic`` now."""
    with engine.begin() as connection:
        connection.execute(_NOTIFY, {"topic": topic})


def leader_running(connection: Connection) -> bool:
    """Whether a bot leads on the connection's schema: some process holds its leader lock."""
    return bool(connection.execute(_LEADING, {"purpose": LEADER}).scalar_one())


@contextmanager
def upgrade_lock(url: str) -> Iterator[bool]:
    """Hold the upgrade lock (waiting for it); yields whether another process held it first.
    Does nothing on SQLite, where one process owns the file."""
    if not is_postgresql(url):
        yield False
        return
    engine = _lock_engine(url)
    try:
        with engine.connect() as connection:
            waited = not connection.execute(_TRY_LOCK, {"purpose": UPGRADE}).scalar_one()
            if waited:
                connection.execute(_LOCK, {"purpose": UPGRADE})
            yield waited  # released when the connection closes
    finally:
        engine.dispose()
