"""What feedback-bot loads at start-up stays loaded for the life of the process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlmodel import Session

from civic_feedback.storage.database import create_db_engine
from civic_feedback.storage.flow_versions import install_library
from tests.support.bot_process import BotProcess
from tests.support.fake_telegram import FakeTelegram

# Each is needed only by a rare action (a chart, a spreadsheet, a calendar file, a QR poster,
# the language of a typed comment, the themes of comments, a schema migration, a nightly
# backup with BACKUP_DIR, a form read from its file) and is imported there, when first needed.
LOADED_WHEN_NEEDED = (
    "alembic",
    "civic_feedback.reports.comment_themes",
    "civic_feedback.storage.backups",
    "icalendar",
    "lingua",
    "matplotlib",
    "openpyxl",
    "pandas",
    "segno",
    "snowballstemmer",
    "yaml",
)
# aiohttp's web server, and the listeners built on it, serve only the webhook, METRICS_PORT
# and the console (CONSOLE_URL): a bot that only polls never loads them.
LOADED_TO_SERVE = (
    "aiohttp.web",
    "aiogram.webhook",
    "civic_feedback.bot.console_listener",
    "civic_feedback.bot.monitoring.endpoints",
    "civic_feedback.bot.webhook",
)


def loaded_by(statements: str, folder: Path) -> list[str]:
    """Which of the watched modules a new Python process has loaded after ``statements``."""
    loaded = f"sorted(set({LOADED_WHEN_NEEDED + LOADED_TO_SERVE!r}) & set(sys.modules))"
    probe = f"import sys; {statements}; print(*{loaded})"
    run = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return run.stdout.split()


class ReportingBot(BotProcess):
    """feedback-bot, writing as it exits which of ``watched`` it had loaded."""

    def __init__(self, api_url: str, workdir: Path, watched: tuple[str, ...], **env: str) -> None:
        super().__init__(api_url, workdir, **env)
        self.watched = watched

    def program(self) -> list[str]:
        report = f"sorted(set({self.watched!r}) & set(sys.modules))"
        at_exit = f"lambda: Path('loaded.json').write_text(json.dumps({report}))"
        return [
            sys.executable,
            "-c",
            "import atexit, json, sys; from pathlib import Path; "
            f"atexit.register({at_exit}); "
            "from civic_feedback.bot.__main__ import main; main()",
        ]

    def loaded(self) -> list[str]:
        found: list[str] = json.loads((self.workdir / "loaded.json").read_text())
        return found


def test_the_bot_starts_without_the_libraries_only_rare_actions_need(tmp_path: Path) -> None:
    assert loaded_by("import civic_feedback.bot.__main__, civic_feedback.bot.app", tmp_path) == []


async def test_a_bot_that_only_polls_loads_neither_a_web_server_nor_what_rare_actions_need(
    backend: str, database_url: str, tmp_path: Path
) -> None:
    # Each database's driver loads only for it (SQLite's for its backups too).
    drivers = ("sqlite3",) if backend == "postgresql" else ("psycopg",)
    watched = LOADED_WHEN_NEEDED + LOADED_TO_SERVE + drivers
    engine = create_db_engine(database_url)
    with Session(engine) as session:  # the schema current, the forms installed: a restart
        install_library(session)
        session.commit()
    engine.dispose()
    async with FakeTelegram() as tg:
        bot = ReportingBot(tg.url, tmp_path, watched, DATABASE_URL=database_url)
        await bot.start()
        try:
            await tg.wait_for_polling(timeout=60)
        finally:
            await bot.stop()

    assert "Traceback" not in bot.log()
    assert bot.loaded() == []


def test_a_schema_already_current_is_checked_without_alembic(
    database_url: str, tmp_path: Path
) -> None:
    check = (
        "from civic_feedback.storage.database import upgrade_database; "
        f"upgrade_database({database_url!r})"
    )

    assert loaded_by(check, tmp_path) == []
