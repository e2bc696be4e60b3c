"""``feedback-admin backup`` and ``restore``: a consistent copy while the bot runs, and a
restore that checks the file, refuses to overwrite data unasked, and proves itself by the
row counts before the schema is brought up to date (docs/operations.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from civic_feedback.admin_cli.database import upgrade_schema
from civic_feedback.admin_cli.errors import CliError
from civic_feedback.settings import load_settings
from civic_feedback.storage.backup_archive import BackupError, Manifest
from civic_feedback.storage.backup_folder import backup_name
from civic_feedback.storage.backups import restore_backup, take_backup
from civic_feedback.storage.database import SchemaVersionError
from civic_feedback.storage.models import utcnow
from civic_feedback.storage.revisions import newest_revision

console = Console(highlight=False)


def backup(
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="The archive to write; default civic-feedback-<UTC time>.zip in this folder.",
        ),
    ] = None,
) -> None:
    """Back up the database into one archive, safely while the bot runs: the dump, its row
    counts and checksum (restore it with `feedback-admin restore FILE`)."""
    settings = load_settings()
    path = output if output is not None else Path(backup_name(utcnow()))
    if path.exists():
        raise CliError(f"{path} already exists: choose another name, or remove it first")
    if not path.parent.is_dir():
        raise CliError(f"the folder {path.parent} does not exist: create it first")
    try:
        taken = take_backup(settings.database_url, path)
    except BackupError as error:
        raise CliError(str(error)) from None
    summary = _facts("Backup written", taken.manifest, file=str(path), size=_size(taken.size))
    summary.add_row("took", f"{taken.seconds:.1f} s")
    console.print(summary)


def restore(
    file: Annotated[Path, typer.Argument(help="A backup archive (from `backup`).")],
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace a database that already holds data."),
    ] = False,
) -> None:
    """Restore a backup into DATABASE_URL's database (stop feedback-bot first), check that
    every table has the backup's rows, then bring the schema up to date as `db upgrade` does."""
    settings = load_settings()
    try:
        restored = restore_backup(settings.database_url, file, force=force)
    except BackupError as error:
        raise CliError(str(error)) from None
    summary = _facts("Backup restored, row counts checked", restored.manifest, file=str(file))
    summary.add_row("took", f"{restored.seconds:.1f} s")
    console.print(summary)
    try:
        installed = upgrade_schema(settings.database_url)
    except (SQLAlchemyError, SchemaVersionError) as error:
        reason = str(error.args[0]).splitlines()[0] if error.args else type(error).__name__
        raise CliError(
            f"the backup was restored, but upgrading its schema failed ({reason}): run "
            "`feedback-admin db upgrade`"
        ) from None
    if restored.manifest.schema_revision != newest_revision():
        console.print(f"Schema upgraded to {newest_revision()}.")
    if installed:
        console.print(f"Built-in forms installed: {', '.join(installed)}.", markup=False)


def _facts(title: str, manifest: Manifest, **first: str) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for name, value in first.items():
        table.add_row(name, value)
    table.add_row("taken at", f"{manifest.created_at:%Y-%m-%d %H:%M:%S} UTC")
    table.add_row("tables", str(len(manifest.tables)))
    table.add_row("rows", f"{manifest.rows:,}")
    table.add_row("schema", manifest.schema_revision)
    return table


def _size(count: int) -> str:
    return f"{count / 2**20:.1f} MB" if count >= 2**20 else f"{count / 1024:.0f} KB"
