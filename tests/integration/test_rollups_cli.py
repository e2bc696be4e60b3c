"""``feedback-admin rollups status|rebuild``: what is rolled up, and rolling it up at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from civic_feedback.storage.tables import ROLLUP_DAY_TABLE
from tests.support.admin_cli import Cli, ready_cli, session_on
from tests.support.summary_data import WeekData, answers


def answered_days_ago(cli: Cli, *days: int) -> None:
    with session_on(cli) as session:
        data = WeekData(session)
        now = datetime.now(UTC)
        for back in days:
            data.respond(answers(overall=4), completed=now - timedelta(days=back))


def test_status_says_nothing_is_rolled_up_and_what_to_do(tmp_path: Path) -> None:
    cli = ready_cli(tmp_path)

    run = cli("rollups", "status")

    assert run.returncode == 0, run.stderr
    assert "No day is rolled up yet" in run.stdout
    assert "feedback-admin rollups rebuild" in run.stdout


def test_rebuild_rolls_up_the_settled_days_and_a_second_run_has_nothing_to_do(
    tmp_path: Path,
) -> None:
    cli = ready_cli(tmp_path)
    answered_days_ago(cli, 12, 5, 0)  # today's answers are not settled

    first, second = cli("rollups", "rebuild"), cli("rollups", "rebuild")
    status = cli("rollups", "status")

    assert first.returncode == 0, first.stderr
    days = int(first.stdout.split()[2])
    assert 10 <= days <= 12  # from twelve days ago to the day before yesterday
    assert second.stdout.startswith("Rolled up 0 day(s)")
    assert f"Days rolled up: {days} (" in status.stdout
    assert "Europe/Sofia" in status.stdout


def test_rebuild_all_counts_every_day_again(tmp_path: Path) -> None:
    cli = ready_cli(tmp_path)
    answered_days_ago(cli, 6)
    cli("rollups", "rebuild")
    days = select(ROLLUP_DAY_TABLE.c.day, ROLLUP_DAY_TABLE.c.built_at)
    with session_on(cli) as session:
        before = dict(session.execute(days).all())

    run = cli("rollups", "rebuild", "--all")

    with session_on(cli) as session:
        after = dict(session.execute(days).all())
    assert run.returncode == 0, run.stderr
    assert after.keys() == before.keys()  # the same days...
    assert all(after[day] > before[day] for day in before)  # ... counted anew


def test_status_warns_when_the_time_zone_changed(tmp_path: Path) -> None:
    cli = ready_cli(tmp_path)
    answered_days_ago(cli, 6)
    cli("rollups", "rebuild")

    run = cli("rollups", "status", env={"TIMEZONE": "Europe/Istanbul"})

    assert "TIMEZONE is now Europe/Istanbul" in run.stdout
    assert "rollups rebuild" in run.stdout
