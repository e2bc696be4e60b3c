"""The leader's nightly backup into BACKUP_DIR: one a night, the last BACKUP_KEEP kept, and
nothing in the folder that is not a complete backup is counted or removed.

The job is driven night after night by a clock the test sets; the backups are real (a
migrated SQLite database), and the folder also holds an operator's files and the traces of
backups in progress or killed half-way.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from civic_feedback.bot.jobs.backups import NightlyBackups
from civic_feedback.bot.jobs.scheduler import start_scheduler
from civic_feedback.storage.backup_archive import read_manifest
from civic_feedback.storage.backup_folder import backup_name, latest_backup_time
from tests.support.databases import migrated_sqlite, sqlite_url

KEEP = 3
SOFIA = ZoneInfo("Europe/Sofia")
# 03:30 in Sofia, six nights running.
NIGHTS = [datetime(2026, 3, day, 1, 30, tzinfo=UTC) for day in range(2, 8)]
FOREIGN = {
    "README.txt": b"copied to the NAS every morning",
    "civic-feedback-before-upgrade.zip": b"an operator's own backup",
    "civic-feedback-20300101T000000Z.zip.partial": b"half a file",
    "civic-feedback-20200101T000000Z.zip.bak": b"a copy renamed by hand",
}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def job(database_url: str, folder: Path, clock: Clock) -> NightlyBackups:
    return NightlyBackups(
        database_url=database_url, directory=folder, keep=KEEP, zone=SOFIA, clock=clock
    )


async def test_one_backup_a_night_the_last_backup_keep_kept_and_other_files_left_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = migrated_sqlite(tmp_path / "feedback.db")
    folder = tmp_path / "backups"
    folder.mkdir()
    for name, content in FOREIGN.items():
        (folder / name).write_bytes(content)
    in_progress = folder / ".civic-feedback-backup-now"  # another backup being written
    in_progress.mkdir()
    killed = folder / ".civic-feedback-backup-dead"  # a backup killed two days ago
    killed.mkdir()
    two_days_ago = time.time() - timedelta(days=2).total_seconds()
    os.utime(killed, (two_days_ago, two_days_ago))
    clock = Clock(NIGHTS[0])
    nightly = job(database, folder, clock)
    caplog.set_level(logging.INFO, logger="civic_feedback.bot.jobs.backups")

    for night in NIGHTS:
        clock.now = night
        assert await nightly.take_if_due() is not None
        clock.now = night + timedelta(hours=5)  # the hourly checks of the same day
        assert await nightly.take_if_due() is None

    kept = sorted(path.name for path in folder.glob("civic-feedback-*Z.zip"))
    assert kept == [backup_name(night) for night in NIGHTS[-KEEP:]]
    assert all(read_manifest(folder / name).backend == "sqlite" for name in kept)
    assert {name: (folder / name).read_bytes() for name in FOREIGN} == FOREIGN
    assert in_progress.is_dir()
    assert not killed.exists()
    assert latest_backup_time(folder) == NIGHTS[-1]
    done = [record.getMessage() for record in caplog.records]
    assert len(done) == len(NIGHTS)
    assert all(line.startswith(f"backup_done path={folder}/civic-feedback-") for line in done)


async def test_a_bot_down_at_night_takes_the_missed_backup_when_it_starts(tmp_path: Path) -> None:
    database = migrated_sqlite(tmp_path / "feedback.db")
    folder = tmp_path / "backups"
    clock = Clock(datetime(2026, 3, 2, 1, 30, tzinfo=UTC))  # 03:30: last night's backup
    nightly = job(database, folder, clock)
    assert await nightly.take_if_due() is not None

    clock.now = datetime(2026, 3, 3, 0, 30, tzinfo=UTC)  # 02:30 the next night: not yet
    assert await nightly.take_if_due() is None
    clock.now = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # 09:00, started after a night down
    taken = await nightly.take_if_due()

    assert taken is not None
    assert latest_backup_time(folder) == clock.now


async def test_a_failed_backup_is_one_log_line_and_leaves_no_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "backups"
    missing = tmp_path / "moved" / "feedback.db"
    nightly = job(sqlite_url(missing), folder, Clock(NIGHTS[0]))

    assert await nightly.take_if_due() is None

    assert [record.getMessage() for record in caplog.records] == [
        f"backup_failed reason=no database at {missing}: nothing to back up (check DATABASE_URL)"
    ]
    assert list(folder.iterdir()) == []


async def _nothing() -> None:
    return None


async def test_the_leader_looks_hourly_and_a_minute_after_it_starts_only_with_backup_dir(
    tmp_path: Path,
) -> None:
    idle = cast(
        Any,
        SimpleNamespace(
            send_due=_nothing,
            next_due=lambda: None,
            purge=_nothing,
            roll_up=_nothing,
            send_if_due=_nothing,
            deliver_pending=_nothing,
        ),
    )
    nightly = job(sqlite_url(tmp_path / "feedback.db"), tmp_path / "backups", Clock(NIGHTS[0]))
    started = datetime.now(UTC)

    with_backups, _ = start_scheduler(idle, idle, idle, idle, idle, idle, backups=nightly)
    without, _ = start_scheduler(idle, idle, idle, idle, idle, idle)
    try:
        backup = with_backups.get_job("backup")
        assert backup is not None
        assert backup.trigger.interval == timedelta(hours=1)
        first = backup.next_run_time - started
        assert timedelta(seconds=59) < first < timedelta(seconds=70)
        assert without.get_job("backup") is None
        rollups = without.get_job("rollups")  # the long reports' counts: hourly, whatever
        assert rollups is not None
        assert rollups.trigger.interval == timedelta(hours=1)
    finally:
        with_backups.shutdown(wait=False)
        without.shutdown(wait=False)
