"""Backups that are proven to restore: take one while the bot runs, restore one checked.

A backup is one archive (``backup_archive``): the database's dump as of one moment, and a
manifest with the backend, the schema revision, when it was taken, the rows per table and
the dump's SHA-256. ``take_backup`` writes it under a temporary name and renames it when it
is complete, so a file under a backup's name is always whole. ``restore_backup`` checks
everything it can before it touches the target (the archive, the manifest, the checksum,
the dump itself, that the target holds no data unless forced), restores, and compares the
target's row counts with the manifest. Upgrading the restored schema is the caller's next
step (``feedback-admin restore`` runs the same upgrade as ``feedback-admin db upgrade``).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, column, func, inspect, select, table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from civic_feedback.flows.library import library_flows
from civic_feedback.storage import backup_postgres, backup_sqlite
from civic_feedback.storage.advisory_locks import leader_running
from civic_feedback.storage.backup_archive import (
    DUMP_NAMES,
    FORMAT,
    Backend,
    BackupError,
    DumpInfo,
    Manifest,
    extract_dump,
    read_manifest,
    sha256_of,
    write_archive,
)
from civic_feedback.storage.database import create_db_engine
from civic_feedback.storage.models import utcnow
from civic_feedback.storage.revisions import VERSION_TABLE, known_revisions, newest_revision

WORK_PREFIX = ".civic-feedback-backup-"  # the hidden folder a backup is written in
# Tables `db upgrade` fills in an empty database: their rows alone are not data to protect.
SET_UP_TABLES = {VERSION_TABLE, "form", "flow_version"}


@dataclass(frozen=True)
class BackupTaken:
    path: Path
    size: int  # bytes of the archive
    manifest: Manifest
    seconds: float


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    seconds: float


def backend_of(database_url: str) -> Backend:
    name = make_url(database_url).get_backend_name()
    if name not in DUMP_NAMES:
        raise BackupError(f"backups know SQLite and PostgreSQL, not {name}")
    return "sqlite" if name == "sqlite" else "postgresql"


def take_backup(
    database_url: str, output: Path, *, snapshot_taken: Callable[[], object] | None = None
) -> BackupTaken:
    """Back up the database into the archive ``output`` (replaced if it exists).

    ``snapshot_taken`` is called once the backup's moment is fixed: what is committed after
    it is not in the backup, however long the rest takes.
    """
    started = time.perf_counter()
    backend = backend_of(database_url)
    with tempfile.TemporaryDirectory(prefix=WORK_PREFIX, dir=output.parent) as folder:
        work = Path(folder)
        dump_file = work / DUMP_NAMES[backend]
        created_at = utcnow()
        if backend == "sqlite":
            tables, revision = backup_sqlite.copy_live_database(
                backup_sqlite.sqlite_file(database_url), dump_file
            )
            namespace = None
            if snapshot_taken is not None:
                snapshot_taken()
        else:
            tables, revision, namespace = _dump_postgresql(database_url, dump_file, snapshot_taken)
        if revision is None:
            raise BackupError("the database has no schema yet: there is nothing to back up")
        manifest = Manifest(
            format=FORMAT,
            backend=backend,
            schema_revision=revision,
            created_at=created_at,
            tables=tables,
            dump=DumpInfo(
                file=dump_file.name, bytes=dump_file.stat().st_size, sha256=sha256_of(dump_file)
            ),
            postgresql_schema=namespace,
        )
        partial = work / "backup.zip.partial"
        write_archive(partial, dump_file, manifest)
        os.replace(partial, output)
    _sync_folder(output.parent)
    return BackupTaken(output, output.stat().st_size, manifest, time.perf_counter() - started)


def _dump_postgresql(
    database_url: str, dump_file: Path, snapshot_taken: Callable[[], object] | None
) -> tuple[dict[str, int], str | None, str]:
    backup_postgres.require_tool("pg_dump")  # before connecting: say what to install first
    engine = create_db_engine(database_url)
    try:
        with backup_postgres.exported_snapshot(engine) as snapshot:
            if snapshot_taken is not None:
                snapshot_taken()
            backup_postgres.dump(database_url, snapshot, dump_file)
    finally:
        engine.dispose()
    return snapshot.tables, snapshot.revision, snapshot.namespace


def restore_backup(database_url: str, archive: Path, *, force: bool = False) -> Restored:
    """Replace the database's content with the backup's, after checking both.

    Refused, with nothing changed: a file that is not a whole, unaltered backup; a backup of
    the other backend, or of a schema newer than this code knows; a database that holds data
    (unless ``force``); on PostgreSQL, a bot leading on the database.
    """
    started = time.perf_counter()
    backend = backend_of(database_url)
    manifest = read_manifest(archive)
    _check_fits(manifest, backend, archive)
    pg_restore = backup_postgres.require_tool("pg_restore") if backend == "postgresql" else ""
    with tempfile.TemporaryDirectory(prefix="civic-feedback-restore-") as folder:
        dump_file = extract_dump(archive, manifest, Path(folder))
        if backend == "sqlite":
            backup_sqlite.check_copy(dump_file, manifest)
            _restore_sqlite(database_url, dump_file, force=force)
        else:
            contents = backup_postgres.list_dump(pg_restore, dump_file)
            _restore_postgresql(database_url, manifest, pg_restore, dump_file, contents, force)
    _verify(database_url, manifest)
    return Restored(manifest, time.perf_counter() - started)


def _check_fits(manifest: Manifest, backend: Backend, archive: Path) -> None:
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    if manifest.backend != backend:
        raise BackupError(
            f"{archive} is a {names[manifest.backend]} backup, but DATABASE_URL is a "
            f"{names[backend]} database: restore it into a {names[manifest.backend]} one"
        )
    if manifest.schema_revision not in known_revisions():
        raise BackupError(
            f"{archive} holds schema revision {manifest.schema_revision}, newer than this "
            f"version of civic-feedback knows (its latest is {newest_revision()}): install the "
            "version that took the backup, or a newer one, to restore it"
        )


def _restore_sqlite(database_url: str, dump_file: Path, *, force: bool) -> None:
    target = backup_sqlite.sqlite_file(database_url)
    if target.exists():
        engine = create_db_engine(database_url)
        try:
            _refuse_data(engine, force)
        finally:
            engine.dispose()
    backup_sqlite.copy_into(dump_file, target)


def _restore_postgresql(
    database_url: str,
    manifest: Manifest,
    pg_restore: str,
    dump_file: Path,
    contents: list[str],
    force: bool,
) -> None:
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            namespace = backup_postgres.working_schema(connection)
            if leader_running(connection):
                raise BackupError(
                    "feedback-bot is running on this database: stop every feedback-bot "
                    "process before restoring"
                )
        if namespace != manifest.postgresql_schema:
            raise BackupError(
                f"the backup holds the PostgreSQL schema {manifest.postgresql_schema!r}, but "
                f"DATABASE_URL works in {namespace!r}: restore into a database whose "
                f"search_path starts with {manifest.postgresql_schema}"
            )
        _refuse_data(engine, force)
        backup_postgres.drop_tables_except(engine, set(manifest.tables))
    finally:
        engine.dispose()
    backup_postgres.restore_dump(database_url, pg_restore, dump_file, contents)


def _refuse_data(engine: Engine, force: bool) -> None:
    found = data_found(engine)
    if found is not None and not force:
        raise BackupError(
            f"the database already holds data ({found}): restoring replaces all of it; add "
            "--force if that is what you want (take a backup of it first)"
        )


def data_found(engine: Engine) -> str | None:
    """Where the database holds data (None: nothing beyond what setting it up stores: the
    schema's revision and the built-in forms)."""
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
        for name in sorted(set(names) - SET_UP_TABLES):
            if connection.execute(select(1).select_from(table(name)).limit(1)).first():
                return f"rows in {name}"
        if "form" in names:
            built_in = {flow.id for flow in library_flows()}
            forms = connection.execute(select(table("form", column("flow_id")))).scalars()
            own = sorted(set(forms) - built_in)
            if own:
                return f"the form {own[0]}"
    return None


def _verify(database_url: str, manifest: Manifest) -> None:
    """The restored tables hold as many rows as the backup's manifest says."""
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            wrong = []
            for name, expected in manifest.tables.items():
                found = connection.execute(select(func.count()).select_from(table(name))).scalar()
                if found != expected:
                    wrong.append(f"{name}: {found} rows, the backup has {expected}")
    except SQLAlchemyError as error:
        raise BackupError(f"the restored database cannot be read: {error.args[0]}") from None
    finally:
        engine.dispose()
    if wrong:
        raise BackupError(f"the restored database differs from the backup: {'; '.join(wrong)}")


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable: a power cut after it keeps the backup's name."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
