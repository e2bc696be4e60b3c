"""``feedback-admin rollups status|rebuild``: the per-day counts that keep long reports fast.

The bot keeps them up to date by itself each night (storage/rollups.py says how and when a
change makes a day counted again). ``rebuild`` does the same at once, for a database just
upgraded or restored, and ``rebuild --all`` counts every day again from the answers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console

from civic_feedback.admin_cli.database import open_sessions
from civic_feedback.services.rollups import forget_all, roll_up_days
from civic_feedback.settings import load_settings
from civic_feedback.storage.rollups import rollup_state

app = typer.Typer(help="The per-day counts behind long reports.", no_args_is_help=True)
console = Console(highlight=False)
_progress = Console(stderr=True, highlight=False)


@app.command("status")
def status() -> None:
    """The days rolled up, their time zone, and when the last was counted."""
    settings = load_settings()
    with open_sessions(settings) as sessions, sessions() as session:
        state = rollup_state(session)
    if not state.days:
        console.print(
            "No day is rolled up yet: every figure is counted from the answers. "
            "The bot rolls up settled days each night; `feedback-admin rollups rebuild` now."
        )
        return
    console.print(f"Days rolled up: {state.days} ({state.first} to {state.last}, {state.zone})")
    console.print(f"Months added up: {state.months}")
    assert state.built_at is not None
    built = state.built_at.astimezone(ZoneInfo(settings.timezone))
    console.print(f"Last counted: {built:%Y-%m-%d %H:%M}")
    if state.zone != settings.timezone:
        console.print(
            f"[yellow]TIMEZONE is now {settings.timezone}: these days are not used. "
            "Run `feedback-admin rollups rebuild`.[/yellow]"
        )


@app.command("rebuild")
def rebuild(
    every_day: Annotated[
        bool, typer.Option("--all", help="Count every day again, not only those missing.")
    ] = False,
) -> None:
    """Roll up every settled day not rolled up yet (one transaction per day: an interrupted
    run keeps what it did, and running it again goes on)."""
    settings = load_settings()
    zone = ZoneInfo(settings.timezone)

    def done(day: date) -> None:
        if day.day == 1:
            _progress.print(f"… {day:%Y-%m}")

    with open_sessions(settings) as sessions, sessions() as session:
        if every_day:
            forget_all(session)
        days = roll_up_days(session, zone, datetime.now(UTC), done=done)
        state = rollup_state(session)
    console.print(
        f"Rolled up {days} day(s); {state.days} day(s) and {state.months} month(s) in all."
    )
