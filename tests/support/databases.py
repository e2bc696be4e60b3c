"""Databases for tests: the schema migrated once per test process, copied for every test.

Migrating takes about a second on SQLite and two on PostgreSQL; copying takes a millisecond
(a SQLite file) or a fifth of a second (``CREATE DATABASE ... TEMPLATE``). Each pytest-xdist
worker is its own process, so it migrates its own template under names no other worker uses.
Tests of the migrations themselves start from an empty database and migrate for real.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from civic_feedback.storage.database import upgrade_database

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
NO_POSTGRES = "PostgreSQL tests need TEST_DATABASE_URL (.ci/run sets it)"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def migrated_sqlite(path: Path) -> str:
    """A SQLite file at ``path`` holding the latest schema; its URL."""
    shutil.copyfile(_sqlite_template(), path)
    return sqlite_url(path)


_keep: list[tempfile.TemporaryDirectory[str]] = []


@cache
def _sqlite_template() -> Path:
    directory = tempfile.TemporaryDirectory(prefix="feedback-template-")
    _keep.append(directory)  # removed when the process exits
    path = Path(directory.name) / "template.db"
    upgrade_database(sqlite_url(path))
    # The migration's engine is disposed: its WAL was checkpointed into the file and removed.
    assert not path.with_name(f"{path.name}-wal").exists()
    return path


class PostgresDatabases:
    """Databases of this test process on TEST_DATABASE_URL's server, each dropped after use.

    They are named after TEST_DATABASE_URL's database and this process: ``<db>_<pid>_<n>``,
    and ``<db>_<pid>_template`` for the migrated schema they are copied from. The server
    creates the next test's database and drops the last one's while the tests run: one
    thread of this process does it, in order, so a test only waits when the server is slow.
    """

    def __init__(self, url: str) -> None:
        self._url = make_url(url)
        self._prefix = f"{self._url.database}_{os.getpid()}"
        self._admin: Engine = create_engine(self._url, isolation_level="AUTOCOMMIT")
        self._numbers = itertools.count(1)
        self._template: str | None = None
        self._server = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-databases")
        self._next: dict[str, Future[str]] = {}  # template -> its next copy, being created

    def url(self, database: str) -> str:
        return self._url.set(database=database).render_as_string(hide_password=False)

    @contextmanager
    def empty(self) -> Iterator[str]:
        """A new database with no tables; its URL."""
        with self._copy_of("template0") as url:
            yield url

    @contextmanager
    def migrated(self) -> Iterator[str]:
        """A new database holding the latest schema; its URL."""
        with self._copy_of(self._migrated_template()) as url:
            yield url

    def close(self) -> None:
        for copy in self._next.values():
            self._server.submit(self._drop, copy.result())
        self._server.shutdown(wait=True)
        if self._template is not None:
            self._drop(self._template)
        self._admin.dispose()

    def _migrated_template(self) -> str:
        if self._template is None:
            name = f"{self._prefix}_template"
            self._drop(name)  # left by an earlier run of a process with the same id
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
            self._template = name
            upgrade_database(self.url(name))  # disposes its engine: no one stays connected
        return self._template

    @contextmanager
    def _copy_of(self, template: str) -> Iterator[str]:
        ready = self._next.pop(template, None)
        name = ready.result() if ready is not None else self._create(template)
        self._next[template] = self._server.submit(self._create, template)
        try:
            yield self.url(name)
        finally:
            self._server.submit(self._drop, name)

    def _create(self, template: str) -> str:
        name = f"{self._prefix}_{next(self._numbers)}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def _drop(self, name: str) -> None:
        # FORCE: connections a test left open (a killed bot's, a pool's) do not keep it.
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _execute(self, statement: str) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(statement))
