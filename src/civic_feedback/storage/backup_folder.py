"""BACKUP_DIR: the nightly backups, named by their UTC time, the last BACKUP_KEEP of them kept.

A backup is ``civic-feedback-YYYYMMDDTHHMMSSZ.zip``. Only files named exactly so count, as
backups and for removal: an operator's own files, copies renamed by hand and the hidden
folder a backup is being written in are never taken for a backup nor deleted, except that
folders of backups that died half-way (the process killed) are cleared once a day old.
"""

from __future__ import annotations

import re
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from civic_feedback.storage.backups import WORK_PREFIX, BackupTaken, take_backup

NAME = re.compile(r"civic-feedback-(\d{8}T\d{6}Z)\.zip")
STAMP = "%Y%m%dT%H%M%SZ"
STALE_WORK = timedelta(days=1)  # a backup still being written after a day has died


def backup_name(moment: datetime) -> str:
    return f"civic-feedback-{moment.astimezone(UTC):{STAMP}}.zip"


def complete_backups(directory: Path) -> list[tuple[datetime, Path]]:
    """The complete backups in ``directory``, oldest first."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = NAME.fullmatch(path.name)
        if match and path.is_file():
            moment = datetime.strptime(match.group(1), STAMP).replace(tzinfo=UTC)
            found.append((moment, path))
    return sorted(found)


def latest_backup_time(directory: Path) -> datetime | None:
    """When the newest complete backup in ``directory`` was taken (None: there is none)."""
    backups = complete_backups(directory)
    return backups[-1][0] if backups else None


def backup_into_folder(
    database_url: str, directory: Path, *, keep: int, now: datetime
) -> tuple[BackupTaken, list[Path]]:
    """Take a backup into ``directory`` (created if missing), then remove the oldest backups
    beyond ``keep``; the backup and the files removed."""
    directory.mkdir(parents=True, exist_ok=True)
    _clear_dead_work(directory)
    taken = take_backup(database_url, directory / backup_name(now))
    removed = [path for _, path in complete_backups(directory)[:-keep]]
    for path in removed:
        path.unlink(missing_ok=True)
    return taken, removed


def _clear_dead_work(directory: Path) -> None:
    cutoff = time.time() - STALE_WORK.total_seconds()
    for path in directory.glob(f"{WORK_PREFIX}*"):
        if path.is_dir() and path.stat().st_mtime < cutoff:
            shutil.rmtree(path, ignore_errors=True)
