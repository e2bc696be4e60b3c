"""Backups proven to restore, on SQLite and PostgreSQL: taken while citizens answer, restored
into a new database with ``feedback-admin restore`` as an operator runs it, every answer
committed before the backup began is there and equal.

The backup is taken in this process, so that the test knows the moment it was fixed and
can make citizens answer after it. On PostgreSQL the backup's database is a schema of
TEST_DATABASE_URL (as every test's is), and the restore goes to a second database named
after it, working in a schema of the same name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import MetaData, insert
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from civic_feedback.storage.advisory_locks import LeaderLock
from civic_feedback.storage.backups import take_backup
from civic_feedback.storage.database import create_db_engine, schema_revisions, upgrade_database
from civic_feedback.storage.flow_versions import install_library
from civic_feedback.storage.revisions import newest_revision
from tests.support.admin_cli import cli_in, the_error_line
from tests.support.backups import COMPARED, AnsweringCitizens, rows_of
from tests.support.citizens import add_citizen
from tests.support.databases import (
    POSTGRES_URL,
    schema_of,
    second_postgres_database,
    sqlite_url,
)


@pytest.fixture
def new_database(backend: str, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Makes the new, empty database a backup of ``source`` is restored into: a SQLite file,
    or a second PostgreSQL database working in a schema named as the source's."""
    with ExitStack() as stack:

        def make(source: str) -> str:
            if backend == "sqlite":
                return sqlite_url(tmp_path / "restored.db")
            second = second_postgres_database(POSTGRES_URL, "restore", schema_of(source))
            return stack.enter_context(second)

        yield make


@pytest.fixture
def source(database_url: str, sessions: sessionmaker[Session]) -> str:
    """The bot's database, with the built-in forms installed as the bot installs them."""
    with sessions() as session:
        install_library(session)
    return database_url


def add_citizens(url: str, *telegram_ids: int) -> None:
    engine = create_db_engine(url)
    try:
        with Session(engine) as session:
            for telegram_id in telegram_ids:
                add_citizen(session, telegram_id=telegram_id, language="bg")
            session.commit()
    finally:
        engine.dispose()


def test_a_backup_taken_while_citizens_answer_restores_every_answer_committed_before_it(
    source: str,
    sessions: sessionmaker[Session],
    new_database: Callable[[str], str],
    tmp_path: Path,
) -> None:
    citizens = AnsweringCitizens(sessions)
    citizens.start()
    try:
        citizens.wait_until(finished=3)
        before = rows_of(source)  # everything committed before the backup begins

        def snapshot_taken() -> None:  # citizens go on answering after the backup's moment
            citizens.wait_until(finished=citizens.finished + 2)

        taken = take_backup(source, tmp_path / "backup.zip", snapshot_taken=snapshot_taken)
    finally:
        citizens.stop()
    final = rows_of(source)
    target = new_database(source)

    run = cli_in(tmp_path, DATABASE_URL=target)("restore", str(taken.path))

    assert run.returncode == 0, run.stderr
    restored = rows_of(target)
    for name in ("citizen", "answer", "answer_choice"):  # rows never changed once written
        assert set(before[name]) <= set(restored[name]), name  # all there, equal
        assert set(restored[name]) <= set(final[name]), name  # nothing made up
    completed = [row for row in before["response"] if row.state == "completed"]
    assert set(completed) <= set(restored["response"])
    assert len(restored["answer"]) == taken.manifest.tables["answer"]
    assert len(restored["response"]) < len(final["response"])  # later answers are not in it


def test_a_database_that_holds_data_is_refused_unless_forced_then_replaced_whole(
    source: str, new_database: Callable[[str], str], tmp_path: Path
) -> None:
    add_citizens(source, 111, 222)
    taken = take_backup(source, tmp_path / "backup.zip")
    target = new_database(source)
    upgrade_database(target)
    add_citizens(target, 333)
    engine = create_db_engine(target)
    with engine.begin() as connection:  # a table a newer version had made, left behind
        connection.exec_driver_sql("CREATE TABLE leftover (id integer)")
    engine.dispose()
    cli = cli_in(tmp_path, DATABASE_URL=target)
    untouched = rows_of(target)

    refused = cli("restore", str(taken.path))

    assert the_error_line(refused) == (
        "error: the database already holds data (rows in citizen): restoring replaces all of "
        "it; add --force if that is what you want (take a backup of it first)"
    )
    assert rows_of(target) == untouched

    forced = cli("restore", str(taken.path), "--force")

    assert forced.returncode == 0, forced.stderr
    assert rows_of(target) == rows_of(source)
    reflected = MetaData()
    engine = create_db_engine(target)
    reflected.reflect(engine)
    engine.dispose()
    assert "leftover" not in reflected.tables
    assert set(COMPARED) <= set(reflected.tables)


def test_a_backup_of_an_older_schema_is_restored_then_upgraded_to_the_current_one(
    empty_database_url: str, new_database: Callable[[str], str], tmp_path: Path
) -> None:
    upgrade_database(empty_database_url, "0011")
    engine = create_db_engine(empty_database_url)
    citizen = MetaData()
    citizen.reflect(engine, only=["citizen"])
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(citizen.tables["citizen"]),
            {"telegram_id": 777, "first_seen": now, "last_seen": now, "opted_out": False},
        )
    engine.dispose()
    taken = take_backup(empty_database_url, tmp_path / "old.zip")
    target = new_database(empty_database_url)

    run = cli_in(tmp_path, DATABASE_URL=target)("restore", str(taken.path))

    assert run.returncode == 0, run.stderr
    assert taken.manifest.schema_revision == "0011"
    assert f"Schema upgraded to {newest_revision()}." in run.stdout
    assert "Built-in forms installed: " in run.stdout
    engine = create_db_engine(target)
    try:
        assert schema_revisions(engine) == (newest_revision(), newest_revision())
    finally:
        engine.dispose()
    assert [row.telegram_id for row in rows_of(target, ("citizen",))["citizen"]] == [777]


def test_postgresql_restore_is_refused_while_a_bot_leads_on_the_database(
    postgres_url: str, tmp_path: Path
) -> None:
    upgrade_database(postgres_url)
    add_citizens(postgres_url, 111)
    taken = take_backup(postgres_url, tmp_path / "backup.zip")
    add_citizens(postgres_url, 222)
    bot = LeaderLock(postgres_url)
    assert bot.try_acquire()
    try:
        run = cli_in(tmp_path, DATABASE_URL=postgres_url)("restore", str(taken.path), "--force")
    finally:
        bot.dispose()

    assert the_error_line(run) == (
        "error: feedback-bot is running on this database: stop every feedback-bot process "
        "before restoring"
    )
    assert [row.telegram_id for row in rows_of(postgres_url, ("citizen",))["citizen"]] == [111, 222]
