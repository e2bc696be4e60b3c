"""The nightly backup into BACKUP_DIR, taken by the leader in a worker thread.

The job looks every hour, and a minute after each start, whether a backup was taken since
the last BACKUP_AT (03:00 in TIMEZONE): a bot that was down at night, or restarted every
night just then, still takes one backup a day, and one more check costs a folder listing.
The backup itself blocks (a file copy, or pg_dump) and runs in a thread, so updates keep
flowing; the database stays writable meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from civic_feedback.storage.backup_archive import BackupError
from civic_feedback.storage.backup_folder import backup_into_folder, latest_backup_time
from civic_feedback.storage.backups import BackupTaken

log = logging.getLogger(__name__)
BACKUP_AT = time(3, 0)  # local time in TIMEZONE: the quiet hours of a municipality's bot


def last_backup_moment(now: datetime, zone: ZoneInfo, at: time = BACKUP_AT) -> datetime:
    """The latest moment at or before ``now`` when a nightly backup was due, in UTC (03:00 on
    the night the clocks skip it is the moment they jump: 04:00)."""
    local = now.astimezone(zone)
    moment = datetime.combine(local.date(), at, tzinfo=zone)  # wall clock against wall clock
    return (moment if moment <= local else moment - timedelta(days=1)).astimezone(UTC)


def backup_due(newest: datetime | None, now: datetime, zone: ZoneInfo) -> bool:
    """No backup taken since the last nightly moment."""
    return newest is None or newest < last_backup_moment(now, zone)


class NightlyBackups:
    def __init__(
        self,
        *,
        database_url: str,
        directory: Path,
        keep: int,
        zone: ZoneInfo,
        clock: Callable[[], datetime],
    ) -> None:
        self.database_url = database_url
        self.directory = directory
        self.keep = keep
        self.zone = zone
        self.clock = clock

    async def take_if_due(self) -> BackupTaken | None:
        """Take tonight's backup unless it was taken; never raises (the log says why not)."""
        now = self.clock()
        newest = await asyncio.to_thread(latest_backup_time, self.directory)
        if not backup_due(newest, now, self.zone):
            return None
        try:
            taken, _ = await asyncio.to_thread(
                backup_into_folder, self.database_url, self.directory, keep=self.keep, now=now
            )
        except Exception as error:  # a full disk, pg_dump missing, a database that is down...
            log.error("backup_failed reason=%s", _reason(error))
            return None
        log.info("backup_done path=%s size=%d seconds=%.1f", taken.path, taken.size, taken.seconds)
        return taken


def _reason(error: Exception) -> str:
    """One line: a BackupError says what to do; anything else is named with its first line."""
    if isinstance(error, BackupError):
        return str(error)
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}"
    first = str(error.args[0]).splitlines()[0] if error.args else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__
