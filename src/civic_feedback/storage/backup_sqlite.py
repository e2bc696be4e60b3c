"""SQLite's side of a backup: SQLite's online backup API, in both directions.

Taking: the whole file is copied in one step of the backup API, inside one read transaction,
so the copy is the database at one moment. In WAL mode readers never block the writer, so
citizens keep answering while it runs; their later commits are simply not in the copy. (A
copy made in several steps would start over each time another connection writes, and on a
busy bot might never finish.) The row counts and the schema revision are read from the copy,
so the manifest describes exactly what the dump holds.

Restoring: the backup API writes the checked copy into the target page by page under the
target's own lock, so a target in use fails cleanly ("database is locked") instead of being
half replaced.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from civic_feedback.storage.backup_archive import BackupError, Manifest

BUSY_MS = 10_000  # how long to wait for the bot's writer to finish a commit


def sqlite_file(database_url: str) -> Path:
    """The file of a SQLite DATABASE_URL (an in-memory database has none to back up)."""
    database = make_url(database_url).database
    if database in (None, "", ":memory:") or str(database).startswith("file:"):
        raise BackupError(f"DATABASE_URL {database_url!r} names no database file")
    return Path(str(database)).resolve()


def copy_live_database(database: Path, copy: Path) -> tuple[dict[str, int], str | None]:
    """Copy the database at one moment into ``copy`` (a new file); the copy's row counts and
    schema revision."""
    if not database.is_file():
        raise BackupError(f"no database at {database}: nothing to back up (check DATABASE_URL)")
    with closing(_connect(database)) as source, closing(_connect(copy)) as target:
        source.backup(target)  # pages=-1: one step, one read transaction
        # The copy says WAL like its source; a single self-contained file is what a backup is.
        target.execute("PRAGMA journal_mode=DELETE")
        return table_counts(target), schema_revision(target)


def check_copy(copy: Path, manifest: Manifest) -> None:
    """The extracted copy opens as a sound SQLite database holding what the manifest says."""
    try:
        with closing(_connect(copy)) as connection:
            connection.execute("PRAGMA trusted_schema=OFF")
            if connection.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise BackupError("the backup's database fails SQLite's check: it is damaged")
            counts, revision = table_counts(connection), schema_revision(connection)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"the backup's database cannot be read ({error})") from None
    if revision != manifest.schema_revision or counts != manifest.tables:
        raise BackupError(
            "the backup's database does not hold what its manifest describes: it was altered"
        )


def copy_into(copy: Path, database: Path) -> None:
    """Replace the whole content of ``database`` (created if missing) with ``copy``."""
    if not database.parent.is_dir():
        raise BackupError(
            f"the folder {database.parent} does not exist: create it, or correct DATABASE_URL"
        )
    try:
        with closing(_connect(copy)) as source, closing(_connect(database)) as target:
            source.backup(target)
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise BackupError(
                f"{database} is in use: stop feedback-bot (and any other program using it) "
                "before restoring"
            ) from None
        raise BackupError(f"cannot write {database}: {error}") from None


def table_counts(connection: sqlite3.Connection) -> dict[str, int]:
    """Rows in each table (SQLite's own tables aside)."""
    names = [
        str(name)
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return {
        name: int(connection.execute(f"SELECT count(*) FROM {_quoted(name)}").fetchone()[0])
        for name in names
    }


def _quoted(name: str) -> str:
    """A name as an SQL identifier, whatever it holds (a restored file's names are not ours)."""
    return '"' + name.replace('"', '""') + '"'


def schema_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:  # no such table: never migrated
        return None
    return None if row is None else str(row[0])


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=BUSY_MS / 1000, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    return connection
