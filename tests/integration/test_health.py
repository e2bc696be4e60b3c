"""``/healthz`` and polling mode's metrics listener: where it listens, when it does not, and
what it says when the database is gone or does not answer."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import pytest
from sqlalchemy import Engine

from civic_feedback.bot.monitoring.endpoints import start_metrics_listener
from civic_feedback.bot.monitoring.metrics import BotMetrics
from civic_feedback.bot.monitoring.monitor import Monitor
from civic_feedback.settings import Settings, SettingsError
from civic_feedback.storage.backup_folder import backup_name
from civic_feedback.storage.database import create_db_engine
from tests.support.databases import migrated_sqlite
from tests.support.monitored_bot import metrics_listener
from tests.support.scrape import scrape_registry
from tests.support.webhook_replicas import free_port

OK = {"status": "ok", "leader": True, "database": "ok"}


async def health(base: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as client, client.get(f"{base}/healthz") as response:
        return response.status, await response.json()


def listening_ports() -> set[int]:
    """The TCP ports this process listens on."""
    connections = psutil.Process().net_connections(kind="tcp")
    return {c.laddr.port for c in connections if c.status == psutil.CONN_LISTEN}


async def test_healthz_answers_ok_and_who_leads_while_the_database_answers(
    engine: Engine,
) -> None:
    leading = [True]
    monitor = Monitor(BotMetrics(), engine, lambda: leading[0])

    async with metrics_listener(monitor) as base:
        assert await health(base) == (200, OK)
        leading[0] = False  # another replica took the lead: still healthy
        assert await health(base) == (200, {**OK, "leader": False})


async def test_healthz_answers_503_once_the_database_is_gone(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    engine = create_db_engine(migrated_sqlite(folder / "feedback.db"))
    monitor = Monitor(BotMetrics(), engine, lambda: True)
    try:
        async with metrics_listener(monitor) as base:
            assert (await health(base))[0] == 200
            engine.dispose()  # the pooled connections are closed ...
            shutil.rmtree(folder)  # ... and the database's folder disappears

            status, body = await health(base)
    finally:
        engine.dispose()

    assert status == 503
    assert body == {"status": "unavailable", "leader": True, "database": "unavailable"}


async def test_healthz_answers_503_when_the_database_server_is_not_there() -> None:
    engine = create_db_engine(f"postgresql+psycopg://feedback@127.0.0.1:{free_port()}/feedback")
    monitor = Monitor(BotMetrics(), engine, lambda: False)
    try:
        async with metrics_listener(monitor) as base:
            status, body = await health(base)
    finally:
        engine.dispose()

    assert (status, body["database"]) == (503, "unavailable")


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """A TCP port that takes connections and never says a word: a database server that
    hangs. Its connections are closed at the end, which ends the waits on them."""
    writers: list[asyncio.StreamWriter] = []

    async def keep(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)

    server = await asyncio.start_server(keep, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for writer in writers:
            writer.close()
        await server.wait_closed()


async def test_healthz_gives_a_database_that_hangs_two_seconds(silent_server: int) -> None:
    engine = create_db_engine(f"postgresql+psycopg://feedback@127.0.0.1:{silent_server}/x")
    monitor = Monitor(BotMetrics(), engine, lambda: True)
    try:
        async with metrics_listener(monitor) as base:
            started = time.monotonic()
            status, body = await health(base)
            waited = time.monotonic() - started
    finally:
        engine.dispose()

    assert (status, body["database"]) == (503, "unavailable")
    assert 2.0 <= waited < 3.0


async def test_the_metrics_listener_listens_on_loopback_unless_told_otherwise(
    engine: Engine,
) -> None:
    port = free_port()
    monitor = Monitor(BotMetrics(), engine, lambda: True)
    runner = await start_metrics_listener(Settings(_env_file=None, metrics_port=port), monitor)
    assert runner is not None
    try:
        assert runner.addresses == [("127.0.0.1", port)]
    finally:
        await runner.cleanup()


async def test_without_metrics_port_nothing_listens(engine: Engine) -> None:
    before = listening_ports()
    monitor = Monitor(BotMetrics(), engine, lambda: True)

    runner = await start_metrics_listener(Settings(_env_file=None), monitor)

    assert runner is None
    assert listening_ports() == before


async def test_a_metrics_port_in_use_is_refused_in_one_line_naming_it(engine: Engine) -> None:
    monitor = Monitor(BotMetrics(), engine, lambda: True)
    async with metrics_listener(monitor) as taken:
        port = int(taken.rsplit(":", 1)[1])
        settings = Settings(_env_file=None, metrics_port=port)
        with pytest.raises(SettingsError) as refused:
            await start_metrics_listener(settings, monitor)

    assert str(refused.value) == (
        f"METRICS_PORT: cannot listen on 127.0.0.1:{port} (in use); choose another port, "
        "or leave METRICS_PORT empty for no metrics listener"
    )


def test_the_last_backup_is_the_newest_complete_one_in_backup_dir(
    engine: Engine, tmp_path: Path
) -> None:
    metrics = BotMetrics()
    Monitor(metrics, engine, lambda: True, backup_dir=tmp_path)
    gauge = "civic_feedback_last_backup_timestamp_seconds"
    assert scrape_registry(metrics).value(gauge) == 0  # none yet: the alert can say so

    (tmp_path / backup_name(datetime(2026, 12, 5, 1, 0, tzinfo=UTC))).write_bytes(b"zip")
    newest = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
    (tmp_path / backup_name(newest)).write_bytes(b"zip")
    (tmp_path / "civic-feedback-20261207T010000Z.zip.part").write_bytes(b"")  # not complete

    assert scrape_registry(metrics).value(gauge) == newest.timestamp()


def test_without_backup_dir_there_is_no_backup_figure(engine: Engine) -> None:
    metrics = BotMetrics()
    Monitor(metrics, engine, lambda: True)

    assert scrape_registry(metrics).value("civic_feedback_last_backup_timestamp_seconds") is None
