"""PostgreSQL's side of a backup: pg_dump and pg_restore, the PostgreSQL client's tools.

Taking: a REPEATABLE READ transaction exports its snapshot, pg_dump dumps from that very
snapshot, and the row counts and the schema revision are read in the same transaction, so
the manifest describes exactly what the dump holds while citizens keep answering (their
later commits are simply not in it). Only the schema the bot works in (the first of its
search_path, usually ``public``) is dumped: deployments may share a database in separate
schemas.

Restoring: ``pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction``
replaces the tables in one transaction, so a failure leaves the target as it was. The schema
object itself is left out of the restore list: dropping and creating ``public`` needs the
database owner's rights and would drop whatever else lives in it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from civic_feedback.storage.backup_archive import TABLE_NAME, BackupError
from civic_feedback.storage.revisions import current_revision

INSTALL = (
    "install the PostgreSQL client (Debian: apt install postgresql-client) of the server's "
    "major version"
)
LOCK_WAIT_MS = 60_000  # pg_dump gives up rather than wait behind a migration for ever
# Entries of `pg_restore --list` for the schema object and its comment.
_SCHEMA_ENTRY = re.compile(r"^\d+; \d+ \d+ (SCHEMA|COMMENT) - (SCHEMA )?\S+ ")


@dataclass(frozen=True)
class Snapshot:
    """A moment of the database that pg_dump can dump, and what it holds."""

    id: str
    namespace: str  # the PostgreSQL schema the bot works in
    revision: str | None
    tables: dict[str, int]


def require_tool(name: str) -> str:
    """The path of a PostgreSQL client tool, or a BackupError saying what to install."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: {INSTALL}")
    return found


@contextmanager
def exported_snapshot(engine: Engine) -> Iterator[Snapshot]:
    """A read-only transaction whose snapshot pg_dump may share while this block runs."""
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            snapshot_id = str(connection.execute(text("SELECT pg_export_snapshot()")).scalar())
            namespace = working_schema(connection)
            yield Snapshot(
                snapshot_id, namespace, current_revision(connection), table_counts(connection)
            )


def working_schema(connection: Connection) -> str:
    """The schema the connection works in: where the bot's tables are, or will be."""
    namespace = connection.execute(text("SELECT current_schema()")).scalar()
    if namespace is None:
        raise BackupError(
            "DATABASE_URL's search_path names no schema that exists in the database: create "
            "it (CREATE SCHEMA name) or correct DATABASE_URL"
        )
    if not re.fullmatch(TABLE_NAME, str(namespace)):
        raise BackupError(f"the schema name {namespace!r} is not one backups can name safely")
    return str(namespace)


def table_counts(connection: Connection) -> dict[str, int]:
    names = connection.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
    ).scalars()
    quote = connection.dialect.identifier_preparer.quote
    return {
        str(name): connection.exec_driver_sql(f"SELECT count(*) FROM {quote(name)}").scalar_one()
        for name in list(names)
    }


def dump(database_url: str, snapshot: Snapshot, output: Path) -> None:
    """pg_dump the working schema, as of ``snapshot``, into ``output`` (custom format)."""
    pg_dump = require_tool("pg_dump")
    connection, env = _libpq(database_url)
    _run(
        "pg_dump",
        [
            *(pg_dump, "--format=custom", "--no-owner", "--no-privileges"),
            f"--schema={_exactly(snapshot.namespace)}",
            f"--snapshot={snapshot.id}",
            f"--lock-wait-timeout={LOCK_WAIT_MS}",
            f"--file={output}",
            f"--dbname={connection}",
        ],
        env,
    )


def list_dump(pg_restore: str, dump_file: Path) -> list[str]:
    """The dump's table of contents: pg_restore reads it whole, or the dump is refused."""
    listing = _run(
        "pg_restore", [pg_restore, "--list", str(dump_file)], dict(os.environ), reading=True
    )
    return listing.splitlines()


def restore_dump(database_url: str, pg_restore: str, dump_file: Path, contents: list[str]) -> None:
    """Replace the working schema's tables with the dump's, in one transaction."""
    chosen = dump_file.with_name("restore.list")
    chosen.write_text(
        "\n".join(line for line in contents if not _SCHEMA_ENTRY.match(line)) + "\n",
        encoding="utf-8",
    )
    connection, env = _libpq(database_url)
    _run(
        "pg_restore",
        [
            *(pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges"),
            *("--single-transaction", f"--use-list={chosen}", f"--dbname={connection}"),
            str(dump_file),
        ],
        env,
    )


def drop_tables_except(engine: Engine, keep: set[str]) -> list[str]:
    """Drop the working schema's tables that the backup does not have (a newer version's,
    left by an upgrade being rolled back): the restored schema is then exactly the backup's,
    and upgrading it again creates them anew."""
    with engine.begin() as connection:
        quote = connection.dialect.identifier_preparer.quote
        extra = [name for name in table_counts(connection) if name not in keep]
        for name in extra:
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(name)} CASCADE")
    return extra


def _exactly(name: str) -> str:
    """A pg_dump pattern matching this one name (quotes: no wildcards, case kept)."""
    return f'"{name}"'


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """DATABASE_URL as the tools take it; the password goes in their environment, never on a
    command line that any user of the machine can read."""
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(tool: str, command: list[str], env: dict[str, str], *, reading: bool = False) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode == 0:
        return done.stdout
    said = [
        re.sub(rf"^{tool}: (error: |detail: |hint: )?", "", line).strip()
        for line in done.stderr.splitlines()
        if line.strip() and "warning:" not in line
    ]
    reason = "; ".join(said[:3]) or f"exit status {done.returncode}"
    if "version" in reason:
        reason += f"; {INSTALL}"
    if reading:
        raise BackupError(f"the backup's dump cannot be read by {tool}: {reason}")
    raise BackupError(f"{tool} failed: {reason}")
