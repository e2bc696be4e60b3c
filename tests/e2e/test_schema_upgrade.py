"""At start the bot upgrades the schema; it refuses a schema newer than its code knows."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy import text

from civic_feedback.storage.database import create_db_engine
from tests.support.bot_process import BIN, BotProcess


def test_the_bot_refuses_a_database_on_a_newer_schema_in_one_line(
    database_url: str, tmp_path: Path
) -> None:
    engine = create_db_engine(database_url)
    with engine.begin() as connection:  # as a later version of civic-feedback leaves it
        connection.execute(text("UPDATE alembic_version SET version_num = '0042_from_future'"))
    engine.dispose()
    bot = BotProcess("http://127.0.0.1:9", tmp_path, DATABASE_URL=database_url)

    done = subprocess.run(
        [str(BIN / "feedback-bot")],
        env=bot.env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode != 0
    *_, line = done.stderr.strip().splitlines()  # the last word, after any log lines
    assert line.startswith(
        "feedback-bot: the database schema is at revision 0042_from_future, newer than this "
        "version of civic-feedback knows"
    )
    assert "Traceback" not in done.stderr
