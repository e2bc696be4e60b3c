"""Databases for tests: the schema migrated once per test process, copied for every test.

Migrating takes about a second on SQLite and two on PostgreSQL; copying a SQLite file takes a
millisecond, recreating a PostgreSQL schema from its dump a few hundredths of a second. Each
pytest-xdist worker is its own process, so it migrates its own template under names no other
worker uses.
Tests of the migrations themselves start from an empty database and migrate for real.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.storage.database import session_factory, upgrade_database

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


class PostgresSchemas:
    """Schemas of this test process in TEST_DATABASE_URL's database, each dropped after use.

    Every connection of a test works in its own schema (``search_path``), so tests never see
    each other. The schemas are named ``t_<pid>_<n>``; ``t_<pid>_template`` holds the
    migrated schema, which pg_dump writes once as the SQL that recreates it: a test's schema
    is a few dozen statements instead of a migration. Without pg_dump, each one is migrated.
    """

    def __init__(self, url: str) -> None:
        self._url = make_url(url)
        self._prefix = f"t_{os.getpid()}"
        self._admin: Engine = create_engine(self._url, isolation_level="AUTOCOMMIT")
        self._numbers = itertools.count(1)
        self._template_made = False
        self._template_sql: str | None = None

    def url(self, schema: str) -> str:
        url = self._url.update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    @contextmanager
    def empty(self) -> Iterator[str]:
        """A new schema with no tables; the URL of a database working in it."""
        schema = f"{self._prefix}_{next(self._numbers)}"
        self._execute(f"CREATE SCHEMA {schema}")
        try:
            yield self.url(schema)
        finally:
            self._execute(f"DROP SCHEMA {schema} CASCADE")

    @contextmanager
    def migrated(self) -> Iterator[str]:
        """A new schema holding the latest schema's tables; the URL of a database in it."""
        template = self._template()
        with self.empty() as url:
            if template is None:
                upgrade_database(url)
            else:
                self._execute(template.replace(self._template_name, schema_of(url)))
            yield url

    def close(self) -> None:
        if self._template_made:
            self._execute(f"DROP SCHEMA IF EXISTS {self._template_name} CASCADE")
        self._admin.dispose()

    @property
    def _template_name(self) -> str:
        return f"{self._prefix}_template"

    def _template(self) -> str | None:
        """The SQL recreating the migrated template schema (None: no pg_dump to write it)."""
        pg_dump = shutil.which("pg_dump")
        if self._template_sql is None and pg_dump is not None:
            name = self._template_name
            self._execute(f"DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}")
            self._template_made = True
            upgrade_database(self.url(name))
            server = self._url.set(drivername="postgresql", query={})
            dump = subprocess.run(
                [
                    *(pg_dump, "--no-owner", "--no-privileges", "--inserts", f"--schema={name}"),
                    *("--dbname", server.render_as_string(hide_password=False)),
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            # Lines of psql's own commands (\\restrict) are not SQL; the schema exists already.
            self._template_sql = "\n".join(
                line
                for line in dump.splitlines()
                if not line.startswith("\\") and line != f"CREATE SCHEMA {name};"
            )
        return self._template_sql

    def _execute(self, sql: str) -> None:
        with self._admin.connect() as connection:
            connection.exec_driver_sql(sql)


@contextmanager
def second_postgres_database(url: str, purpose: str, schema: str) -> Iterator[str]:
    """A new database beside ``url``'s, named after it (``<its name>_<purpose>_<pid>``) and
    dropped after use, with an empty ``schema`` its URL works in: where a test restores."""
    base = make_url(url)
    name = f"{base.database}_{purpose}_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        second = base.set(database=name).update_query_dict({"options": f"-csearch_path={schema}"})
        inside = create_engine(second, isolation_level="AUTOCOMMIT")
        with inside.connect() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        inside.dispose()
        yield second.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def schema_of(url: str) -> str:
    """The schema a URL of ``PostgresSchemas`` works in."""
    options = str(make_url(url).query["options"])
    return options.removeprefix("-csearch_path=")


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
