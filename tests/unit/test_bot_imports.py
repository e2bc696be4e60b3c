"""What feedback-bot loads at start-up stays loaded for the life of the process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# Each is needed only by a rare action (a chart, a spreadsheet, a calendar file, a QR poster,
# the language of a typed comment, a schema migration) and is imported there, when first needed.
LOADED_WHEN_NEEDED = (
    "alembic",
    "icalendar",
    "lingua",
    "matplotlib",
    "openpyxl",
    "pandas",
    "segno",
)


def loaded_by(statements: str, folder: Path) -> list[str]:
    """Which of LOADED_WHEN_NEEDED a new Python process has loaded after ``statements``."""
    loaded = f"sorted(set({LOADED_WHEN_NEEDED!r}) & set(sys.modules))"
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


def test_the_bot_starts_without_the_libraries_only_rare_actions_need(tmp_path: Path) -> None:
    assert loaded_by("import civic_feedback.bot.__main__, civic_feedback.bot.app", tmp_path) == []


def test_a_schema_already_current_is_checked_without_alembic(
    database_url: str, tmp_path: Path
) -> None:
    check = (
        "from civic_feedback.storage.database import upgrade_database; "
        f"upgrade_database({database_url!r})"
    )

    assert loaded_by(check, tmp_path) == []
