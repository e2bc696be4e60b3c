"""What feedback-bot loads at start-up stays loaded for the life of the process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# Each is needed only by a rare action (a chart, a spreadsheet, a calendar file, a QR poster,
# the language of a typed comment) and is imported there, when it is first needed.
LOADED_WHEN_NEEDED = ("icalendar", "langdetect", "matplotlib", "openpyxl", "pandas", "segno")


def test_the_bot_starts_without_the_libraries_only_rare_actions_need(tmp_path: Path) -> None:
    probe = (
        "import sys, civic_feedback.bot.__main__, civic_feedback.bot.app; "
        f"print(sorted(m for m in {LOADED_WHEN_NEEDED!r} if m in sys.modules))"
    )

    run = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    assert run.stdout.strip() == "[]"
