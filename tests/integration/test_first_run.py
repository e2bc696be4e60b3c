"""``feedback-admin`` on a fresh database sets it up itself, as ``feedback-bot`` does.

An empty database (no table at all: a first run, before the bot ever started) is given the
schema and the built-in forms, and the command goes on; one line on stderr says so. A
database with an older schema is left alone, with the line saying to run ``db upgrade``:
a bot of another version may be running on it. Run on SQLite, and on PostgreSQL when
TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine

from civic_feedback.storage.database import (
    create_db_engine,
    has_no_tables,
    schema_revisions,
    upgrade_database,
)
from civic_feedback.storage.flow_versions import list_forms
from tests.support.admin_cli import Cli, cli_in, no_traceback, session_on, the_error_line

SET_UP = "The database was empty: created its tables and installed the built-in forms."
BUILT_IN = {"consultation-survey", "event-satisfaction", "general-feedback", "training-evaluation"}
DEMO = """\
id: demo
title: {bg: "Обратна връзка", en: "Feedback"}
languages: [bg, en]
questions:
  - id: overall
    type: rating
    text: {bg: "Как оценявате събитието?", en: "How was the event?"}
"""


@pytest.fixture
def fresh(tmp_path: Path, empty_database_url: str) -> Cli:
    """The CLI on a database nothing has touched yet."""
    return replace(cli_in(tmp_path, DATABASE_URL=empty_database_url), own_process=True)


def published_forms(cli: Cli) -> set[str]:
    with session_on(cli) as session:
        return {form.flow_id for form in list_forms(session)}


def revision_of(url: str) -> str | None:
    engine: Engine = create_db_engine(url)
    try:
        return schema_revisions(engine)[0]
    finally:
        engine.dispose()


def test_flows_publish_on_a_fresh_database_sets_it_up_and_publishes(fresh: Cli) -> None:
    (fresh.cwd / "demo.yaml").write_text(DEMO, encoding="utf-8")

    run = fresh("flows", "publish", "demo.yaml")

    no_traceback(run)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "demo version 1 (published)"
    assert run.stderr.strip() == SET_UP  # one line, on stderr: stdout stays the command's
    assert published_forms(fresh) == BUILT_IN | {"demo"}


def test_events_add_on_a_fresh_database_finds_the_built_in_feedback_form(fresh: Cli) -> None:
    run = fresh(
        "events", "add", "--title", "Кръгла маса", "--kind", "round_table",
        "--starts", "2030-12-03 18:00", "--ends", "2030-12-03 20:00", "--place", "Town hall",
    )  # fmt: skip

    no_traceback(run)
    assert run.returncode == 0, run.stderr
    assert re.search(r"Event [a-z2-9]{8} added", run.stdout), run.stdout
    assert SET_UP in run.stderr


def test_the_database_is_set_up_once_and_then_said_nothing_about(fresh: Cli) -> None:
    first = fresh("flows", "list")
    second = fresh("flows", "list")

    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    assert SET_UP in first.stderr
    assert second.stderr == ""
    assert "event-satisfaction" in second.stdout


def test_an_older_schema_is_not_upgraded_and_the_line_says_to_run_db_upgrade(
    fresh: Cli,
) -> None:
    upgrade_database(fresh.database_url, "0011")  # a bot of the previous version left it so
    (fresh.cwd / "demo.yaml").write_text(DEMO, encoding="utf-8")

    run = fresh("flows", "publish", "demo.yaml")

    assert the_error_line(run) == (
        "error: the database schema is not up to date: run `feedback-admin db upgrade` first"
    )
    assert revision_of(fresh.database_url) == "0011"


def test_db_upgrade_installs_the_built_in_forms_too(fresh: Cli) -> None:
    run = fresh("db", "upgrade")

    assert run.returncode == 0, run.stderr
    assert "The database schema is up to date." in run.stdout
    assert "Built-in forms installed: " in run.stdout
    assert published_forms(fresh) == BUILT_IN
    again = fresh("db", "upgrade")
    assert "Built-in forms installed" not in again.stdout  # nothing new the second time


def test_a_database_of_other_tables_is_not_taken_for_an_empty_one(tmp_path: Path) -> None:
    cli = replace(cli_in(tmp_path), own_process=True)
    engine = create_db_engine(cli.database_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
        assert not has_no_tables(engine)
    finally:
        engine.dispose()

    run = cli("flows", "list")

    assert "feedback-admin db upgrade" in the_error_line(run)


def test_flows_preview_stores_nothing_so_it_sets_nothing_up(fresh: Cli) -> None:
    run = fresh("flows", "preview", "no-such-form")

    assert "no-such-form" in the_error_line(run)  # no line about setting the database up
    engine = create_db_engine(fresh.database_url)
    try:
        assert has_no_tables(engine)
    finally:
        engine.dispose()
